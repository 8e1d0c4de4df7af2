/**
 * The rule editor (`/rules/new`, `/rules/:ruleId`): trigger, conditions (visual or JSONLogic, with
 * a test), ordered actions with generated params forms, run behaviour; the API's validation errors at
 * the fields they name; an unsaved-changes guard; tabs for the workflow graph (with the latest run),
 * the version history and "why didn't it fire".
 */
import { lazy, Suspense, useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { ApiError, type FieldErrors } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { useSites, withSite } from "../shell/site";
import { Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import {
  isActive,
  readableRefusal,
  useActionTypes,
  useCreateRule,
  useExecuteRule,
  useRotateSecret,
  useRotateSigningSecret,
  useRule,
  useLatestRun,
  useRules,
  useTriggerTypes,
  useUpdateRule,
} from "./api";
import {
  draftToPayload,
  emptyDraft,
  ruleToDraft,
  sameRule,
  stableStringify,
  withTrigger,
  type RuleDraft,
  type StepDraft,
} from "./draft";
import { BacktestPanel } from "./BacktestPanel";
import { ActionsSection, arrayMove } from "./editor/ActionsSection";
import { ConditionsSection } from "./editor/ConditionsSection";
import { CredentialsPanel } from "./editor/CredentialsPanel";
import { credentialUsage } from "./editor/credentials";
import { RuleExtrasContext } from "./editor/extras";
import { useEditorExtras } from "./editor/useEditorExtras";
import { WarningList } from "./editor/Warnings";
import { usesActionType } from "./editor/blocks";
import { SigningSecretPanel } from "./editor/SigningSecretPanel";
import { TriggerSection } from "./editor/TriggerSection";
import { TriggersPanel } from "./editor/TriggersPanel";
import { VersionHistory } from "./editor/VersionHistory";
import { emptyRuleErrors, fieldError, mapRuleErrors, removeStepErrors, reorderStepErrors, type RuleErrors } from "./errors";
import { moveInTree } from "./graph/tree";
import { GraphIcon, PlayIcon } from "./icons";
import { ReplayDialog } from "./ReplayDialog";
import type { ActionType, Rule, RuleMode, RunDetail, TriggerCatalog } from "./types";
import { saveShortcutLabel } from "./shortcut";
import { Dialog, FieldError, Notice, StatusBadge, TabList, tabPanelProps, When } from "./ui";
import { useNavigationGuard } from "./useNavigationGuard";

const WorkflowView = lazy(() => import("./WorkflowView"));

export default function RuleEditorPage() {
  const { ruleId } = useParams();
  const id = ruleId === undefined ? null : /^\d+$/.test(ruleId) ? Number(ruleId) : -1;
  const rule = useRule(id !== null && id > 0 ? id : null);
  const actionTypes = useActionTypes();
  const triggerTypes = useTriggerTypes();
  const { site } = useSites();
  usePageTitle(id === null ? "New rule" : (rule.data?.name ?? "Rule"));

  if (id === -1 || (rule.error instanceof ApiError && rule.error.status === 404)) {
    return (
      <section className="page rl-page" aria-labelledby="page-title">
        <h1 id="page-title">Rule not found</h1>
        <p>
          There is no rule {ruleId} in this account. <Link to={withSite("/rules", site?.id)}>Back to the list</Link>.
        </p>
      </section>
    );
  }
  const failed = rule.error ?? actionTypes.error ?? triggerTypes.error;
  if (failed) {
    return (
      <section className="page rl-page" aria-labelledby="page-title">
        <h1 id="page-title">Rule</h1>
        <ErrorBanner
          title="Could not load the editor"
          error={failed}
          onRetry={() => {
            void rule.refetch();
            void actionTypes.refetch();
            void triggerTypes.refetch();
          }}
        />
      </section>
    );
  }
  if ((id !== null && !rule.data) || !actionTypes.data || !triggerTypes.data) return <Loading label="Loading the rule…" />;
  return <RuleEditor key={id ?? "new"} saved={rule.data ?? null} catalog={actionTypes.data} triggers={triggerTypes.data} />;
}

type Tab = "editor" | "workflow" | "versions" | "why";

interface EditorProps {
  saved: Rule | null;
  catalog: ActionType[];
  triggers: TriggerCatalog;
}

function RuleEditor({ saved, catalog, triggers }: EditorProps) {
  const { site, sites } = useSites();
  const navigate = useNavigate();
  const location = useLocation();
  const formId = useId();
  const isNew = saved === null;
  const [baseline, setBaseline] = useState<RuleDraft>(() => (saved ? ruleToDraft(saved) : emptyDraft(site?.id ?? null)));
  const [draft, setDraft] = useState<RuleDraft>(baseline);
  const [errors, setErrors] = useState<RuleErrors>(emptyRuleErrors);
  // Whether the errors shown came from a save or from a backtest of the draft (same fields, other words).
  const [errorsFrom, setErrorsFrom] = useState<"save" | "backtest">("save");
  const [replayOpen, setReplayOpen] = useState(false);
  // Credentials (sent with the next save), the saved rule's warnings, the placeholder preview's sample.
  const more = useEditorExtras(saved, draft.trigger, triggers.events, sites.find((s) => s.id === draft.site) ?? site ?? null);
  const [tab, setTab] = useState<Tab>("editor");
  const [secret, setSecret] = useState<string | null>(() => (location.state as { webhookSecret?: string } | null)?.webhookSecret ?? null);
  // The signing secret of a rule with a webhook step: shown once, after the save that made it or a rotation.
  const [signingSecret, setSigningSecret] = useState<string | null>(
    () => (location.state as { signingSecret?: string } | null)?.signingSecret ?? null,
  );
  const [confirmRotateSigning, setConfirmRotateSigning] = useState(false);
  // A new rule's mode follows its trigger (event → queued) until someone picks one.
  const [modeChosen, setModeChosen] = useState(false);
  const [notice, setNotice] = useState<{ text: string; runId?: string } | null>(
    () => ((location.state as { created?: boolean } | null)?.created && saved ? { text: `Created “${saved.name}” (v${saved.version}).` } : null),
  );
  const [remount, setRemount] = useState(0);
  const [testObject, setTestObject] = useState<{ id: number; nonce: number } | null>(null);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [selectedNode, setSelectedNode] = useState<string | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const create = useCreateRule();
  const update = useUpdateRule(saved?.id ?? 0);
  const execute = useExecuteRule();
  const rotate = useRotateSecret(saved?.id ?? 0);
  const rotateSigning = useRotateSigningSecret(saved?.id ?? 0);
  const rules = useRules();
  const latest = useLatestRun(saved?.id ?? null, tab === "workflow");
  const dirty = !sameRule(draft, baseline) || more.changed;
  const guard = useNavigationGuard(dirty);
  const saving = create.isPending || update.isPending;
  const saveError = create.error ?? update.error;
  const otherSaveError = saveError && !(saveError instanceof ApiError && saveError.status === 400) ? saveError : null;

  // The secret came once through the navigation state: drop it from history so a reload doesn't show it again.
  useEffect(() => {
    if (location.state) window.history.replaceState({ ...window.history.state, usr: null }, "");
  }, []);

  const savedTriggerCurrent = !!saved && stableStringify(draftToPayload(draft).trigger) === stableStringify(draftToPayload(baseline).trigger);

  const change = useCallback((patch: Partial<RuleDraft>) => setDraft((current) => ({ ...current, ...patch })), []);

  const moveStep = useCallback((from: number, to: number) => {
    setDraft((current) => {
      if (to < 0 || to >= current.actions.length) return current;
      return { ...current, actions: arrayMove(current.actions, from, to) };
    });
    setErrors((current) => reorderStepErrors(current, from, to));
  }, []);

  // Drag-and-drop on the Workflow graph: top-level steps move like the list's arrows; nested ones within their list.
  const reorderFromGraph = useCallback(
    (fromPath: string, toPath: string) => {
      const from = /^actions\/(\d+)$/.exec(fromPath);
      const to = /^actions\/(\d+)$/.exec(toPath);
      if (from && to) moveStep(Number(from[1]), Number(to[1]));
      else setDraft((current) => ({ ...current, actions: moveInTree(current.actions, fromPath, toPath) }));
    },
    [moveStep],
  );

  const removeStep = useCallback((index: number) => {
    setDraft((current) => ({ ...current, actions: current.actions.filter((_, i) => i !== index) }));
    setErrors((current) => removeStepErrors(current, index));
  }, []);

  const adopt = useCallback((rule: Rule, keepKeysFrom?: StepDraft[]) => {
    const next = ruleToDraft(rule);
    if (keepKeysFrom && keepKeysFrom.length === next.actions.length) {
      next.actions = next.actions.map((step, i) => ({ ...step, key: keepKeysFrom[i]?.key ?? step.key }));
    }
    setBaseline(next);
    setDraft(next);
  }, []);

  const save = async () => {
    setNotice(null);
    create.reset();
    update.reset();
    const payload = more.withCredentials(draftToPayload(draft));
    try {
      const rule = isNew ? await create.mutateAsync(payload) : await update.mutateAsync(payload);
      setErrors(emptyRuleErrors());
      if (isNew) {
        guard.allow(() =>
          navigate(withSite(`/rules/${rule.id}`, site?.id), {
            replace: true,
            state: { webhookSecret: rule.webhook_secret, signingSecret: rule.signing_secret, created: true },
          }),
        );
        return;
      }
      adopt(rule, draft.actions);
      more.adopt(rule);
      if (rule.webhook_secret) setSecret(rule.webhook_secret);
      if (rule.signing_secret) setSigningSecret(rule.signing_secret);
      const warned = Object.values(rule.warnings ?? {}).flat().length;
      setNotice({ text: `Saved as v${rule.version}.${warned ? ` ${warned} warning${warned === 1 ? "" : "s"}: each is shown at its place below.` : ""}` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        setErrors(mapRuleErrors(error.fieldErrors));
        setErrorsFrom("save");
        setTab("editor");
        window.setTimeout(() => summaryRef.current?.focus(), 0);
      }
    }
  };

  // Ctrl/Cmd+S saves.
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        void saveRef.current();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const runNow = (dryRun = false) => {
    if (!saved) return;
    setNotice(null);
    execute.mutate(
      { id: saved.id, site: saved.site ?? site?.id, dryRun },
      {
        onSuccess: (started) =>
          setNotice({
            text: `${dryRun ? "Started a dry run" : "Started"} ${started.run_id}${dryRun ? ": nothing is changed, called or charged" : ""}${dirty ? " with the saved version (unsaved changes are not part of it)" : ""}.`,
            runId: started.run_id,
          }),
      },
    );
  };

  // A backtest's 400 about the draft shows at the same fields as a save's; a good answer clears them.
  const onBacktestErrors = useCallback(
    (fieldErrors: FieldErrors | null) => {
      if (fieldErrors) {
        setErrors(mapRuleErrors(fieldErrors));
        setErrorsFrom("backtest");
        window.setTimeout(() => summaryRef.current?.focus(), 0);
      } else if (errorsFrom === "backtest") {
        setErrors(emptyRuleErrors());
      }
    },
    [errorsFrom],
  );
  const backtestRule = useMemo(() => draftToPayload(draft), [draft]);

  const testRuleId = saved?.id ?? rules.data?.results[0]?.id ?? null;
  const objectTestable = !!saved && saved.trigger.type === "event" && savedTriggerCurrent;
  const siteTimezone = sites.find((s) => s.id === draft.site)?.timezone ?? site?.timezone ?? "UTC";
  const graphRule = useMemo(
    () => ({ trigger: draft.trigger, conditions: draft.conditions, actions: draft.actions, trigger_summary: savedTriggerCurrent ? saved?.trigger_summary : undefined }),
    [draft.trigger, draft.conditions, draft.actions, savedTriggerCurrent, saved?.trigger_summary],
  );
  const latestRun = latest.run;
  const overlayRun = latestRun && !dirty ? latestRun : null;
  const problems = errorSummary(errors);
  const warningLines = errorSummary(more.warnings);
  const showCredentials = usesActionType(draft.actions, "webhook") || more.names.length > 0 || more.changed;

  const tabs = [
    { id: "editor" as const, label: "Editor", badge: errors.count ? errors.count : undefined },
    { id: "workflow" as const, label: "Workflow" },
    ...(saved ? [{ id: "versions" as const, label: "Versions", badge: `v${saved.version}` }, { id: "why" as const, label: "Why didn't it fire?" }] : []),
  ];

  return (
    <section className="page rl-page rl-editor-page" aria-labelledby="page-title">
      <nav className="rl-breadcrumb" aria-label="Breadcrumb">
        <Link to={withSite("/rules", site?.id)}>Rules</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{isNew ? "New" : `#${saved.id}`}</span>
      </nav>
      <header className="page-header rl-editor-header">
        <div className="rl-editor-title">
          <h1 id="page-title">{draft.name.trim() || (isNew ? "New rule" : "Untitled rule")}</h1>
          <div className="rl-rule-meta">
            {saved ? (
              <>
                <span className={`rl-chip ${saved.is_active ? "rl-chip-on" : ""}`}>{saved.is_active ? "active" : "inactive"}</span>
                {saved.is_shadow && (
                  <span className="rl-chip rl-chip-shadow" title="Watches live events and records what it would do; executes nothing">
                    shadow
                  </span>
                )}
                <span className="rl-chip">v{saved.version}</span>
                {saved.preset_key && <span className="rl-chip rl-chip-preset">preset: {saved.preset_key}</span>}
                <span className="muted small">{saved.trigger_summary}</span>
                {saved.last_run && (
                  <Link to={withSite(`/runs/${saved.last_run.run_id}`, site?.id)} className="rl-last-run small">
                    last run <StatusBadge status={saved.last_run.status} size="small" /> <When iso={saved.last_run.created_at} />
                  </Link>
                )}
              </>
            ) : (
              <span className="muted small">Not saved yet</span>
            )}
          </div>
        </div>
        <div className="rl-header-actions">
          {dirty && (
            <span className="rl-dirty" role="status">
              Unsaved changes
            </span>
          )}
          {dirty && !isNew && (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setDraft(baseline);
                setErrors(emptyRuleErrors());
                more.discard();
                setRemount((n) => n + 1);
              }}
            >
              Discard
            </button>
          )}
          {saved && !saved.is_shadow && (
            <button type="button" className="btn" onClick={() => runNow(false)} disabled={execute.isPending}>
              <PlayIcon size={14} /> {execute.isPending && !execute.variables?.dryRun ? "Starting…" : "Run now"}
            </button>
          )}
          {saved && (
            <button
              type="button"
              className="btn"
              onClick={() => runNow(true)}
              disabled={execute.isPending}
              title="Run it with side effects stubbed: nothing is changed, called or charged"
            >
              {execute.isPending && execute.variables?.dryRun ? "Starting…" : "Dry run"}
            </button>
          )}
          {saved && saved.trigger.type !== "manual" && (
            <button type="button" className="btn" onClick={() => setReplayOpen(true)}>
              Replay…
            </button>
          )}
          <button type="submit" form={formId} className="btn btn-primary" disabled={saving || (!dirty && !isNew)}>
            {saving ? "Saving…" : isNew ? "Create rule" : "Save"}
          </button>
        </div>
      </header>

      {notice && (
        <Notice onDismiss={() => setNotice(null)}>
          {notice.text}{" "}
          {notice.runId && (
            <>
              <button type="button" className="btn-link" onClick={() => setTab("workflow")}>
                Watch it in the workflow
              </button>{" "}
              · <Link to={withSite(`/runs/${notice.runId}`, site?.id)}>Open the run</Link>
            </>
          )}
        </Notice>
      )}
      {execute.isError && (
        <ErrorBanner
          title={execute.error instanceof ApiError && execute.error.status === 409 ? "The run did not start" : "Could not run the rule"}
          error={readableRefusal(execute.error)}
          onDismiss={() => execute.reset()}
        />
      )}
      {otherSaveError && <ErrorBanner title="Could not save the rule" error={otherSaveError} onDismiss={() => (create.reset(), update.reset())} />}
      {problems.length > 0 && (
        <div className="banner banner-error rl-summary" role="alert" tabIndex={-1} ref={summaryRef} data-testid="error-summary">
          <div className="banner-body">
            <strong className="banner-title">
              {errorsFrom === "backtest" ? "Backtest not run" : "Not saved"}: {errors.count} problem{errors.count === 1 ? "" : "s"}. Each is
              shown at its field below.
            </strong>
            <ul className="banner-list">
              {problems.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
        </div>
      )}

      {problems.length === 0 && (
        <WarningList
          messages={warningLines}
          testId="warning-summary"
          title={`Saved, with ${warningLines.length} warning${warningLines.length === 1 ? "" : "s"} (shown at their place below; they don't block saving):`}
        />
      )}

      <TabList tabs={tabs} value={tab} onChange={setTab} label="Rule" idBase={formId} />

      <div {...tabPanelProps(formId, "editor")} hidden={tab !== "editor"}>
        <RuleExtrasContext.Provider value={more.extras}>
        <form
          id={formId}
          className="rl-editor"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <EditorCard title="Basics" id="basics">
            <BasicsFields draft={draft} change={change} errors={errors} sites={sites} />
          </EditorCard>
          <EditorCard title="Trigger" id="trigger" hint="What starts the rule.">
            <TriggerSection
              key={`trigger-${remount}`}
              trigger={draft.trigger}
              onChange={(trigger) => setDraft((current) => withTrigger(current, trigger, { followMode: isNew && !modeChosen }))}
              catalog={triggers}
              errors={errors}
              saved={saved}
              savedTriggerCurrent={savedTriggerCurrent}
              secret={secret}
              onRotateSecret={saved ? () => setConfirmRotate(true) : null}
              rotating={rotate.isPending}
              siteTimezone={siteTimezone}
            />
          </EditorCard>
          <EditorCard title="Conditions" id="conditions" hint="All must hold for the rule to run. Leave empty to run on every trigger.">
            <WarningList
              messages={more.warnings.conditions.map((w) => (w.path ? `${w.path}: ${w.message}` : w.message))}
              testId="conditions-warnings"
            />
            <ConditionsSection
              key={`conditions-${remount}`}
              onSample={more.onSample}
              logic={draft.conditions}
              onChange={(conditions) => change({ conditions })}
              trigger={draft.trigger}
              events={triggers.events}
              errors={errors.conditions}
              testRuleId={testRuleId}
              objectTestable={objectTestable}
              site={sites.find((s) => s.id === draft.site) ?? site}
              testObject={testObject}
            />
          </EditorCard>
          <EditorCard title="Actions" id="actions" hint="Run in order. Drag a step by its handle (or use the arrows) to reorder.">
            <ActionsSection
              key={`actions-${remount}`}
              steps={draft.actions}
              onChange={(actions) => change({ actions })}
              onMove={moveStep}
              onRemove={removeStep}
              catalog={catalog}
              errors={errors}
              startOpen={isNew}
              warnings={more.warnings}
            />
            <SigningSecretPanel
              hasWebhookStep={usesActionType(draft.actions, "webhook")}
              savedWithWebhookStep={!!saved && saved.actions.some((step) => step.type === "webhook")}
              secret={signingSecret}
              onRotate={saved ? () => setConfirmRotateSigning(true) : null}
              rotating={rotateSigning.isPending}
            />
          </EditorCard>
          {showCredentials && (
            <EditorCard
              title="Credentials"
              id="credentials"
              hint="Secrets the steps use by name (a webhook's secret headers). Write-only: a value is never shown again."
            >
              <CredentialsPanel
                saved={more.names}
                changes={more.changes}
                onChange={more.setChanges}
                usage={credentialUsage(draft.actions)}
                errors={Object.fromEntries(Object.entries(errors.fields).filter(([key]) => key === "credentials" || key.startsWith("credentials.")))}
              />
            </EditorCard>
          )}
          <EditorCard title="Run behaviour" id="behaviour" hint="What happens when the rule triggers while a run is active, and its limits.">
            <BehaviourFields
              draft={draft}
              change={(patch) => {
                if (patch.mode !== undefined) setModeChosen(true);
                change(patch);
              }}
              errors={errors}
            />
          </EditorCard>
          <EditorCard
            title="Backtest"
            id="backtest"
            hint="What would this rule have done? It runs over the journal's past events of its trigger; nothing is executed."
          >
            <BacktestPanel rule={backtestRule} savedId={saved?.id ?? null} siteId={site?.id ?? null} onRuleErrors={onBacktestErrors} />
          </EditorCard>
          <div className="rl-editor-footer">
            {dirty && <span className="rl-dirty">Unsaved changes</span>}
            <button type="submit" className="btn btn-primary" disabled={saving || (!dirty && !isNew)}>
              {saving ? "Saving…" : isNew ? "Create rule" : "Save"}
            </button>
            {/* A keyboard hint: hidden on touch screens and phones (rules.css). */}
            <span className="muted small rl-save-hint" data-testid="save-hint">
              {saveShortcutLabel()} saves
            </span>
          </div>
        </form>
        </RuleExtrasContext.Provider>
      </div>

      <div {...tabPanelProps(formId, "workflow")} hidden={tab !== "workflow"}>
        {tab === "workflow" && (
          <Suspense fallback={<Loading label="Loading the graph…" />}>
            <WorkflowView
              rule={graphRule}
              run={overlayRun}
              catalog={catalog}
              selected={selectedNode}
              onSelect={setSelectedNode}
              onReorder={reorderFromGraph}
              caption={<WorkflowCaption saved={saved} run={latestRun} dirty={dirty} siteId={site?.id ?? null} />}
            />
          </Suspense>
        )}
      </div>

      {saved && (
        <div {...tabPanelProps(formId, "versions")} hidden={tab !== "versions"}>
          {tab === "versions" && (
            <VersionHistory
              rule={saved}
              dirty={dirty}
              onRestored={(rule) => {
                adopt(rule);
                more.adopt(rule);
                setErrors(emptyRuleErrors());
                setRemount((n) => n + 1);
                setNotice({ text: `Restored as v${rule.version}.` });
              }}
            />
          )}
        </div>
      )}
      {saved && (
        <div {...tabPanelProps(formId, "why")} hidden={tab !== "why"}>
          {tab === "why" && (
            <TriggersPanel
              ruleId={saved.id}
              shadow={saved.is_shadow}
              siteId={site?.id ?? null}
              onTestObject={(objectId) => {
                setTab("editor");
                setTestObject({ id: objectId, nonce: Date.now() });
                window.setTimeout(() => document.getElementById("conditions")?.scrollIntoView({ block: "start" }), 50);
              }}
            />
          )}
        </div>
      )}

      {saved && saved.trigger.type !== "manual" && (
        <ReplayDialog open={replayOpen} rule={saved} siteId={site?.id ?? null} onClose={() => setReplayOpen(false)} />
      )}
      <Dialog
        open={guard.blocked}
        title="Leave without saving?"
        onClose={guard.cancel}
        actions={
          <>
            <button type="button" className="btn" onClick={guard.cancel}>
              Stay
            </button>
            <button type="button" className="btn btn-danger" onClick={guard.proceed}>
              Discard changes
            </button>
          </>
        }
      >
        <p>This rule has changes that are not saved. If you leave now, they are lost.</p>
      </Dialog>
      <RotateSecretDialog
        open={confirmRotate}
        title="Rotate the webhook secret?"
        confirmLabel="Rotate"
        onClose={() => setConfirmRotate(false)}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: (data) => setSecret(data.webhook_secret),
            onSettled: () => setConfirmRotate(false),
          })
        }
      >
        Callers signing with the old secret get 401 from now on. The new secret is shown once.
      </RotateSecretDialog>
      {rotate.isError && <ErrorBanner title="Could not rotate the secret" error={rotate.error} onDismiss={() => rotate.reset()} />}
      <RotateSecretDialog
        open={confirmRotateSigning}
        title="Rotate the signing secret?"
        confirmLabel="Rotate signing secret"
        onClose={() => setConfirmRotateSigning(false)}
        onConfirm={() =>
          rotateSigning.mutate(undefined, {
            onSuccess: (data) => setSigningSecret(data.signing_secret),
            onSettled: () => setConfirmRotateSigning(false),
          })
        }
      >
        This rule's webhook calls are signed with the new secret from now on; receivers checking the old one reject them.
        The new secret is shown once.
      </RotateSecretDialog>
      {rotateSigning.isError && (
        <ErrorBanner title="Could not rotate the signing secret" error={rotateSigning.error} onDismiss={() => rotateSigning.reset()} />
      )}
    </section>
  );
}

/** Confirm replacing a secret (the webhook's, or the one its outgoing calls are signed with). */
function RotateSecretDialog({
  open,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{children}</p>
    </Dialog>
  );
}

function EditorCard({ title, id, hint, children }: { title: string; id: string; hint?: string; children: ReactNode }) {
  return (
    <section className="rl-card" id={id} aria-labelledby={`${id}-title`}>
      <header className="rl-card-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {hint && <p className="muted small">{hint}</p>}
      </header>
      {children}
    </section>
  );
}

function BasicsFields({
  draft,
  change,
  errors,
  sites,
}: {
  draft: RuleDraft;
  change: (patch: Partial<RuleDraft>) => void;
  errors: RuleErrors;
  sites: readonly { id: number; domain: string }[];
}) {
  const id = useId();
  const nameError = fieldError(errors, "name");
  const siteError = fieldError(errors, "site");
  return (
    <div className="rl-basics">
      <div className="rl-form-row">
        <div className="field rl-grow">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={draft.name}
            required
            maxLength={200}
            placeholder="e.g. Big keywords → notify the team"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${id}-name-error` : undefined}
            onChange={(event) => change({ name: event.target.value })}
          />
          <FieldError id={`${id}-name-error`} message={nameError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-site`}>Site</label>
          <select
            id={`${id}-site`}
            value={draft.site === null ? "" : String(draft.site)}
            aria-invalid={siteError ? true : undefined}
            onChange={(event) => change({ site: event.target.value === "" ? null : Number(event.target.value) })}
          >
            <option value="">All sites of the account</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.domain}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-site-error`} message={siteError} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-desc`}>Description</label>
        <textarea
          id={`${id}-desc`}
          className="rl-textarea"
          rows={2}
          value={draft.description}
          placeholder="What the rule is for (optional)"
          onChange={(event) => change({ description: event.target.value })}
        />
        <FieldError id={`${id}-desc-error`} message={fieldError(errors, "description")} />
      </div>
      <label className="rl-check">
        <input type="checkbox" checked={draft.is_active} onChange={(event) => change({ is_active: event.target.checked })} />
        <span>
          Active <span className="muted small">— an inactive rule ignores its trigger (Run now still works).</span>
        </span>
      </label>
      <label className="rl-check">
        <input type="checkbox" checked={draft.is_shadow} onChange={(event) => change({ is_shadow: event.target.checked })} />
        <span>
          Shadow mode — watch live events and record what it would do, execute nothing{" "}
          <span className="muted small">
            (its triggers show in “Why didn't it fire?” with what each run would have cost; promote it from the rules list).
          </span>
        </span>
      </label>
      <FieldError id={`${id}-shadow-error`} message={fieldError(errors, "is_shadow")} />
    </div>
  );
}

const MODES: Record<RuleMode, { label: string; help: string }> = {
  single: { label: "Single", help: "One run at a time: a trigger that comes while a run is active is dropped." },
  queued: {
    label: "Queued",
    help: "Runs wait their turn and start one after another. At most “max runs” are active or waiting (running, queued or paused); a trigger beyond that is dropped as “queue full”.",
  },
  parallel: { label: "Parallel", help: "Runs start right away, up to “max runs” at once; a trigger beyond that is dropped." },
  restart: { label: "Restart", help: "A new trigger cancels the active run and starts again." },
};

/** What "max runs" means in each mode. */
const MAX_RUNS_MEANING: Record<RuleMode, { label: string; help: string }> = {
  single: { label: "Max runs", help: "Not used: a single rule runs once at a time." },
  queued: { label: "Max active + waiting", help: "Running, queued and paused runs together; more are dropped as “queue full”." },
  parallel: { label: "Max runs at once", help: "Runs at the same time; more are dropped." },
  restart: { label: "Max runs", help: "Not used: the new run replaces the active one." },
};

function BehaviourFields({ draft, change, errors }: { draft: RuleDraft; change: (patch: Partial<RuleDraft>) => void; errors: RuleErrors }) {
  const id = useId();
  const err = (key: string) => fieldError(errors, key);
  const maxRuns = MAX_RUNS_MEANING[draft.mode];
  const usesMax = draft.mode === "queued" || draft.mode === "parallel";
  return (
    <div className="rl-behaviour">
      <fieldset
        className="rl-modes"
        role="radiogroup"
        aria-invalid={err("mode") ? true : undefined}
        aria-describedby={err("mode") ? `${id}-mode-error` : undefined}
      >
        <legend>Mode: when the rule triggers while a run is active</legend>
        {(Object.keys(MODES) as RuleMode[]).map((mode) => (
          <label key={mode} className={`rl-mode${draft.mode === mode ? " rl-mode-on" : ""}`} data-testid={`mode-${mode}`}>
            <input type="radio" name={`${id}-mode`} value={mode} checked={draft.mode === mode} onChange={() => change({ mode })} />
            <span>
              <strong>{MODES[mode].label}</strong>
              <span className="muted small rl-block">{MODES[mode].help}</span>
            </span>
          </label>
        ))}
        <FieldError id={`${id}-mode-error`} message={err("mode")} />
      </fieldset>
      <div className="rl-form-row">
        <div className="field">
          <label htmlFor={`${id}-max`}>{maxRuns.label}</label>
          <input
            id={`${id}-max`}
            type="number"
            min={1}
            max={100}
            className="rl-input-narrow"
            value={draft.max_runs}
            disabled={!usesMax}
            aria-invalid={err("max_runs") ? true : undefined}
            aria-describedby={err("max_runs") ? `${id}-max-error` : `${id}-max-help`}
            onChange={(event) => change({ max_runs: Math.trunc(Number(event.target.value)) })}
          />
          <span className="muted small" id={`${id}-max-help`} data-testid="max-runs-help">
            {maxRuns.help}
          </span>
          <FieldError id={`${id}-max-error`} message={err("max_runs")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-scope`}>Counted</label>
          <select
            id={`${id}-scope`}
            value={draft.mode_scope}
            aria-invalid={err("mode_scope") ? true : undefined}
            onChange={(event) => change({ mode_scope: event.target.value as RuleDraft["mode_scope"] })}
          >
            <option value="rule">Per rule</option>
            <option value="site">Per site</option>
          </select>
          <FieldError id={`${id}-scope-error`} message={err("mode_scope")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-budget`}>Budget per run</label>
          <input
            id={`${id}-budget`}
            type="number"
            min={0}
            step="0.01"
            className="rl-input-narrow"
            placeholder="no limit"
            value={draft.budget_per_run}
            aria-invalid={err("budget_per_run") ? true : undefined}
            aria-describedby={`${id}-budget-help`}
            onChange={(event) => change({ budget_per_run: event.target.value })}
          />
          <span className="muted small" id={`${id}-budget-help`}>
            credits
          </span>
          <FieldError id={`${id}-budget-error`} message={err("budget_per_run")} />
        </div>
      </div>
      <label className="rl-check">
        <input type="checkbox" checked={draft.allow_self_trigger} onChange={(event) => change({ allow_self_trigger: event.target.checked })} />
        <span>
          Allow self-trigger <span className="muted small">— changes made by this rule's own actions may trigger it again (the depth limit still applies).</span>
        </span>
      </label>
      <FieldError id={`${id}-self-error`} message={err("allow_self_trigger")} />
    </div>
  );
}

function WorkflowCaption({ saved, run, dirty, siteId }: { saved: Rule | null; run: RunDetail | null; dirty: boolean; siteId: number | null }) {
  if (!saved) return <span className="muted small">The graph follows your edits. Save the rule and run it to see each step's status here.</span>;
  if (dirty) return <span className="muted small">Showing your unsaved edits. Save to see runs on the graph.</span>;
  if (!run)
    return (
      <span className="muted small">
        <GraphIcon /> No run yet. When the rule runs, each step shows its status, attempts, duration and credits here, live.
      </span>
    );
  return (
    <span className="rl-caption-run" data-testid="workflow-run">
      {isActive(run.status) ? "Live: " : "Latest run: "}
      <Link to={withSite(`/runs/${run.run_id}`, siteId)} className="rl-mono">
        {run.run_id}
      </Link>{" "}
      <StatusBadge status={run.status} size="small" /> <span className="muted small">v{run.rule_version} · {run.trigger_type} · </span>
      <When iso={run.created_at} />
      {run.rule_version !== saved.version && <span className="muted small"> · the rule changed since (the graph shows what ran)</span>}
    </span>
  );
}

/** One line per error, with where it belongs. */
function errorSummary(errors: RuleErrors): string[] {
  const out: string[] = [];
  for (const [key, messages] of Object.entries(errors.fields)) for (const m of messages) out.push(`${label(key)}: ${m}`);
  for (const e of errors.conditions) out.push(`Conditions${e.path ? ` (${e.path})` : ""}: ${e.message}`);
  for (const m of errors.actions) out.push(`Actions: ${m}`);
  for (const [index, step] of Object.entries(errors.steps)) {
    for (const [key, messages] of Object.entries(step.fields)) {
      for (const m of messages) out.push(`Step ${Number(index) + 1}${key ? ` · ${key}` : ""}: ${m}`);
    }
  }
  out.push(...errors.other);
  return out;
}

function label(key: string): string {
  const names: Record<string, string> = {
    name: "Name",
    site: "Site",
    mode: "Mode",
    max_runs: "Max runs",
    mode_scope: "Counted",
    budget_per_run: "Budget per run",
    "trigger.cron": "Schedule",
    "trigger.timezone": "Time zone",
    "trigger.event": "Event",
    "trigger.fields": "Fields to watch",
    "trigger.type": "Trigger",
    credentials: "Credentials",
    is_shadow: "Shadow mode",
    is_active: "Active",
    trigger: "Trigger",
  };
  return names[key] ?? key;
}
