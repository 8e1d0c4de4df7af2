/**
 * One pipeline run in full (seed 003 part 2): summary cards, pipeline flow, stage accordion with
 * efficiency and comparison, credits donut, timeline, the run's log, CSV / JSON export.
 */
import { type ReactNode, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatCredits, formatInteger } from "../shell/format";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { isFinished, readableRefusal, useRerun } from "../rules/api";
import { DryRunPill } from "../runs/DryRun";
import "./automation.css";
import { CreditsDonut } from "./CreditsDonut";
import { downloadText, exportFileName, runToCsv, runToJson } from "./export";
import { formatDuration, formatNumber, formatPercent, formatShortDateTime, formatTime } from "./format";
import { ArrowLeftIcon, ArrowRightIcon, ChevronIcon, DownloadIcon, RerunIcon } from "./icons";
import { createdCount, historyBadges, isActiveRun, runStatusBadge, stageStatusBadge } from "./progress";
import { useRefreshAutomation, useRunDetail, useRunLog } from "./queries";
import { stageInfo } from "./stages";
import type { RunDetail, RunDetailStage, RunLogLine } from "./types";
import { StatusBadge } from "./ui";

export default function RunDetailPage() {
  const { runId = "" } = useParams();
  const { site } = useSites();
  const detail = useRunDetail(runId || null);
  const title = detail.data?.run.run_title ?? `Run ${runId}`;
  usePageTitle(title);
  const back = (
    <Link to={withSite("/automation", site?.id)} className="back-link">
      <ArrowLeftIcon /> Back to Automation
    </Link>
  );

  if (detail.isError) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <section className="page automation run-detail" aria-labelledby="page-title">
        {back}
        <header className="page-header">
          <h1 id="page-title">{missing ? "Run not found" : title}</h1>
        </header>
        {missing ? (
          <EmptyState title="No such run">
            There is no run <code>{runId}</code> in this account. Pick one from the run history on the Automation page.
          </EmptyState>
        ) : (
          <ErrorBanner title="Could not load the run" error={detail.error} onRetry={() => void detail.refetch()} />
        )}
      </section>
    );
  }
  if (detail.data === undefined) {
    return (
      <section className="page automation run-detail" aria-labelledby="page-title">
        {back}
        <h1 id="page-title" className="visually-hidden">
          {title}
        </h1>
        <Loading label="Loading the run…" />
      </section>
    );
  }
  return <RunDetailView key={detail.data.run.run_id} detail={detail.data} back={back} siteId={site?.id ?? null} />;
}

function RunDetailView({ detail, back, siteId }: { detail: RunDetail; back: ReactNode; siteId: number | null }) {
  const { run, metrics } = detail;
  const live = isActiveRun(run.status);
  const rerun = useRerun();
  const refresh = useRefreshAutomation(siteId ?? 0);
  const navigate = useNavigate();
  const startAgain = () =>
    rerun.mutate(run.run_id, {
      onSuccess: (started) => {
        refresh();
        navigate(withSite(`/automation/runs/${encodeURIComponent(started.run_id)}`, siteId));
      },
    });
  const completedStages = detail.stages.filter((stage) => stage.status === "completed").length;
  const enabledStages = detail.stages.filter((stage) => stage.is_enabled || stage.status !== "pending").length;
  const created = detail.stages.reduce((sum, stage) => sum + (stage.status === "pending" ? 0 : createdCount(stage.result, stageInfo(stage.number))), 0);

  return (
    <section className="page automation run-detail" aria-labelledby="page-title">
      {back}
      <header className="page-header run-header">
        <div>
          <h1 id="page-title">{run.run_title}</h1>
          <p className="run-meta">
            <code className="run-id">{run.run_id}</code>
            <StatusBadge badge={runStatusBadge(run.status)} testId="run-detail-status" />
            <DryRunPill run={run} />
            <span className="muted">
              {capitalize(run.trigger_type)} trigger · {formatCredits(run.total_credits_used)} credits used
              {run.attempt > 1 && ` · attempt ${run.attempt}`}
            </span>
          </p>
        </div>
        <div className="export-actions">
          {isFinished(run.status) && (
            <button
              type="button"
              className="btn btn-small btn-primary"
              onClick={startAgain}
              disabled={rerun.isPending}
              title="Re-run similar: a new run of the pipeline with the same trigger data"
            >
              <RerunIcon /> {rerun.isPending ? "Starting…" : "Re-run"}
            </button>
          )}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => downloadText(exportFileName(detail, "csv"), runToCsv(detail), "text/csv;charset=utf-8")}
          >
            <DownloadIcon /> Export CSV
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => downloadText(exportFileName(detail, "json"), runToJson(detail), "application/json")}
          >
            <DownloadIcon /> Export JSON
          </button>
        </div>
      </header>

      {rerun.isError && (
        <ErrorBanner title="The run was not run again" error={readableRefusal(rerun.error)} onDismiss={() => rerun.reset()} />
      )}
      {run.error_message && (
        <div className="banner banner-error" role="alert">
          <div className="banner-body">
            <strong className="banner-title">The run {run.status}</strong>
            <p>{run.error_message}</p>
          </div>
        </div>
      )}

      <div className="stat-cards" data-testid="run-summary">
        <div className="stat-card">
          <span className="stat-label">Started</span>
          <strong className="stat-value small-value">{formatShortDateTime(run.started_at)}</strong>
          <span className="muted small">{run.completed_at ? `ended ${formatTime(run.completed_at)}` : live ? "still running" : "–"}</span>
        </div>
        <div className="stat-card">
          <span className="stat-label">Duration</span>
          <strong className="stat-value">{formatDuration(run.duration_seconds)}</strong>
          <span className="muted small">{run.paused_at ? `paused ${formatTime(run.paused_at)}` : "without pauses"}</span>
        </div>
        <div className="stat-card">
          <span className="stat-label">Stages</span>
          <strong className="stat-value">
            {completedStages}/{enabledStages || 7}
          </strong>
          <span className="muted small">completed</span>
        </div>
        <div className="stat-card">
          <span className="stat-label">Credits</span>
          <strong className="stat-value">{formatCredits(run.total_credits_used)}</strong>
          <span className="muted small">{run.site_name}</span>
        </div>
      </div>
      <p className="run-totals">
        Initial queue <strong>{formatInteger(detail.initial_snapshot.total_initial_items ?? 0)}</strong> items →{" "}
        processed <strong>{formatInteger(metrics.total_input_items)}</strong> → created <strong>{formatInteger(created)}</strong>{" "}
        items
      </p>

      <PipelineFlow stages={detail.stages} />

      <div className="detail-columns">
        <StageAccordion stages={detail.stages} />
        <section className="card" aria-labelledby="credits-title">
          <header className="card-header">
            <h2 id="credits-title">Credits by stage</h2>
          </header>
          <CreditsDonut creditsByStage={metrics.credits_by_stage} total={run.total_credits_used} />
          {detail.insights.length > 0 && (
            <ul className="insights" aria-label="Insights">
              {detail.insights.map((insight) => (
                <li key={insight}>{insight}</li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <Timeline detail={detail} />
      <RunLog runId={run.run_id} live={live} />
    </section>
  );
}

function capitalize(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

// --- pipeline flow --------------------------------------------------------------------------------

function PipelineFlow({ stages }: { stages: RunDetailStage[] }) {
  return (
    <section className="card" aria-labelledby="flow-title">
      <header className="card-header">
        <h2 id="flow-title">Pipeline flow</h2>
        <span className="muted small">items in → items made, per stage</span>
      </header>
      <ol className="flow" data-testid="pipeline-flow">
        {stages.map((stage, index) => {
          const info = stageInfo(stage.number);
          const ran = stage.status !== "pending";
          // A stage switched off for this run is never drawn as done.
          const shown = stage.is_enabled ? stage.status : "disabled";
          return (
            <li
              key={stage.number}
              className={`flow-step is-${shown}`}
              data-testid={`flow-stage-${stage.number}`}
              data-status={shown}
            >
              <div className="flow-box">
                <div className="flow-top">
                  <span className="flow-stage">Stage {stage.number}</span>
                  <span
                    className={`stage-badge sb-${stage.is_enabled ? stage.status : "skipped"}`}
                    title={stageStatusBadge(shown).label}
                    aria-label={stageStatusBadge(shown).label}
                  >
                    {stage.is_enabled ? historyBadges([stage.status])[0]?.symbol : "–"}
                  </span>
                </div>
                <div className="flow-counts">
                  <span>
                    <strong>{ran ? formatInteger(stage.result.input_count) : "–"}</strong> {info.input}
                  </span>
                  <span className="flow-arrow" aria-hidden="true">
                    ↓
                  </span>
                  <span>
                    <strong>{ran ? formatInteger(createdCount(stage.result, info)) : "–"}</strong> {info.output}
                  </span>
                </div>
                <div className="flow-foot">
                  <span>{formatCredits(stage.result.credits_used)} cr</span>
                  <span>{ran ? formatDuration(stage.result.time_elapsed_seconds) : "–"}</span>
                </div>
              </div>
              {index < stages.length - 1 && (
                <span className="flow-link" aria-hidden="true">
                  <ArrowRightIcon />
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

// --- stage accordion ------------------------------------------------------------------------------

function Diff({ value, goodWhen }: { value: number; goodWhen: "up" | "down" }) {
  if (!value) return <span className="muted">(same)</span>;
  const good = (value > 0 && goodWhen === "up") || (value < 0 && goodWhen === "down");
  return (
    <span className={`trend trend-${good ? "good" : "bad"}`}>
      ({formatPercent(value, { signed: true })} {value > 0 ? "↑" : "↓"})
    </span>
  );
}

function StageAccordion({ stages }: { stages: RunDetailStage[] }) {
  return (
    <section className="card" aria-labelledby="stages-title">
      <header className="card-header">
        <h2 id="stages-title">Stage details</h2>
      </header>
      <div className="accordion" data-testid="stage-accordion">
        {stages.map((stage, index) => (
          <StageDetails key={stage.number} stage={stage} open={index === 0} />
        ))}
      </div>
    </section>
  );
}

function StageDetails({ stage, open }: { stage: RunDetailStage; open: boolean }) {
  const info = stageInfo(stage.number);
  const result = stage.result;
  const ran = stage.status !== "pending";
  const made = createdCount(result, info);
  const errors = Array.isArray(result.errors) ? result.errors : [];
  return (
    <details className="accordion-item" open={open} data-testid={`stage-details-${stage.number}`}>
      <summary>
        <ChevronIcon />
        <span className="accordion-title">
          Stage {stage.number}: {stage.name}
        </span>
        <StatusBadge badge={stageStatusBadge(stage.is_enabled ? stage.status : "disabled")} />
        <span className="accordion-credits">{formatCredits(result.credits_used)} cr</span>
      </summary>
      {!ran ? (
        <p className="muted small accordion-body">
          {stage.is_enabled ? "This stage did not run." : "This stage is disabled in the configuration."}
        </p>
      ) : (
        <div className="accordion-body">
          <div className="accordion-grid">
            <div>
              <h3>Processing</h3>
              <dl className="kv">
                <dt>Input</dt>
                <dd>
                  {formatInteger(result.input_count)} {info.input}
                </dd>
                <dt>Output</dt>
                <dd>
                  {formatInteger(made)} {info.output}
                  {made !== result.output_count && (
                    <span className="muted"> ({formatInteger(result.output_count)} items updated)</span>
                  )}
                </dd>
                <dt>Duration</dt>
                <dd>{formatDuration(result.time_elapsed_seconds)}</dd>
                <dt>Credits</dt>
                <dd>{formatCredits(result.credits_used)}</dd>
                <dt>Batches</dt>
                <dd>{formatInteger(result.batches ?? 0)}</dd>
                {typeof result.total_words === "number" && (
                  <>
                    <dt>Words</dt>
                    <dd>{formatInteger(result.total_words)}</dd>
                  </>
                )}
              </dl>
            </div>
            <div>
              <h3>Efficiency</h3>
              <dl className="kv">
                <dt>Per input</dt>
                <dd>{formatNumber(stage.efficiency.cost_per_input, 3)} cr</dd>
                <dt>Per output</dt>
                <dd>{formatNumber(stage.efficiency.cost_per_output, 3)} cr</dd>
                <dt>Output ratio</dt>
                <dd>{formatNumber(stage.efficiency.output_ratio, 2)} per input</dd>
                <dt>Rate</dt>
                <dd>{formatNumber(stage.efficiency.processing_rate, 1)} items/min</dd>
              </dl>
            </div>
            <div>
              <h3>
                Vs. average{" "}
                <span className="muted small">
                  ({stage.comparison.runs_compared} run{stage.comparison.runs_compared === 1 ? "" : "s"})
                </span>
              </h3>
              {stage.comparison.runs_compared > 0 ? (
                <dl className="kv">
                  <dt>Credits</dt>
                  <dd>
                    {formatCredits(result.credits_used)} vs {formatCredits(stage.comparison.avg_credits)}{" "}
                    <Diff value={stage.comparison.credits_diff_percent} goodWhen="down" />
                  </dd>
                  <dt>Output</dt>
                  <dd>
                    {formatInteger(result.output_count)} vs {formatNumber(stage.comparison.avg_output, 1)}{" "}
                    <Diff value={stage.comparison.output_diff_percent} goodWhen="up" />
                  </dd>
                </dl>
              ) : (
                <p className="muted small">No completed runs to compare with yet.</p>
              )}
            </div>
          </div>
          {(result.error || result.skip_reason || errors.length > 0) && (
            <p className={`stage-note${result.error ? " is-error" : ""}`}>
              {result.error ?? (result.skip_reason ? `Skipped: ${result.skip_reason}` : `${errors.length} items failed — see the log.`)}
            </p>
          )}
        </div>
      )}
    </details>
  );
}

// --- timeline -------------------------------------------------------------------------------------

interface TimelineEvent {
  key: string;
  label: string;
  at: string;
  offset: number;
  tone: string;
}

/** Run start, each stage's start and end, pause/resume/cancel, run end; sorted by time. */
export function timelineEvents(detail: RunDetail): TimelineEvent[] {
  const start = detail.run.started_at ? Date.parse(detail.run.started_at) : NaN;
  const events: Omit<TimelineEvent, "offset">[] = [];
  if (detail.run.started_at) events.push({ key: "start", label: "Run started", at: detail.run.started_at, tone: "primary" });
  for (const stage of detail.stages) {
    if (stage.result.started_at) {
      events.push({ key: `s${stage.number}`, label: `Stage ${stage.number} started`, at: stage.result.started_at, tone: "info" });
    }
    if (stage.result.ended_at) {
      events.push({
        key: `e${stage.number}`,
        label: `Stage ${stage.number} ${stage.status}`,
        at: stage.result.ended_at,
        tone: stage.status === "failed" ? "danger" : "success",
      });
    }
  }
  if (detail.run.paused_at) events.push({ key: "pause", label: "Paused", at: detail.run.paused_at, tone: "warning" });
  if (detail.run.resumed_at) events.push({ key: "resume", label: "Resumed", at: detail.run.resumed_at, tone: "info" });
  if (detail.run.cancelled_at) events.push({ key: "cancel", label: "Cancelled", at: detail.run.cancelled_at, tone: "neutral" });
  if (detail.run.completed_at) {
    events.push({ key: "end", label: `Run ${detail.run.status}`, at: detail.run.completed_at, tone: detail.run.status === "completed" ? "success" : "danger" });
  }
  return events
    .map((event) => ({ ...event, offset: Number.isNaN(start) ? 0 : Math.max(0, (Date.parse(event.at) - start) / 1000) }))
    .sort((a, b) => a.offset - b.offset || a.key.localeCompare(b.key));
}

function Timeline({ detail }: { detail: RunDetail }) {
  const events = timelineEvents(detail);
  const span = Math.max(events[events.length - 1]?.offset ?? 0, 1);
  const stageBars = detail.stages.filter((stage) => stage.result.started_at);
  const start = detail.run.started_at ? Date.parse(detail.run.started_at) : NaN;
  return (
    <section className="card" aria-labelledby="timeline-title">
      <header className="card-header">
        <h2 id="timeline-title">Timeline</h2>
        <span className="muted small">
          {formatTime(detail.run.started_at)} → {detail.run.completed_at ? formatTime(detail.run.completed_at) : "now"}
        </span>
      </header>
      {events.length === 0 ? (
        <p className="muted small">The run has not started yet.</p>
      ) : (
        <>
          <div className="gantt" aria-hidden="true">
            {stageBars.map((stage) => {
              const from = (Date.parse(stage.result.started_at ?? "") - start) / 1000;
              const to = stage.result.ended_at ? (Date.parse(stage.result.ended_at) - start) / 1000 : span;
              return (
                <div className="gantt-row" key={stage.number}>
                  <span className="gantt-label">S{stage.number}</span>
                  <span className="gantt-track">
                    <span
                      className={`gantt-bar stage-${stage.number}`}
                      style={{ left: `${(from / span) * 100}%`, width: `${Math.max(((to - from) / span) * 100, 0.8)}%` }}
                      title={`Stage ${stage.number}: ${formatDuration(to - from)}`}
                    />
                  </span>
                </div>
              );
            })}
          </div>
          <ol className="timeline" data-testid="timeline">
            {events.map((event) => (
              <li key={event.key} className={`tl-${event.tone}`}>
                <span className="tl-dot" aria-hidden="true" />
                <span className="tl-label">{event.label}</span>
                <span className="tl-time">
                  {formatTime(event.at)} <span className="muted">+{formatDuration(event.offset)}</span>
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

// --- log ------------------------------------------------------------------------------------------

const LEVELS = ["all", "info", "warning", "error"] as const;

function RunLog({ runId, live }: { runId: string; live: boolean }) {
  const log = useRunLog(runId, live);
  const [stage, setStage] = useState("all");
  const [level, setLevel] = useState<(typeof LEVELS)[number]>("all");
  const lines = useMemo(() => {
    const all: RunLogLine[] = log.data ?? [];
    return all.filter(
      (line) =>
        (stage === "all" || String((line.step_index ?? -1) + 1) === stage) && (level === "all" || line.level === level),
    );
  }, [log.data, stage, level]);
  return (
    <section className="card" aria-labelledby="log-title">
      <header className="card-header">
        <h2 id="log-title">Run log</h2>
        <div className="log-filters">
          <label>
            <span className="visually-hidden">Stage</span>
            <select value={stage} onChange={(event) => setStage(event.target.value)} aria-label="Filter the log by stage">
              <option value="all">All stages</option>
              <option value="0">Run events</option>
              {[1, 2, 3, 4, 5, 6, 7].map((n) => (
                <option key={n} value={String(n)}>
                  Stage {n}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="visually-hidden">Level</span>
            <select
              value={level}
              onChange={(event) => setLevel(event.target.value as (typeof LEVELS)[number])}
              aria-label="Filter the log by level"
            >
              {LEVELS.map((value) => (
                <option key={value} value={value}>
                  {value === "all" ? "All levels" : capitalize(value)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      {log.isError ? (
        <ErrorBanner title="Could not load the log" error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data === undefined ? (
        <Loading label="Loading the log…" />
      ) : (
        <div className="log-box tall" role="log" aria-label="Run log" tabIndex={0} data-testid="run-log">
          {lines.length === 0 ? (
            <p className="log-empty">No log lines{stage !== "all" || level !== "all" ? " match the filter" : ""}.</p>
          ) : (
            lines.map((line) => (
              <div key={line.id} className={`log-line log-${line.level}`}>
                <span className="log-time">{formatTime(line.at)}</span>
                {line.step_index !== null && <span className="log-stage">S{line.step_index + 1}</span>}
                <span className="log-message">{line.message}</span>
              </div>
            ))
          )}
        </div>
      )}
      {log.data && (
        <p className="muted small">
          {formatInteger(lines.length)} of {formatInteger(log.data.length)} lines
        </p>
      )}
    </section>
  );
}
