/** The rules list: what each rule reacts to, whether it's on, how its last run went; run, edit, duplicate, delete, import, export. */
import { useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import {
  fetchRuleFile,
  readableRefusal,
  useDeleteRule,
  useDuplicateRule,
  useExecuteRule,
  useImportRules,
  usePatchRule,
  useRules,
  type RunStarted,
} from "./api";
import { shadowSummaryWords } from "./backtest";
import { exportFileName, parseImport } from "./draft";
import { ImportDialog } from "./ImportDialog";
import { CopyIcon, DownloadIcon, EditIcon, PlayIcon, PlusIcon, TrashIcon, TriggerIcon, UploadIcon } from "./icons";
import type { ImportConflict, ImportedRule, Rule, RulePayload } from "./types";
import { CopyButton, Dialog, Notice, StatusBadge, When } from "./ui";

type Scope = "site" | "all";

export default function RulesPage() {
  usePageTitle("Rules");
  const { site, sites } = useSites();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const scope: Scope = params.get("scope") === "all" ? "all" : "site";
  const search = params.get("q") ?? "";
  const rules = useRules();
  const patch = usePatchRule();
  const execute = useExecuteRule();
  const duplicate = useDuplicateRule();
  const remove = useDeleteRule();
  const checkImport = useImportRules();
  const saveImport = useImportRules();
  const fileInput = useRef<HTMLInputElement>(null);
  const [pendingImport, setPendingImport] = useState<{ fileName: string; rules: Record<string, unknown>[] } | null>(null);
  const [onConflict, setOnConflict] = useState<ImportConflict>("rename");
  const [notice, setNotice] = useState<{ text: string; runId?: string; ruleId?: number; secrets?: ImportedRule[] } | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: unknown } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<Rule | null>(null);
  const siteId = site?.id ?? null;

  const visible = useMemo(() => {
    const all = rules.data?.results ?? [];
    const needle = search.trim().toLowerCase();
    return all.filter(
      (rule) =>
        (scope === "all" || rule.site === null || rule.site === siteId) &&
        (!needle || rule.name.toLowerCase().includes(needle) || (rule.description ?? "").toLowerCase().includes(needle)),
    );
  }, [rules.data, scope, search, siteId]);

  const setParam = (key: string, value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  const siteName = (id: number | null | undefined) =>
    id === null || id === undefined ? "All sites" : (sites.find((s) => s.id === id)?.domain ?? `site ${id}`);

  const fail = (title: string) => (error: unknown) => {
    setNotice(null);
    setActionError({ title, error });
  };

  const runNow = (rule: Rule, dryRun = false) => {
    setActionError(null);
    execute.mutate(
      { id: rule.id, site: rule.site ?? siteId, dryRun },
      {
        onSuccess: (started: RunStarted) =>
          setNotice({
            text: dryRun
              ? `Dry run of “${rule.name}” started (${started.run_id}): nothing is changed, called or charged.`
              : `“${rule.name}” started (${started.run_id}).`,
            runId: started.run_id,
          }),
        onError: (error) =>
          fail(error instanceof ApiError && error.status === 409 ? `“${rule.name}” did not start` : `Could not run “${rule.name}”`)(
            readableRefusal(error),
          ),
      },
    );
  };

  const toggle = (rule: Rule) => {
    setActionError(null);
    patch.mutate(
      { id: rule.id, body: { is_active: !rule.is_active } },
      {
        onSuccess: (saved) => setNotice({ text: `“${saved.name}” is ${saved.is_active ? "active" : "paused"}.` }),
        onError: fail(`Could not ${rule.is_active ? "pause" : "activate"} “${rule.name}”`),
      },
    );
  };

  /** A shadow rule goes live: it executes on its trigger from now on. */
  const promote = (rule: Rule) => {
    setActionError(null);
    patch.mutate(
      { id: rule.id, body: { is_shadow: false, is_active: true } },
      {
        onSuccess: (saved) => setNotice({ text: `“${saved.name}” is live: it runs on its trigger from now on.` }),
        onError: fail(`Could not promote “${rule.name}”`),
      },
    );
  };

  const copy = (rule: Rule) => {
    setActionError(null);
    duplicate.mutate(rule.id, {
      onSuccess: (copyRule) => setNotice({ text: `Duplicated as “${copyRule.name}” (inactive).`, ruleId: copyRule.id }),
      onError: fail(`Could not duplicate “${rule.name}”`),
    });
  };

  const download = async (rule: Rule) => {
    setActionError(null);
    let file: RulePayload;
    try {
      file = await fetchRuleFile(rule.id);
    } catch (error) {
      setActionError({ title: `Could not export “${rule.name}”`, error: error as Error });
      return;
    }
    const blob = new Blob([JSON.stringify(file, null, 2) + "\n"], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = exportFileName(rule);
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  /** Check the file's rules with the API (nothing saved) and show what would be imported. */
  const previewImport = (rules: Record<string, unknown>[], conflict: ImportConflict) => {
    saveImport.reset();
    checkImport.mutate({ rules, onConflict: conflict, preview: true });
  };

  const importFile = async (file: File) => {
    setNotice(null);
    setActionError(null);
    const parsed = parseImport(await file.text(), siteId, sites.map((s) => s.id));
    if (!parsed.ok) {
      setActionError({ title: `Could not import ${file.name}`, error: new Error(parsed.error) });
      return;
    }
    setPendingImport({ fileName: file.name, rules: parsed.rules });
    previewImport(parsed.rules, onConflict);
  };

  const confirmImport = () => {
    if (!pendingImport) return;
    saveImport.mutate(
      { rules: pendingImport.rules, onConflict, preview: false },
      {
        onSuccess: (result) => {
          const [first] = result.rules;
          setPendingImport(null);
          checkImport.reset();
          setNotice({
            text:
              result.rules.length === 1 && first
                ? `Imported “${first.name}” (inactive).`
                : `Imported ${result.rules.length} rules (inactive).`,
            ruleId: result.rules.length === 1 ? (first?.id ?? undefined) : undefined,
            secrets: result.rules.filter((row) => row.webhook_secret || row.signing_secret),
          });
        },
      },
    );
  };

  const closeImport = () => {
    setPendingImport(null);
    checkImport.reset();
    saveImport.reset();
  };

  const confirmRemove = () => {
    const rule = confirmDelete;
    if (!rule) return;
    remove.mutate(rule.id, {
      onSuccess: () => {
        setConfirmDelete(null);
        setNotice({ text: `Deleted “${rule.name}”.` });
      },
      onError: (error) => {
        setConfirmDelete(null);
        fail(`Could not delete “${rule.name}”`)(readableRefusal(error));
      },
    });
  };

  return (
    <section className="page rl-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Rules</h1>
          <p className="muted">When something happens, check conditions, then run actions in order.</p>
        </div>
        <div className="rl-header-actions">
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            aria-label="Rule file to import"
            data-testid="import-file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = "";
              if (file) void importFile(file);
            }}
          />
          <button type="button" className="btn" onClick={() => fileInput.current?.click()} disabled={saveImport.isPending}>
            <UploadIcon /> {saveImport.isPending ? "Importing…" : "Import"}
          </button>
          <Link className="btn btn-primary" to={withSite("/rules/new", siteId)}>
            <PlusIcon /> New rule
          </Link>
        </div>
      </header>

      {actionError && <ErrorBanner title={actionError.title} error={actionError.error} onDismiss={() => setActionError(null)} />}
      {notice && (
        <Notice onDismiss={() => setNotice(null)}>
          {notice.text}{" "}
          {notice.runId && <Link to={withSite(`/runs/${notice.runId}`, siteId)}>Watch the run</Link>}
          {notice.ruleId && <Link to={withSite(`/rules/${notice.ruleId}`, siteId)}>Open it</Link>}
          {notice.secrets && notice.secrets.length > 0 && <ImportedSecrets rows={notice.secrets} />}
        </Notice>
      )}
      {pendingImport && (
        <ImportDialog
          fileName={pendingImport.fileName}
          rules={pendingImport.rules}
          onConflict={onConflict}
          onConflictChange={(value) => {
            setOnConflict(value);
            previewImport(pendingImport.rules, value);
          }}
          preview={checkImport.data?.rules}
          previewing={checkImport.isPending}
          error={saveImport.error ?? checkImport.error}
          importing={saveImport.isPending}
          onImport={confirmImport}
          onClose={closeImport}
        />
      )}

      <div className="rl-toolbar" role="search">
        <input
          type="search"
          className="rl-search"
          placeholder="Search rules"
          aria-label="Search rules"
          value={search}
          onChange={(event) => setParam("q", event.target.value || null)}
        />
        <div className="rl-segmented" role="group" aria-label="Which rules">
          <button type="button" aria-pressed={scope === "site"} onClick={() => setParam("scope", null)}>
            {site?.domain ?? "This site"}
          </button>
          <button type="button" aria-pressed={scope === "all"} onClick={() => setParam("scope", "all")}>
            All sites
          </button>
        </div>
        <span className="muted small rl-toolbar-count" aria-live="polite">
          {rules.data ? `${visible.length} of ${rules.data.count}` : ""}
        </span>
      </div>

      {rules.isPending ? (
        <Loading label="Loading rules…" />
      ) : rules.isError ? (
        <ErrorBanner title="Could not load the rules" error={rules.error} onRetry={() => void rules.refetch()} />
      ) : visible.length === 0 ? (
        <EmptyState
          title={search ? "Nothing matches" : "Nothing automated yet"}
          action={
            !search && (
              <Link className="btn btn-primary" to={withSite("/rules/new", siteId)}>
                <PlusIcon /> New rule
              </Link>
            )
          }
        >
          {search ? `No rule name or description contains “${search}”.` : "Create a rule, or import one from a JSON file."}
        </EmptyState>
      ) : (
        <div className="table-wrap rl-table-wrap rl-list-wrap">
          <table className="table rl-table">
            <caption className="visually-hidden">Rules</caption>
            <thead>
              <tr>
                <th scope="col" className="rl-col-toggle">
                  Active
                </th>
                <th scope="col">Rule</th>
                <th scope="col">Trigger</th>
                <th scope="col">Last run</th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col" className="col-action">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((rule) => (
                <tr key={rule.id} data-testid="rule-row" className={rule.is_active ? undefined : "rl-row-inactive"}>
                  <td className="rl-col-toggle">
                    <button
                      type="button"
                      role="switch"
                      aria-checked={rule.is_active}
                      aria-label={`Active: ${rule.name}`}
                      className="rl-switch"
                      disabled={patch.isPending && patch.variables?.id === rule.id}
                      onClick={() => toggle(rule)}
                    >
                      <span className="rl-switch-knob" />
                    </button>
                  </td>
                  <td className="rl-col-name">
                    <Link to={withSite(`/rules/${rule.id}`, siteId)} className="rl-rule-name">
                      {rule.name}
                    </Link>
                    <span className="rl-rule-meta">
                      {rule.is_shadow && (
                        <span className="rl-chip rl-chip-shadow" data-testid="shadow-badge" title="Watches live events and records what it would do; executes nothing">
                          Shadow
                        </span>
                      )}
                      {rule.preset_key && <span className="rl-chip rl-chip-preset">preset</span>}
                      <span className="rl-chip">{rule.mode}</span>
                      <span className="muted small">{siteName(rule.site)}</span>
                      <span className="muted small">v{rule.version}</span>
                    </span>
                    {rule.is_shadow && (
                      <span className="rl-shadow-summary" data-testid="shadow-summary">
                        {rule.shadow_summary ? (
                          <>
                            Shadow: {shadowSummaryWords(rule.shadow_summary)}
                            {rule.shadow_summary.last_at && (
                              <>
                                {" "}
                                · last <When iso={rule.shadow_summary.last_at} />
                              </>
                            )}
                          </>
                        ) : (
                          "Shadow: records what it would do, executes nothing"
                        )}
                        {!rule.is_active && " (paused: it records nothing while inactive)"}
                      </span>
                    )}
                  </td>
                  <td className="rl-col-trigger" data-label="Trigger">
                    <span className="rl-trigger">
                      <span className={`rl-trigger-icon rl-trigger-${rule.trigger.type}`}>
                        <TriggerIcon type={rule.trigger.type} />
                      </span>
                      <span>
                        <span className="rl-trigger-summary">{rule.trigger_summary}</span>
                        {rule.trigger.type === "schedule" && rule.is_active && rule.schedule?.next_fire_times[0] && (
                          <span className="muted small rl-block">
                            next <When iso={rule.schedule.next_fire_times[0]} />
                          </span>
                        )}
                      </span>
                    </span>
                  </td>
                  <td className="rl-col-last" data-label="Last run">
                    {rule.last_run ? (
                      <Link to={withSite(`/runs/${rule.last_run.run_id}`, siteId)} className="rl-last-run" aria-label={`Last run of ${rule.name}: ${rule.last_run.status}`}>
                        <StatusBadge status={rule.last_run.status} size="small" />
                        <When iso={rule.last_run.created_at} />
                      </Link>
                    ) : (
                      <span className="muted small">never ran</span>
                    )}
                  </td>
                  <td className="num" data-label="Runs">{formatInteger(rule.execution_count)}</td>
                  <td className="col-action">
                    <div className="rl-row-actions">
                      {rule.is_shadow ? (
                        <button
                          type="button"
                          className="btn btn-small btn-primary"
                          onClick={() => promote(rule)}
                          disabled={patch.isPending && patch.variables?.id === rule.id}
                          aria-label={`Promote “${rule.name}” to live`}
                          title="Leave shadow mode and run on its trigger"
                        >
                          Promote
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => runNow(rule)}
                          disabled={execute.isPending && execute.variables?.id === rule.id}
                          aria-label={`Run “${rule.name}” now`}
                          title="Run now"
                        >
                          <PlayIcon size={14} /> Run
                        </button>
                      )}
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        onClick={() => runNow(rule, true)}
                        disabled={execute.isPending && execute.variables?.id === rule.id}
                        aria-label={`Dry run “${rule.name}”`}
                        title="Dry run: side effects stubbed, nothing changed, called or charged"
                      >
                        Dry run
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost btn-icon-sm"
                        onClick={() => navigate(withSite(`/rules/${rule.id}`, siteId))}
                        aria-label={`Edit “${rule.name}”`}
                        title="Edit"
                      >
                        <EditIcon />
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost btn-icon-sm"
                        onClick={() => copy(rule)}
                        disabled={duplicate.isPending}
                        aria-label={`Duplicate “${rule.name}”`}
                        title="Duplicate"
                      >
                        <CopyIcon />
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost btn-icon-sm"
                        onClick={() => void download(rule)}
                        aria-label={`Export “${rule.name}”`}
                        title="Export as JSON"
                      >
                        <DownloadIcon />
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost btn-icon-sm rl-danger"
                        onClick={() => setConfirmDelete(rule)}
                        aria-label={`Delete “${rule.name}”`}
                        title="Delete"
                      >
                        <TrashIcon />
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <Dialog
        open={confirmDelete !== null}
        title={`Delete “${confirmDelete?.name ?? ""}”?`}
        tone="danger"
        onClose={() => setConfirmDelete(null)}
        actions={
          <>
            <button type="button" className="btn" onClick={() => setConfirmDelete(null)}>
              Cancel
            </button>
            <button type="button" className="btn btn-danger" onClick={confirmRemove} disabled={remove.isPending}>
              {remove.isPending ? "Deleting…" : "Delete rule"}
            </button>
          </>
        }
      >
        <p>The rule stops reacting at once. Its past runs stay in the run history.</p>
        {confirmDelete?.preset_key && (
          <p className="rl-warning-text">This is the site's {confirmDelete.preset_key.replace(/_/g, "-")} preset; the pipeline dashboard depends on it.</p>
        )}
      </Dialog>
    </section>
  );
}

/** The secrets of imported webhook rules: shown once, here. */
function ImportedSecrets({ rows }: { rows: ImportedRule[] }) {
  return (
    <div className="rl-secret" data-testid="import-secrets">
      <strong>Secrets of the imported webhook rules — copy them now, they are shown only once.</strong>
      {rows.map((row) => (
        <div key={row.id ?? row.name} className="rl-import-secret">
          <span className="small">“{row.name}”</span>
          {row.webhook_secret && (
            <span className="rl-copy-row">
              <span className="muted small">hook secret</span> <code className="rl-mono">{row.webhook_secret}</code>
              <CopyButton text={row.webhook_secret} label="Copy" />
            </span>
          )}
          {row.signing_secret && (
            <span className="rl-copy-row">
              <span className="muted small">signing secret</span> <code className="rl-mono">{row.signing_secret}</code>
              <CopyButton text={row.signing_secret} label="Copy" />
            </span>
          )}
        </div>
      ))}
    </div>
  );
}
