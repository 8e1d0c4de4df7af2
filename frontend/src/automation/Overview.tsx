/** The overview (seed 003 part 1): run statistics with trends, predictive cost, attention items, run history. */
import { useState } from "react";
import { Link } from "react-router";

import { Pagination } from "../shell/table";
import { formatCredits, formatInteger } from "../shell/format";
import { AlertIcon, CheckIcon } from "../shell/icons";
import { withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatDuration, formatNumber, formatPercent, formatZonedDate, formatZonedDateTime } from "./format";
import { RerunIcon, TrendDownIcon, TrendUpIcon } from "./icons";
import { historyBadges, runStatusBadge } from "./progress";
import { useOverviewStats, useRetryFailed, useRunHistory } from "./queries";
import type { HistoryRun, LastFinishedRun, OverviewStats, RetryFailedResponse } from "./types";
import { StatusBadge } from "./ui";

export const HISTORY_PAGE_SIZE = 10;

export function Overview({
  siteId,
  timezone = "UTC",
  failedRun = null,
}: {
  siteId: number;
  /** The site's time zone: every time shown names it. */
  timezone?: string;
  /** The last run, when it failed and nothing runs now: it needs attention. */
  failedRun?: LastFinishedRun | null;
}) {
  const stats = useOverviewStats(siteId);
  return (
    <section className="overview" aria-labelledby="overview-title">
      <header className="section-header">
        <h2 id="overview-title">Overview</h2>
        <p className="muted small">Statistics of the last 30 days, what the next run would cost, and every run so far.</p>
      </header>
      {stats.isError ? (
        <ErrorBanner title="Could not load the statistics" error={stats.error} onRetry={() => void stats.refetch()} />
      ) : stats.data === undefined ? (
        <Loading label="Loading statistics…" />
      ) : (
        <>
          <RunStatistics stats={stats.data.run_statistics} />
          <div className="overview-columns">
            <PredictiveCost analysis={stats.data.predictive_analysis} averages={stats.data.historical_averages} />
            <AttentionItems items={stats.data.attention_items} siteId={siteId} failedRun={failedRun} timezone={timezone} />
          </div>
        </>
      )}
      <RunHistory siteId={siteId} timezone={timezone} />
    </section>
  );
}

// --- statistics -----------------------------------------------------------------------------------

type Direction = "up" | "down" | "flat";

/** A trend under a statistic; `good` says which direction is good news. */
function Trend({ direction, text, good }: { direction: Direction; text: string; good: Direction }) {
  const tone = direction === "flat" ? "neutral" : direction === good ? "good" : "bad";
  return (
    <span className={`trend trend-${tone}`}>
      {direction === "up" ? <TrendUpIcon /> : direction === "down" ? <TrendDownIcon /> : null}
      {text}
    </span>
  );
}

function direction(value: number): Direction {
  return value > 0 ? "up" : value < 0 ? "down" : "flat";
}

export function RunStatistics({ stats }: { stats: OverviewStats["run_statistics"] }) {
  const weekDelta = stats.runs_this_week - stats.runs_last_week;
  return (
    <div className="stat-cards" data-testid="run-statistics">
      <div className="stat-card">
        <span className="stat-label">Total runs</span>
        <strong className="stat-value">{formatInteger(stats.total_runs)}</strong>
        <Trend
          direction={direction(weekDelta)}
          good="up"
          text={`${formatInteger(stats.runs_this_week)} this week (${formatInteger(stats.runs_last_week)} last week)`}
        />
      </div>
      <div className="stat-card">
        <span className="stat-label">Success rate</span>
        <strong className="stat-value">{formatPercent(stats.success_rate)}</strong>
        <span className="muted small">
          {formatInteger(stats.completed_runs)} completed · {formatInteger(stats.failed_runs)} failed (30 days)
        </span>
      </div>
      <div className="stat-card">
        <span className="stat-label">Avg duration</span>
        <strong className="stat-value">{stats.avg_duration_seconds ? formatDuration(stats.avg_duration_seconds) : "–"}</strong>
        <Trend
          direction={direction(stats.duration_trend)}
          good="down"
          text={
            stats.duration_trend
              ? `${formatDuration(Math.abs(stats.duration_trend))} ${stats.duration_trend < 0 ? "faster" : "slower"} than last week`
              : "No change from last week"
          }
        />
      </div>
      <div className="stat-card">
        <span className="stat-label">Avg credits per run</span>
        <strong className="stat-value">{formatCredits(stats.avg_credits_per_run)}</strong>
        <Trend
          direction={direction(stats.credits_trend)}
          good="down"
          text={
            stats.credits_trend
              ? `${formatPercent(Math.abs(stats.credits_trend))} ${stats.credits_trend < 0 ? "less" : "more"} than last week`
              : "No change from last week"
          }
        />
      </div>
    </div>
  );
}

// --- predictive cost ------------------------------------------------------------------------------

export function PredictiveCost({
  analysis,
  averages,
}: {
  analysis: OverviewStats["predictive_analysis"];
  averages: OverviewStats["historical_averages"];
}) {
  const outputs = Object.entries(analysis.expected_outputs);
  return (
    <section className="card predictive" aria-labelledby="predictive-title" data-testid="predictive-cost">
      <header className="card-header">
        <h3 id="predictive-title">If the pipeline ran now</h3>
        <span className="muted small">
          {averages.uses_defaults
            ? `Default rates (${averages.runs_analyzed} of 3 completed runs needed for averages)`
            : `Based on the last ${averages.runs_analyzed} completed runs`}
        </span>
      </header>
      <div className="table-wrap flat">
        <table className="table compact-table">
          <caption className="visually-hidden">Estimated credits and outputs by stage</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                Waiting
              </th>
              <th scope="col" className="num">
                Takes
              </th>
              <th scope="col" className="num">
                Est. credits
              </th>
              <th scope="col" className="num">
                Est. output
              </th>
              <th scope="col" className="num">
                Rate
              </th>
            </tr>
          </thead>
          <tbody>
            {analysis.stages.map((stage) => (
              <tr key={stage.stage} className={stage.enabled ? undefined : "is-disabled"}>
                <th scope="row">
                  <span className="stage-num">{stage.stage}</span> {stage.name}
                  {!stage.enabled && <span className="muted small"> (disabled)</span>}
                </th>
                <td className="num">{formatInteger(stage.pending_items)}</td>
                <td className="num">{formatInteger(stage.input_items)}</td>
                <td className="num">{formatCredits(stage.estimated_credits)}</td>
                <td className="num">
                  ~{formatInteger(stage.estimated_output)} {stage.output_type}
                </td>
                <td className="num muted">
                  {stage.avg_credits_per_item ? `${formatNumber(stage.avg_credits_per_item, 2)} cr/item` : "free"}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total estimated</th>
              <td colSpan={2} />
              <td className="num" data-testid="predictive-total">
                <strong>{formatCredits(analysis.total_estimated_credits)}</strong>
              </td>
              <td colSpan={2} />
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="predictive-summary">
        <div>
          <span className="muted small">Total estimated</span>
          <strong>{formatCredits(analysis.total_estimated_credits)} credits</strong>
        </div>
        <div>
          <span className="muted small">Suggested with a 20% buffer (advice)</span>
          <strong>{formatCredits(analysis.recommended_buffer)} credits</strong>
        </div>
        <div>
          <span className="muted small">Current balance</span>
          <strong>{formatCredits(analysis.current_balance)} credits</strong>
        </div>
        <StatusBadge
          badge={
            analysis.is_sufficient ? { label: "Sufficient", tone: "success" } : { label: "Insufficient", tone: "danger" }
          }
          testId="balance-sufficient"
        />
      </div>
      <p className="muted small">
        {analysis.is_sufficient
          ? "The available balance covers what a run would reserve now, so Run Now can start it."
          : "The available balance does not cover what a run would reserve now: Run Now would be refused."}{" "}
        The buffer is a suggestion for the runs to come; it does not decide.
      </p>
      {outputs.length > 0 && (
        <p className="muted small expected-outputs">
          Expected: {outputs.map(([type, count]) => `~${formatInteger(count)} ${type}`).join(" · ")}
        </p>
      )}
    </section>
  );
}

// --- attention ------------------------------------------------------------------------------------

/** "3 writing tasks and 2 images": what retry_failed/ queued again. */
export function retriedText({ tasks, images }: RetryFailedResponse): string {
  const parts = [
    tasks ? `${formatInteger(tasks)} writing task${tasks === 1 ? "" : "s"}` : "",
    images ? `${formatInteger(images)} image${images === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  return parts.length ? `Queued ${parts.join(" and ")} again; the next run takes them.` : "Nothing had failed: nothing was queued.";
}

export function AttentionItems({
  items,
  siteId,
  failedRun = null,
  timezone = "UTC",
}: {
  items: OverviewStats["attention_items"];
  siteId: number;
  failedRun?: LastFinishedRun | null;
  timezone?: string;
}) {
  const retry = useRetryFailed(siteId);
  const rows = [
    { count: items.skipped_ideas, text: items.skipped_ideas === 1 ? "idea held back because its writing failed" : "ideas held back because their writing failed" },
    { count: items.failed_content, text: `${items.failed_content === 1 ? "article" : "articles"} failed to generate` },
    { count: items.failed_images, text: `${items.failed_images === 1 ? "image" : "images"} failed to generate` },
  ].filter((row) => row.count > 0);
  const retryable = items.failed_content + items.failed_images > 0;
  const total = items.total_attention_needed + (failedRun ? 1 : 0);
  return (
    <section className="card attention" aria-labelledby="attention-title" data-testid="attention-items">
      <header className="card-header">
        <h3 id="attention-title">Needs attention</h3>
        <span className={`count-pill${total ? " is-warning" : ""}`}>{formatInteger(total)}</span>
      </header>
      {rows.length === 0 && !failedRun ? (
        <p className="attention-ok">
          <CheckIcon /> Nothing needs attention.
        </p>
      ) : (
        <ul className="attention-list">
          {failedRun && (
            <li data-testid="attention-failed-run">
              <AlertIcon />
              <span>
                <strong>The last run failed</strong>
                {failedRun.completed_at && ` (${formatZonedDateTime(failedRun.completed_at, timezone)})`}:{" "}
                {failedRun.error_message || "see the run"} ·{" "}
                <Link to={withSite(`/automation/runs/${encodeURIComponent(failedRun.run_id)}`, siteId)}>open the run</Link>
              </span>
            </li>
          )}
          {rows.map((row) => (
            <li key={row.text}>
              <AlertIcon />
              <span>
                <strong>{formatInteger(row.count)}</strong> {row.text}
              </span>
            </li>
          ))}
        </ul>
      )}
      {retryable && (
        <div className="attention-actions">
          <button type="button" className="btn btn-small" onClick={() => retry.mutate()} disabled={retry.isPending}>
            <RerunIcon /> {retry.isPending ? "Queuing…" : "Retry failed items"}
          </button>
          <span className="muted small">Failed writing tasks and images go back in the queue for the next run.</span>
        </div>
      )}
      {retry.isSuccess && (
        <p className="attention-retried" role="status" data-testid="retry-failed-result">
          {retriedText(retry.data)}
        </p>
      )}
      {retry.isError && <ErrorBanner title="Could not queue the failed items again" error={retry.error} onDismiss={() => retry.reset()} />}
      <p className="muted small">
        Content waiting for people is on the <Link to={withSite("/content", siteId, { status: "review" })}>review list</Link>.
      </p>
    </section>
  );
}

// --- history --------------------------------------------------------------------------------------

export function StageBadges({ statuses }: { statuses: readonly string[] }) {
  return (
    <span className="stage-badges" role="img" aria-label={historyBadges(statuses).map((b) => b.label).join("; ")}>
      {historyBadges(statuses).map((badge) => (
        <span key={badge.stage} className={`stage-badge sb-${badge.status}`} title={badge.label} aria-hidden="true">
          {badge.symbol}
        </span>
      ))}
    </span>
  );
}

export function RunHistory({ siteId, timezone = "UTC" }: { siteId: number; timezone?: string }) {
  const [page, setPage] = useState(1);
  const history = useRunHistory(siteId, page, HISTORY_PAGE_SIZE);
  const data = history.data;
  return (
    <section className="card history" aria-labelledby="history-title">
      <header className="card-header">
        <h3 id="history-title">Run history</h3>
        {data && <span className="muted small">{formatInteger(data.pagination.total_count)} runs</span>}
      </header>
      {history.isError ? (
        <ErrorBanner title="Could not load the run history" error={history.error} onRetry={() => void history.refetch()} />
      ) : data === undefined ? (
        <Loading label="Loading runs…" />
      ) : data.runs.length === 0 ? (
        <EmptyState title="No runs yet">Press Run now and the run appears here, with its stages, time and credits.</EmptyState>
      ) : (
        <>
          <div className="table-wrap flat" aria-busy={history.isFetching || undefined}>
            <table className="table history-table">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Stages</th>
                  <th scope="col">Started ({timezone})</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col" className="num">
                    Credits
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((run) => (
                  <HistoryRow key={run.run_id} run={run} siteId={siteId} timezone={timezone} />
                ))}
              </tbody>
            </table>
          </div>
          {data.pagination.total_pages > 1 && (
            <Pagination page={page} pageSize={HISTORY_PAGE_SIZE} count={data.pagination.total_count} onPage={setPage} />
          )}
        </>
      )}
    </section>
  );
}

function HistoryRow({ run, siteId, timezone }: { run: HistoryRun; siteId: number; timezone: string }) {
  return (
    <tr data-testid="history-row">
      <td className="col-title">
        <Link to={withSite(`/automation/runs/${encodeURIComponent(run.run_id)}`, siteId)} className="title">
          {run.run_title}
        </Link>
        <span className="muted small">
          {run.trigger_type} · {formatInteger(run.summary.items_processed)} in → {formatInteger(run.summary.items_created)} out
        </span>
      </td>
      <td data-label="Status">
        <StatusBadge badge={runStatusBadge(run.status)} />
      </td>
      <td data-label="Stages">
        <StageBadges statuses={run.stage_statuses} />
      </td>
      <td data-label={`Started (${timezone})`}>{formatZonedDate(run.started_at, timezone)}</td>
      <td className="num" data-label="Duration">
        {formatDuration(run.duration_seconds)}
      </td>
      <td className="num" data-label="Credits">
        {formatCredits(run.total_credits_used)}
      </td>
    </tr>
  );
}
