/** One run: the workflow with live step states, the steps, the log, and the causation chain (parent and child runs). */
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { useSites, withSite } from "../shell/site";
import { Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { isActive, useActionTypes, useRuleVersions, useRules, useRun, useRunLogs } from "../rules/api";
import type { RuleShape } from "../rules/graph";
import { TriggerIcon } from "../rules/icons";
import { pendingApproval, programOf, type FlowRunDetail, type PendingApproval } from "../rules/flowTypes";
import type { RunLog, Trigger } from "../rules/types";
import { exactTime, formatCreditsShort, formatDuration, JsonBlock, StatusBadge, StepProgress, When } from "../rules/ui";
import { contentPath, triggerContent } from "./payload";
import { CONTROL_LABELS, RunControls } from "./RunControls";
import { Causation } from "./Causation";
import { DryRunNotice, DryRunPill } from "./DryRun";
import "./runs.css";
import { StepsTable } from "./StepsTable";

const WorkflowView = lazy(() => import("../rules/WorkflowView"));

export default function ExecutionPage() {
  const { runId } = useParams();
  const run = useRun(runId);
  const { site } = useSites();
  usePageTitle(run.data ? `${run.data.rule_name} · ${run.data.run_id}` : `Run ${runId ?? ""}`);

  if (run.error instanceof ApiError && run.error.status === 404) {
    return (
      <section className="page rl-page" aria-labelledby="page-title">
        <h1 id="page-title">Run not found</h1>
        <p>
          There is no run {runId} in this account. <Link to={withSite("/runs", site?.id)}>See all runs</Link>.
        </p>
      </section>
    );
  }
  if (run.isError) {
    return (
      <section className="page rl-page" aria-labelledby="page-title">
        <h1 id="page-title">Run {runId}</h1>
        <ErrorBanner title="Could not load the run" error={run.error} onRetry={() => void run.refetch()} />
      </section>
    );
  }
  if (!run.data) return <Loading label="Loading the run…" />;
  // Keyed: a re-run opens the new run here with fresh selection and messages.
  return <Execution key={run.data.run_id} run={run.data} siteId={site?.id ?? null} />;
}

function Execution({ run, siteId }: { run: FlowRunDetail; siteId: number | null }) {
  const live = isActive(run.status) || run.status === "paused";
  const [selected, setSelected] = useState<string | null>(null);
  const [controlError, setControlError] = useState<{ title: string; error: unknown } | null>(null);
  const versions = useRuleVersions(run.rule);
  const catalog = useActionTypes();
  const rules = useRules();
  const ruleNames = useMemo(() => new Map((rules.data?.results ?? []).map((r) => [r.id, r.name])), [rules.data]);
  const snapshot = versions.data?.find((v) => v.version === run.rule_version)?.snapshot;
  const graphRule = useMemo<RuleShape>(() => {
    const trigger: Trigger = snapshot?.trigger ?? { type: run.trigger_type === "scheduled" ? "schedule" : run.trigger_type };
    return { trigger, conditions: snapshot?.conditions ?? null, actions: snapshot?.actions ?? [] };
  }, [snapshot, run.trigger_type]);
  const steps = [...run.steps].sort((a, b) => a.index - b.index);
  const done = steps.filter((s) => s.status === "completed").length;
  // The run's own program draws its graph; runs of an older API fall back to the rule version they used.
  const graphReady = programOf(run) !== null || !run.rule || versions.isFetched;
  const approvals = run.steps.map(pendingApproval).filter((a): a is PendingApproval => a !== null);

  return (
    <section className="page rl-page rl-run-page" aria-labelledby="page-title">
      <nav className="rl-breadcrumb" aria-label="Breadcrumb">
        <Link to={withSite("/runs", siteId)}>Runs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page" className="rl-mono">
          {run.run_id}
        </span>
      </nav>
      <header className="page-header rl-editor-header">
        <div className="rl-editor-title">
          <h1 id="page-title">
            {run.rule_name || "Deleted rule"} <StatusBadge status={run.status} /> <DryRunPill run={run} />
          </h1>
          <div className="rl-rule-meta">
            <span className="rl-mono small">{run.run_id}</span>
            {run.rule !== null && (
              <Link to={withSite(`/rules/${run.rule}`, siteId)} className="small">
                rule #{run.rule} · v{run.rule_version}
              </Link>
            )}
            <span className="rl-chip">
              <TriggerIcon type={run.trigger_type} size={12} /> {run.trigger_type}
            </span>
            {run.attempt > 1 && <span className="rl-chip">attempt {run.attempt}</span>}
          </div>
        </div>
        <RunControls
          runId={run.run_id}
          status={run.status}
          siteId={siteId}
          onError={(control, error) =>
            setControlError({ title: control === "rerun" ? "The run was not run again" : `${CONTROL_LABELS[control]} failed`, error })
          }
          onDone={() => setControlError(null)}
        />
      </header>

      {controlError && <ErrorBanner title={controlError.title} error={controlError.error} onDismiss={() => setControlError(null)} />}
      <DryRunNotice run={run} />
      {run.status === "completed_with_errors" ? (
        <div className="banner rl-run-banner-warning" role="status" data-testid="completed-with-errors">
          <div className="banner-body">
            <strong className="banner-title">The run completed with errors</strong>
            <p className="small">
              {run.steps.filter((s) => s.status === "failed").length} step(s) failed and the run went on past them (their “If it fails” is “continue”).
            </p>
            {run.error_message && <p className="rl-mono small">{run.error_message}</p>}
          </div>
        </div>
      ) : (
        run.error_message && (
          <div className="banner banner-error" role="alert">
            <div className="banner-body">
              <strong className="banner-title">The run {run.status === "failed" ? "failed" : "stopped"}</strong>
              <p className="rl-mono small">{run.error_message}</p>
            </div>
          </div>
        )
      )}
      {approvals.length > 0 && (
        <div className="banner rl-run-banner-warning" role="status" data-testid="approvals-waiting">
          <div className="banner-body">
            <strong className="banner-title">
              {approvals.length === 1 ? "A step waits for your approval" : `${approvals.length} steps wait for your approval`}
            </strong>
            <p className="small">
              {approvals[0]!.prompt ? `“${approvals[0]!.prompt}” — ` : ""}approve or reject it on the graph or in the{" "}
              <a href="#steps-title">step list</a>.
            </p>
          </div>
        </div>
      )}

      <dl className="rl-stats" aria-label="Run summary">
        <div>
          <dt>Progress</dt>
          <dd>
            <StepProgress done={done} total={steps.length} status={run.status} />
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd title={exactTime(run.started_at)}>
            <When iso={run.started_at ?? run.created_at} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(run.duration_seconds)}</dd>
        </div>
        <div>
          <dt>Credits</dt>
          <dd>
            {formatCreditsShort(run.total_credits_used)}
            {Number(run.credits_reserved) > 0 && <span className="muted small"> ({formatCreditsShort(run.credits_reserved)} reserved)</span>}
          </dd>
        </div>
        <div>
          <dt>{live ? "Live" : "Finished"}</dt>
          <dd>{live ? <span className="rl-live rl-live-on"><span className="rl-live-dot" aria-hidden="true" />updating</span> : <When iso={run.completed_at ?? run.cancelled_at} />}</dd>
        </div>
      </dl>

      <section className="rl-card" aria-labelledby="workflow-title">
        <header className="rl-card-head">
          <h2 id="workflow-title">Workflow</h2>
          <p className="muted small">Click a step for its result, error and log.</p>
        </header>
        {graphReady ? (
          <Suspense fallback={<Loading label="Loading the graph…" />}>
            <WorkflowView rule={graphRule} run={run} catalog={catalog.data ?? []} selected={selected} onSelect={setSelected} />
          </Suspense>
        ) : (
          <Loading label="Loading the graph…" />
        )}
      </section>

      <div className="rl-run-grid">
        <div className="rl-run-main">
          <section className="rl-card" aria-labelledby="steps-title">
            <header className="rl-card-head">
              <h2 id="steps-title">Steps</h2>
            </header>
            <StepsTable run={run} selected={selected} onSelect={setSelected} />
          </section>

          <RunLogPanel run={run} live={live} />
        </div>

        <aside className="rl-run-side">
          <section className="rl-card" aria-labelledby="cause-title">
            <header className="rl-card-head">
              <h2 id="cause-title">Causation</h2>
            </header>
            <Causation run={run} siteId={siteId} ruleNames={ruleNames} />
          </section>
          <section className="rl-card" aria-labelledby="payload-title">
            <header className="rl-card-head">
              <h2 id="payload-title">Trigger payload</h2>
            </header>
            <TriggerContent payload={run.trigger_payload} siteId={siteId} />
            <JsonBlock value={run.trigger_payload} maxHeight={360} label="Trigger payload" />
          </section>
        </aside>
      </div>
    </section>
  );
}

/** The content item the trigger was about, as a link to its reader. */
function TriggerContent({ payload, siteId }: { payload: unknown; siteId: number | null }) {
  const content = triggerContent(payload);
  if (!content) return null;
  return (
    <p className="small rl-trigger-content" data-testid="trigger-content">
      <span className="muted">Content</span>{" "}
      <Link to={withSite(contentPath(content.id), content.site ?? siteId)}>{content.title}</Link>
    </p>
  );
}

function RunLogPanel({ run, live }: { run: FlowRunDetail; live: boolean }) {
  const [step, setStep] = useState<string>("");
  const [level, setLevel] = useState<string>("");
  const logs = useRunLogs(run.run_id, step === "" ? null : Number(step), live);
  // The last lines land as the run changes state (and polling stops once it is over): fetch them then.
  const { refetch } = logs;
  useEffect(() => {
    void refetch();
  }, [run.status, run.current_step, run.attempt, refetch]);
  const lines: RunLog[] = (logs.data ?? []).filter((line) => !level || line.level === level);
  const stepName = (index: number | null) => {
    if (index === null) return "run";
    const s = run.steps.find((x) => x.index === index);
    return `${index + 1} ${s?.name || s?.key || s?.action_type || ""}`.trim();
  };
  return (
    <section className="rl-card" aria-labelledby="log-title">
      <header className="rl-card-head rl-card-head-row">
        <h2 id="log-title">Log</h2>
        <div className="rl-log-filters">
          <label className="visually-hidden" htmlFor="log-step">
            Step
          </label>
          <select id="log-step" value={step} onChange={(event) => setStep(event.target.value)}>
            <option value="">All steps</option>
            {run.steps.map((s) => (
              <option key={s.index} value={s.index}>
                Step {s.index + 1}: {s.name || s.action_type}
                {s.key && s.key !== `step-${s.index + 1}` ? ` (${s.key})` : ""}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor="log-level">
            Level
          </label>
          <select id="log-level" value={level} onChange={(event) => setLevel(event.target.value)}>
            <option value="">All levels</option>
            <option value="info">info</option>
            <option value="warning">warning</option>
            <option value="error">error</option>
          </select>
        </div>
      </header>
      {logs.isPending ? (
        <Loading label="Loading the log…" />
      ) : logs.isError ? (
        <ErrorBanner title="Could not load the log" error={logs.error} onRetry={() => void logs.refetch()} />
      ) : lines.length === 0 ? (
        <p className="muted small">No log lines{step || level ? " for this filter" : " yet"}.</p>
      ) : (
        <ol className="rl-log" data-testid="run-log" aria-live={live ? "polite" : undefined}>
          {lines.map((line) => (
            <li key={line.id} className={`rl-log-${line.level}`}>
              <time dateTime={line.at} title={exactTime(line.at)}>
                {new Date(line.at).toLocaleTimeString()}
              </time>
              <span className="rl-log-step">{stepName(line.step_index)}</span>
              <span className="rl-log-msg">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
