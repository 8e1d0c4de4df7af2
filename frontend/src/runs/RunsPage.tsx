/** The execution monitor: runs of all rules with filters, live progress, and controls. */
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { Pagination } from "../shell/table";
import { ErrorBanner } from "../shell/ErrorBanner";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { isActive, useRules, useRuns, type RunControl, type RunFilters } from "../rules/api";
import { FilterIcon, TriggerIcon } from "../rules/icons";
import { RUN_STATUSES, RUN_TRIGGER_TYPES, type Run } from "../rules/types";
import { formatCreditsShort, formatDuration, StatusBadge, statusLabel, StepProgress, When } from "../rules/ui";
import { DryRunPill } from "./DryRun";
import { CONTROL_LABELS, RunControls } from "./RunControls";

const PAGE_SIZE = 25;
/** Statuses newer than the generated schema's list (issue 14). */
const EXTRA_RUN_STATUSES = (["completed_with_errors"] as const).filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
const FILTER_KEYS = ["rule", "status", "trigger", "from", "to"] as const;

/** `datetime-local` value ↔ ISO for the API. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export default function RunsPage() {
  usePageTitle("Runs");
  const { site, sites } = useSites();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const rules = useRules();
  const [actionError, setActionError] = useState<{ title: string; error: unknown } | null>(null);
  const filters: RunFilters = {
    rule: params.get("rule") || undefined,
    status: params.get("status") || undefined,
    trigger_type: params.get("trigger") || undefined,
    created_after: localToIso(params.get("from") ?? ""),
    created_before: localToIso(params.get("to") ?? ""),
    page,
    page_size: PAGE_SIZE,
  };
  const runs = useRuns(filters);
  const rows = runs.data?.results ?? [];
  const live = rows.some((run) => isActive(run.status));
  const filtered = FILTER_KEYS.some((key) => params.get(key));
  const ruleNames = useMemo(() => new Map((rules.data?.results ?? []).map((r) => [r.id, r.name])), [rules.data]);
  // A long name is cut short in the select (rules.css); its title keeps it whole.
  const selectedRuleName = params.get("rule") ? ruleNames.get(Number(params.get("rule"))) : undefined;
  const siteName = (id: number | null) => (id === null ? "–" : (sites.find((s) => s.id === id)?.domain ?? `site ${id}`));

  const setFilter = (key: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        next.delete("page");
        return next;
      },
      { replace: true },
    );

  const clear = () =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const key of [...FILTER_KEYS, "page"]) next.delete(key);
      return next;
    });

  return (
    <section className="page rl-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Runs</h1>
          <p className="muted">Every run of every rule: follow the live ones, debug and retry the rest.</p>
        </div>
        <span className={`rl-live${live ? " rl-live-on" : ""}`} aria-live="polite">
          <span className="rl-live-dot" aria-hidden="true" />
          {live ? "Live — updating every 1.5 s" : "Updates every 10 s"}
        </span>
      </header>

      <form className="filter-bar rl-filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <span className="rl-filters-icon" aria-hidden="true">
          <FilterIcon />
        </span>
        <div className="field rl-filter-rule">
          <label htmlFor="runs-rule">Rule</label>
          <select
            id="runs-rule"
            value={params.get("rule") ?? ""}
            title={selectedRuleName ?? "All rules"}
            onChange={(event) => setFilter("rule", event.target.value)}
          >
            <option value="">All rules</option>
            {(rules.data?.results ?? []).map((rule) => (
              <option key={rule.id} value={rule.id}>
                {rule.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-status">Status</label>
          <select id="runs-status" value={params.get("status") ?? ""} onChange={(event) => setFilter("status", event.target.value)}>
            <option value="">Any status</option>
            {[...RUN_STATUSES, ...EXTRA_RUN_STATUSES].map((status) => (
              <option key={status} value={status}>
                {statusLabel(status)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-trigger">Trigger</label>
          <select id="runs-trigger" value={params.get("trigger") ?? ""} onChange={(event) => setFilter("trigger", event.target.value)}>
            <option value="">Any trigger</option>
            {RUN_TRIGGER_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="runs-from">From</label>
          <input id="runs-from" type="datetime-local" value={params.get("from") ?? ""} onChange={(event) => setFilter("from", event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="runs-to">To</label>
          <input id="runs-to" type="datetime-local" value={params.get("to") ?? ""} onChange={(event) => setFilter("to", event.target.value)} />
        </div>
        {filtered && (
          <button type="button" className="btn btn-ghost btn-small rl-filters-clear" onClick={clear}>
            Clear filters
          </button>
        )}
      </form>

      {actionError && <ErrorBanner title={actionError.title} error={actionError.error} onDismiss={() => setActionError(null)} />}

      {runs.isPending ? (
        <Loading label="Loading runs…" />
      ) : runs.isError ? (
        <ErrorBanner title="Could not load the run history" error={runs.error} onRetry={() => void runs.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={filtered ? "Nothing matches these filters" : "Nothing has run yet"} action={filtered ? <button type="button" className="btn" onClick={clear}>Clear filters</button> : undefined}>
          {filtered ? "Try another status, rule or date range." : "Runs appear here as soon as a rule triggers, or when you press Run now on a rule."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap rl-table-wrap rl-list-wrap" aria-busy={runs.isFetching && !live}>
            <table className="table rl-table rl-runs-table">
              <caption className="visually-hidden">Runs{filtered ? " (filtered)" : ""}</caption>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Run</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col" className="num">
                    Credits
                  </th>
                  <th scope="col" className="col-action">
                    <span className="visually-hidden">Controls</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((run) => (
                  <RunRow
                    key={run.run_id}
                    run={run}
                    siteId={site?.id ?? null}
                    ruleName={run.rule_name || (run.rule !== null ? ruleNames.get(run.rule) : undefined) || "deleted rule"}
                    siteName={siteName(run.site)}
                    onError={(control, error) =>
                      setActionError({
                        title: control === "rerun" ? `${run.run_id} was not run again` : `${CONTROL_LABELS[control]} failed for ${run.run_id}`,
                        error,
                      })
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            count={runs.data?.count ?? 0}
            onPage={(target) => setFilter("page", target > 1 ? String(target) : "")}
          />
        </>
      )}
    </section>
  );
}

function RunRow({
  run,
  siteId,
  ruleName,
  siteName,
  onError,
}: {
  run: Run;
  siteId: number | null;
  ruleName: string;
  siteName: string;
  onError: (control: RunControl, error: unknown) => void;
}) {
  const started = run.causation?.event && run.causation.event !== run.trigger_type ? run.causation.event : null;
  return (
    <tr data-testid="run-row" data-run-id={run.run_id} className={isActive(run.status) ? "rl-row-live" : undefined}>
      <td>
        <span className="rl-status-stack">
          <StatusBadge status={run.status} />
          <DryRunPill run={run} />
        </span>
      </td>
      <td className="rl-col-name">
        <Link to={withSite(`/runs/${run.run_id}`, siteId)} className="rl-rule-name">
          {ruleName}
        </Link>
        <span className="rl-rule-meta">
          <span className="rl-mono muted small">{run.run_id}</span>
          <span className="muted small">v{run.rule_version}</span>
          {run.attempt > 1 && <span className="rl-chip">attempt {run.attempt}</span>}
          <span className="muted small">{siteName}</span>
        </span>
        {run.error_message && <span className="rl-run-error small">{run.error_message}</span>}
      </td>
      <td data-label="Trigger">
        <span className="rl-trigger">
          <span className={`rl-trigger-icon rl-trigger-${run.trigger_type}`}>
            <TriggerIcon type={run.trigger_type} />
          </span>
          <span>
            <span>{run.trigger_type}</span>
            {started && <span className="muted small rl-block rl-mono">{started}</span>}
            {run.parent_run_id && (
              <Link className="small rl-block" to={withSite(`/runs/${run.parent_run_id}`, siteId)} title={run.parent_run_id} aria-label={`Caused by run ${run.parent_run_id}`}>
                ↖ caused by a run
              </Link>
            )}
          </span>
        </span>
      </td>
      <td className="rl-col-progress" data-label="Progress">
        <StepProgress done={run.steps_completed} total={run.steps_total} status={run.status} />
        {isActive(run.status) && run.steps_total > 0 && <span className="muted small">step {Math.min(run.current_step + 1, run.steps_total)}</span>}
      </td>
      <td data-label="Started">
        <When iso={run.started_at ?? run.created_at} />
      </td>
      <td className="num" data-label="Duration">{formatDuration(run.duration_seconds)}</td>
      <td className="num" data-label="Credits">{formatCreditsShort(run.total_credits_used)}</td>
      <td className="col-action">
        <RunControls runId={run.run_id} status={run.status} siteId={siteId} compact onError={onError} />
      </td>
    </tr>
  );
}
