/**
 * The automation dashboard (seed 004 §3 and §5): schedule row, metric cards, overall progress,
 * the seven stage cards with the review gate and the current-status card, run controls, the live
 * activity log, then the overview (seed 003). Live while a run is active (polling, no reloads).
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";

import type { Site } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatCredits, formatInteger } from "../shell/format";
import { useSites, withSite } from "../shell/site";
import { Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { ActivityLog } from "./ActivityLog";
import "./automation.css";
import { ConfigDialog } from "./ConfigDialog";
import { FailedRunBanner } from "./FailedRunBanner";
import { formatDuration, formatEta, formatZonedDateTime, scheduleText } from "./format";
import { ClockIcon, GearIcon, PauseIcon, PlayIcon, StageIcon, StopIcon } from "./icons";
import { type LogEntry, parseActivityLine, parseLogText } from "./log";
import { HISTORY_PAGE_SIZE, Overview } from "./Overview";
import {
  isActiveRun,
  overallProgress,
  type OverallProgress,
  queuesAfterRun,
  type RunSnapshot,
  snapshotFromCurrentRun,
  snapshotFromRunDetail,
  stageCards,
  type StageCardModel,
  stageDots,
} from "./progress";
import {
  type Counts,
  type RunControl,
  runNowProblem,
  useAutomationConfig,
  useContentCounts,
  useCurrentRun,
  useEstimate,
  usePipelineOverview,
  useRefreshAutomation,
  useRunControl,
  useRunDetail,
  useRunHistory,
  useRunLogText,
  useRunNow,
} from "./queries";
import { CurrentStatusCard, ReviewGateCard, StageCard } from "./StageCards";
import { STAGES } from "./stages";
import type { AutomationConfig } from "./types";
import { CopySecret, Modal, ProgressBar, StatusBadge } from "./ui";

export default function AutomationPage() {
  const { site } = useSites();
  usePageTitle("Automation");
  if (site === null) return null;
  // Keyed: another site starts with fresh dialogs, notices and remembered runs.
  return <Dashboard key={site.id} site={site} />;
}

/** A clock that ticks every second while `running` (for elapsed time and the ETA). */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  return now;
}

function Dashboard({ site }: { site: Site }) {
  const config = useAutomationConfig(site.id);
  const current = useCurrentRun(site.id);
  const liveRun = current.data?.run ?? null;
  const live = liveRun !== null && isActiveRun(liveRun.status);
  const pipeline = usePipelineOverview(site.id, live);
  const counts = useContentCounts(site.id, live);
  const latest = useRunHistory(site.id, 1, HISTORY_PAGE_SIZE, live);
  const refresh = useRefreshAutomation(site.id);
  const now = useNow(live);
  // Every time on the dashboard is in the site's time zone (the pipeline rule's), and names it.
  const timezone = config.data?.timezone || site.timezone || "UTC";
  const lastFinished = current.data?.last_run ?? null;
  const failedRun = !live && lastFinished?.status === "failed" ? lastFinished : null;
  const [signingSecret, setSigningSecret] = useState<string | null>(null);

  // The run this page watched last: when it ends, current_run/ answers null, so keep its last
  // live state until run_detail/ has the final one, and refresh everything once.
  const [watched, setWatched] = useState<RunSnapshot | null>(null);
  const liveSnapshot = useMemo(() => (live && liveRun ? snapshotFromCurrentRun(liveRun) : null), [live, liveRun]);
  const wasLive = useRef(false);
  useEffect(() => {
    if (liveSnapshot) setWatched(liveSnapshot);
    if (wasLive.current && !live) refresh();
    wasLive.current = live;
  }, [liveSnapshot, live, refresh]);

  // When the watched run ended, as this page learned it (the answer that said so): stage queues
  // asked for before then may still count the run's last items (see queuesAfterRun).
  const [endSeen, setEndSeen] = useState<{ runId: string; at: number } | null>(null);
  if (!live && watched && endSeen?.runId !== watched.runId) setEndSeen({ runId: watched.runId, at: current.dataUpdatedAt });

  const latestRunId = latest.data?.runs[0]?.run_id ?? null;
  const lastRunId = live ? null : (watched?.runId ?? latestRunId);
  const lastDetail = useRunDetail(lastRunId);
  const finished = useMemo(() => {
    if (live) return null;
    const detail = lastDetail.data?.run.run_id === lastRunId ? lastDetail.data : undefined;
    // A cached run_detail/ from while the run was still going is older than what this page watched.
    if (detail && !isActiveRun(detail.run.status)) return snapshotFromRunDetail(detail);
    if (watched && watched.runId === lastRunId) return watched;
    return detail ? snapshotFromRunDetail(detail) : null;
  }, [live, lastDetail.data, lastRunId, watched]);
  const shown = liveSnapshot ?? finished;

  const enabled = useMemo(
    () => STAGES.map((stage) => config.data?.[`stage_${stage.number}_enabled` as keyof AutomationConfig] as boolean | undefined),
    [config.data],
  );
  const pending = useMemo(() => {
    const stages = pipeline.data?.stages;
    const queues = stages ? STAGES.map((stage) => stages.find((s) => s.number === stage.number)?.pending) : null;
    return live ? queues : queuesAfterRun(queues, pipeline.data?.requestedAt, endSeen?.at ?? null);
  }, [pipeline.data, live, endSeen]);
  const cards = useMemo(() => stageCards({ run: shown, pending, enabled }), [shown, pending, enabled]);
  const progress = overallProgress(shown, cards, now);

  const [configOpen, setConfigOpen] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const runNow = useRunNow(site.id);
  const control = useRunControl(site.id);

  const startRun = () => {
    setNotice(null);
    control.reset();
    runNow.mutate(undefined, { onSuccess: (data) => setNotice(`Run ${data.run_id} started.`) });
  };
  const act = (action: RunControl) => {
    if (!liveRun) return;
    setNotice(null);
    runNow.reset();
    control.mutate(
      { action, runId: liveRun.run_id },
      {
        onSuccess: (data) => {
          setNotice(`Run ${data.run_id} ${data.status}.`);
          setConfirmCancel(false);
        },
        onError: () => setConfirmCancel(false),
      },
    );
  };

  const logEntries: LogEntry[] = useMemo(() => (live ? (current.data?.activity_log ?? []).map((line) => parseActivityLine(line)) : []), [live, current.data]);
  const lastLog = useRunLogText(live ? null : (finished?.runId ?? null), 50);
  const idleEntries = useMemo(() => (lastLog.data ? parseLogText(lastLog.data.log) : []), [lastLog.data]);

  if (config.isError && config.data === undefined) {
    return (
      <section className="page automation" aria-labelledby="page-title">
        <PageHeader site={site} />
        <ErrorBanner title="Could not load the automation settings" error={config.error} onRetry={() => void config.refetch()} />
      </section>
    );
  }
  if (config.data === undefined || current.data === undefined) {
    return (
      <section className="page automation" aria-labelledby="page-title">
        <PageHeader site={site} />
        <Loading label="Loading the pipeline…" />
      </section>
    );
  }

  return (
    <section className="page automation" aria-labelledby="page-title">
      <PageHeader site={site} />
      {failedRun && (
        <FailedRunBanner
          run={failedRun}
          siteId={site.id}
          timezone={timezone}
          onRerun={(runId) => {
            setNotice(`Run ${runId} started (a re-run of ${failedRun.run_id}).`);
            refresh();
          }}
        />
      )}
      <ScheduleRow
        site={site}
        config={config.data}
        timezone={timezone}
        lastRunAt={config.data.last_run_at}
        onConfigure={() => setConfigOpen(true)}
        onRunNow={startRun}
        starting={runNow.isPending}
        live={live}
      />
      <RunNowFeedback error={runNow.error} onDismiss={() => runNow.reset()} />
      {control.isError && (
        <ErrorBanner title="The run could not be changed" error={control.error} onDismiss={() => control.reset()} />
      )}
      {current.isError && (
        <ErrorBanner title="Live updates stopped" error={current.error} onRetry={() => void current.refetch()} />
      )}
      {signingSecret && (
        <div className="banner banner-success signing-secret" role="status" data-testid="notify-signing-secret">
          <div className="banner-body">
            <strong className="banner-title">Notification webhook signing secret — copy it now, it is shown only once.</strong>
            <CopySecret secret={signingSecret} />
            <p className="muted small">
              Each notification is signed: <code>X-Automation-Timestamp</code> and <code>X-Automation-Signature: sha256=…</code>,
              the HMAC-SHA256 of <code>&lt;timestamp&gt;.&lt;body&gt;</code> with this secret.
            </p>
          </div>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setSigningSecret(null)}>
            Dismiss
          </button>
        </div>
      )}
      {notice && (
        <div className="banner banner-success" role="status">
          <div className="banner-body">
            <p>{notice}</p>
          </div>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}

      <MetricCards counts={counts.counts} />
      {counts.error !== null && (
        <ErrorBanner title="Could not load the content counts" error={counts.error} onRetry={counts.refetch} />
      )}

      <PipelineProgress
        siteId={site.id}
        run={shown}
        cards={cards}
        progress={progress}
        live={live}
        busy={control.isPending}
        onPause={() => act("pause")}
        onResume={() => act("resume")}
        onCancel={() => setConfirmCancel(true)}
      />

      <div className="stage-grid" data-testid="stage-grid">
        {cards.slice(0, 6).map((card) => (
          <StageCard key={card.number} card={card} timezone={timezone} />
        ))}
        {cards[6] && <ReviewGateCard card={cards[6]} inReview={counts.counts["content:review"]} siteId={site.id} />}
        <CurrentStatusCard run={shown} progress={progress} live={live} timezone={timezone} />
      </div>
      {pipeline.isError && (
        <ErrorBanner title="Could not load the stage queues" error={pipeline.error} onRetry={() => void pipeline.refetch()} />
      )}

      <ActivityLog
        title="Activity log"
        live={live}
        entries={live ? logEntries : idleEntries}
        timezone={timezone}
        caption={live ? `Run ${liveRun?.run_id}` : finished ? `Last run ${finished.runId}` : undefined}
        emptyText={live ? "Waiting for the first log line…" : "No activity yet. Run the pipeline to see its log here."}
      />

      <Overview siteId={site.id} timezone={timezone} failedRun={failedRun} />

      {configOpen && (
        <ConfigDialog
          site={site.id}
          config={config.data}
          onClose={() => setConfigOpen(false)}
          onSaved={(saved) => {
            setNotice("Configuration saved.");
            if (saved.signing_secret) setSigningSecret(saved.signing_secret);
          }}
        />
      )}
      {confirmCancel && liveRun && (
        <Modal
          title="Cancel this run?"
          description={`Run ${liveRun.run_id} stops after the item in progress. Finished work is kept; the remaining stages do not run.`}
          onClose={() => setConfirmCancel(false)}
          size="small"
          busy={control.isPending}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirmCancel(false)} data-autofocus>
                Keep running
              </button>
              <button type="button" className="btn btn-danger" onClick={() => act("cancel")} disabled={control.isPending}>
                {control.isPending ? "Cancelling…" : "Cancel run"}
              </button>
            </>
          }
        >
          <p className="muted small">Credits reserved for the stages that do not run are released.</p>
        </Modal>
      )}
    </section>
  );
}

function PageHeader({ site }: { site: Site }) {
  return (
    <header className="page-header">
      <div>
        <h1 id="page-title">Automation</h1>
        <p className="muted">
          The seven-stage content pipeline for <strong>{site.domain}</strong>: keywords in, articles with images out, up
          to the review gate.
        </p>
      </div>
    </header>
  );
}

// --- schedule row ---------------------------------------------------------------------------------

function ScheduleRow({
  site,
  config,
  timezone,
  lastRunAt,
  onConfigure,
  onRunNow,
  starting,
  live,
}: {
  site: Site;
  config: AutomationConfig;
  timezone: string;
  lastRunAt: string | null;
  onConfigure: () => void;
  onRunNow: () => void;
  starting: boolean;
  live: boolean;
}) {
  const estimate = useEstimate(site.id);
  // The API's one test (estimate/ `sufficient`, the same as Run Now's and the predictive panel's).
  const short = estimate.data?.sufficient === false;
  return (
    <div className="schedule-row" role="region" aria-label="Schedule">
      <StatusBadge
        badge={config.is_enabled ? { label: "Enabled", tone: "success" } : { label: "Disabled", tone: "neutral" }}
        testId="schedule-status"
      />
      <span className="schedule-item" data-testid="schedule-text">
        <ClockIcon />
        {scheduleText(config, timezone)}
        {config.frequency === "custom" && (
          <Link to={withSite(`/rules/${config.rule_id}`, site.id)} className="small">
            edit in the rule editor
          </Link>
        )}
      </span>
      <span className="schedule-item" data-testid="schedule-last-run">
        <span className="muted">Last run</span> {lastRunAt ? formatZonedDateTime(lastRunAt, timezone) : "never"}
      </span>
      {config.is_enabled && config.next_run_at && (
        <span className="schedule-item" data-testid="schedule-next-run">
          <span className="muted">Next run</span> {formatZonedDateTime(config.next_run_at, timezone)}
        </span>
      )}
      <span className="schedule-item" data-testid="estimate">
        <span className="muted">Estimated</span>{" "}
        {estimate.data ? (
          <>
            <strong>{formatCredits(estimate.data.estimated_credits)}</strong> credits
            {short && (
              <span className="badge badge-danger" title="The available balance does not cover what a run would reserve">
                low balance
              </span>
            )}
          </>
        ) : estimate.isError ? (
          "unavailable"
        ) : (
          "…"
        )}
      </span>
      <span className="schedule-actions">
        <button type="button" className="btn btn-small" onClick={onConfigure}>
          <GearIcon /> Configure
        </button>
        <button
          type="button"
          className="btn btn-small btn-primary"
          onClick={onRunNow}
          disabled={starting || live}
          title={
            live
              ? "A run is already active"
              : short
                ? "The available balance does not cover what a run would reserve: Run Now will be refused"
                : undefined
          }
        >
          <PlayIcon /> {starting ? "Starting…" : "Run now"}
        </button>
      </span>
    </div>
  );
}

/** run_now/ refusals in words: 409 points at the active run, 402 shows needed vs available. */
function RunNowFeedback({ error, onDismiss }: { error: unknown; onDismiss: () => void }) {
  if (!error) return null;
  const problem = runNowProblem(error);
  if (problem.kind === "already_running") {
    return (
      <div className="banner banner-warning" role="alert" data-testid="run-now-conflict">
        <div className="banner-body">
          <strong className="banner-title">A run is already active</strong>
          <p>
            {problem.runId ? (
              <>
                Run <code>{problem.runId}</code> is in progress — it is shown below.
              </>
            ) : (
              problem.message
            )}
          </p>
        </div>
        <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  if (problem.kind === "insufficient_credits") {
    return (
      <div className="banner banner-error" role="alert" data-testid="run-now-credits">
        <div className="banner-body">
          <strong className="banner-title">Not enough credits to run</strong>
          <p>
            This run needs <strong>{formatCredits(problem.needed)}</strong> credits; <strong>{formatCredits(problem.available)}</strong>{" "}
            are available. No run was made.
          </p>
        </div>
        <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  return <ErrorBanner title="The run could not start" error={problem.error} onDismiss={onDismiss} />;
}

// --- metric cards ---------------------------------------------------------------------------------

interface Metric {
  key: string;
  title: string;
  stage: number;
  total?: number;
  processed?: number;
  pending?: number;
  processedLabel: string;
  pendingLabel: string;
  failed?: number;
}

function minus(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(a - b, 0);
}

/**
 * Totals per kind (seed 004 §3.3): processed = past its first stage, pending = waiting for it.
 * The counts are separate requests; while a run adds items they can answer a moment apart, so a
 * total is never shown below its own parts.
 */
export function metricsFromCounts(raw: Counts): Metric[] {
  const counts: Counts = { ...raw };
  const atLeast = (key: keyof Counts, ...parts: (keyof Counts)[]) => {
    const known = parts.map((part) => counts[part]).filter((value): value is number => value !== undefined);
    if (counts[key] !== undefined && known.length) counts[key] = Math.max(counts[key], known.reduce((a, b) => a + b, 0));
  };
  atLeast("keywords:", "keywords:new");
  atLeast("clusters:", "clusters:new");
  atLeast("ideas:", "ideas:new");
  atLeast("content:", "content:draft", "content:review");
  atLeast("images:", "images:pending", "images:generated");
  const imagesFailed = minus(minus(counts["images:"], counts["images:generated"]), counts["images:pending"]);
  return [
    { key: "keywords", title: "Keywords", stage: 1, total: counts["keywords:"], processed: minus(counts["keywords:"], counts["keywords:new"]), pending: counts["keywords:new"], processedLabel: "Mapped", pendingLabel: "New" },
    { key: "clusters", title: "Clusters", stage: 2, total: counts["clusters:"], processed: minus(counts["clusters:"], counts["clusters:new"]), pending: counts["clusters:new"], processedLabel: "With ideas", pendingLabel: "New" },
    { key: "ideas", title: "Ideas", stage: 3, total: counts["ideas:"], processed: minus(counts["ideas:"], counts["ideas:new"]), pending: counts["ideas:new"], processedLabel: "Queued", pendingLabel: "New" },
    { key: "content", title: "Content", stage: 4, total: counts["content:"], processed: minus(counts["content:"], counts["content:draft"]), pending: counts["content:draft"], processedLabel: "Past the gate", pendingLabel: "Drafts" },
    { key: "images", title: "Images", stage: 6, total: counts["images:"], processed: counts["images:generated"], pending: counts["images:pending"], processedLabel: "Generated", pendingLabel: "Pending", failed: imagesFailed },
  ];
}

function MetricCards({ counts }: { counts: Counts }) {
  return (
    <div className="metric-cards" role="list" aria-label="Content totals">
      {metricsFromCounts(counts).map((metric) => {
        const share = metric.total ? ((metric.processed ?? 0) / metric.total) * 100 : 0;
        return (
          <div className={`metric-card stage-${metric.stage}`} role="listitem" key={metric.key} data-testid={`metric-${metric.key}`}>
            <div className="metric-head">
              <span className="stage-icon small">
                <StageIcon stage={metric.stage} size={16} />
              </span>
              <span className="metric-title">{metric.title}</span>
            </div>
            <strong className="metric-total" data-testid={`metric-${metric.key}-total`}>
              {formatInteger(metric.total)}
            </strong>
            <div className="metric-bar" aria-hidden="true">
              <span style={{ width: `${share}%` }} />
            </div>
            <dl className="metric-split">
              <div>
                <dt>{metric.processedLabel}</dt>
                <dd data-testid={`metric-${metric.key}-processed`}>{formatInteger(metric.processed)}</dd>
              </div>
              <div>
                <dt>{metric.pendingLabel}</dt>
                <dd data-testid={`metric-${metric.key}-pending`}>{formatInteger(metric.pending)}</dd>
              </div>
              {metric.failed ? (
                <div className="is-failed">
                  <dt>Failed</dt>
                  <dd>{formatInteger(metric.failed)}</dd>
                </div>
              ) : null}
            </dl>
          </div>
        );
      })}
    </div>
  );
}

// --- overall progress + controls ------------------------------------------------------------------

function PipelineProgress({
  siteId,
  run,
  cards,
  progress,
  live,
  busy,
  onPause,
  onResume,
  onCancel,
}: {
  siteId: number;
  run: RunSnapshot | null;
  cards: readonly StageCardModel[];
  progress: OverallProgress;
  live: boolean;
  busy: boolean;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
}) {
  const eta = formatEta(progress.etaSeconds);
  const dots = stageDots(run, cards);
  const tone =
    progress.state === "completed" ? "success" : progress.state === "failed" ? "danger" : progress.state === "paused" ? "warning" : "primary";
  return (
    <section className={`card pipeline-progress state-${progress.state}`} aria-labelledby="progress-title" data-testid="overall-progress">
      <header className="progress-header">
        <div>
          <h2 id="progress-title">
            {live ? "Pipeline running" : run ? "Last run" : "Pipeline idle"}
            {run && (
              <span className="progress-stage" data-testid="overall-stage">
                {progress.stageLabel}
              </span>
            )}
          </h2>
          <p className="muted small" data-testid="overall-eta">
            {run ? (
              <>
                <Link to={withSite(`/automation/runs/${encodeURIComponent(run.runId)}`, siteId)} className="run-link">
                  {run.runId}
                </Link>
                {" · "}
                {live ? `${formatDuration(progress.elapsedSeconds)} elapsed` : `took ${formatDuration(progress.elapsedSeconds)}`}
                {" · "}
                {formatCredits(run.totalCredits)} credits
                {live && progress.state === "paused" && " · paused"}
                {live && eta && ` · ${eta}`}
              </>
            ) : (
              "Nothing has run yet. Run now starts all enabled stages in order, up to the review gate."
            )}
          </p>
        </div>
        {live && run && (
          <div className="progress-actions">
            {run.status === "paused" ? (
              <button type="button" className="btn btn-small" onClick={onResume} disabled={busy}>
                <PlayIcon /> Resume
              </button>
            ) : (
              <button type="button" className="btn btn-small" onClick={onPause} disabled={busy || run.status !== "running"}>
                <PauseIcon /> Pause
              </button>
            )}
            <button type="button" className="btn btn-small btn-danger-outline" onClick={onCancel} disabled={busy}>
              <StopIcon /> Cancel
            </button>
          </div>
        )}
      </header>
      <div className="progress-row">
        <ProgressBar
          percent={progress.percent}
          label="Overall pipeline progress"
          tone={tone}
          animated={progress.state === "running"}
          size="large"
        />
        <strong className="progress-percent" data-testid="overall-percent">
          {Math.round(progress.percent)}%
        </strong>
      </div>
      <ol className="progress-steps" aria-label="Stages">
        {STAGES.map((stage, index) => {
          const state = dots[index] ?? "idle";
          return (
            <li
              key={stage.number}
              className={`step-${state}`}
              title={state === "off" ? `${stage.name} (switched off)` : stage.name}
              data-testid={`progress-step-${stage.number}`}
              data-state={state}
            >
              <span className="step-dot">{stage.number}</span>
              <span className="step-name">{stage.name.split(" → ").pop()}</span>
            </li>
          );
        })}
      </ol>
      {run && !live && run.status !== "completed" && (
        <p className="muted small">
          The run ended {run.status}. {formatInteger(run.results.filter((r) => r?.status === "completed").length)} of 7 stages completed.
        </p>
      )}
    </section>
  );
}
