/**
 * "Why didn't it fire": the rule's recent triggers that were dropped (conditions, mode or a full queue, loop
 * guard, limits, credits, condition errors), with the reason; a shadow rule's triggers say what it would have
 * done and cost.
 */
import { useState } from "react";
import { Link } from "react-router";

import { ErrorBanner } from "../../shell/ErrorBanner";
import { withSite } from "../../shell/site";
import { Loading } from "../../shell/states";
import { approxCredits } from "../backtest";
import { useRuleTriggers } from "../api";
import type { TriggerRecord } from "../types";
import { exactTime, StatusBadge, When } from "../ui";

const EXPLAIN: Record<string, string> = {
  dropped_conditions: "The conditions were false for this trigger.",
  dropped_mode: "A run was already active and the rule's mode dropped this one.",
  queue_full: "The queue was full: “max runs” runs were already running or waiting, so this trigger was dropped. Raise max runs, or let the queue drain.",
  dropped_loop: "The loop guard stopped it: the rule would re-trigger itself, or the causation chain is too deep.",
  dropped_limit: "A limit stopped it: the account's limit on active runs, or the fan-out limit on runs one event may start.",
  refused_credits: "The account's available credits did not cover what the run would reserve, so no run was made.",
  condition_error: "The conditions could not be evaluated (a missing field or a wrong type). Fix the conditions, or test them with this object.",
  shadow: "Shadow mode: the rule would have run here. Nothing was executed or charged.",
};

/** The outcome a person reads: a mode drop because the queue was full is its own case. */
export function displayOutcome(record: Pick<TriggerRecord, "outcome" | "reason">): string {
  if (record.outcome === "dropped_mode" && /^queue full/i.test(record.reason ?? "")) return "queue_full";
  return record.outcome;
}

interface Props {
  ruleId: number;
  /** A shadow rule: its triggers are what it would have done, so all of them show first. */
  shadow?: boolean;
  siteId: number | null;
  /** Open the test panel with this object (for condition drops and errors). */
  onTestObject: (objectId: number) => void;
}

export function TriggersPanel({ ruleId, shadow = false, siteId, onTestObject }: Props) {
  const [outcome, setOutcome] = useState<"dropped" | "all">(shadow ? "all" : "dropped");
  const [page, setPage] = useState(1);
  const records = useRuleTriggers(ruleId, outcome, page);
  const data = records.data;

  return (
    <div className="rl-why">
      <div className="rl-why-head">
        <p className="muted">
          Every trigger of this rule is listed with its outcome. When a rule didn't run, the reason is here (condition
          drops are worked out from the event journal's newest events the rule listened to).
          {shadow && " This rule is in shadow mode: its triggers record what it would have done and cost, and execute nothing."}
        </p>
        <div className="rl-segmented" role="group" aria-label="Which triggers">
          <button
            type="button"
            aria-pressed={outcome === "dropped"}
            onClick={() => {
              setOutcome("dropped");
              setPage(1);
            }}
          >
            Dropped
          </button>
          <button
            type="button"
            aria-pressed={outcome === "all"}
            onClick={() => {
              setOutcome("all");
              setPage(1);
            }}
          >
            All triggers
          </button>
        </div>
      </div>
      {records.isPending ? (
        <Loading label="Loading triggers…" />
      ) : records.isError ? (
        <ErrorBanner title="Could not load the triggers" error={records.error} onRetry={() => void records.refetch()} />
      ) : !data || data.results.length === 0 ? (
        <div className="rl-why-empty">
          <strong>{outcome === "dropped" ? "Nothing was dropped." : "No triggers yet."}</strong>
          <p className="muted small">
            {outcome === "dropped"
              ? "Every recorded trigger of this rule started (or queued) a run."
              : "When the rule's trigger happens, it shows up here, whether it ran or not."}
          </p>
        </div>
      ) : (
        <>
          <table className="rl-mini-table rl-why-table" aria-label={outcome === "dropped" ? "Dropped triggers" : "Triggers"}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Trigger</th>
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.results.map((record) => (
                <Row key={record.id ?? `event-${record.event_id}`} record={record} siteId={siteId} onTestObject={onTestObject} />
              ))}
            </tbody>
          </table>
          {(data.next || data.previous) && (
            <div className="rl-pager">
              <button type="button" className="btn btn-small" disabled={!data.previous} onClick={() => setPage(page - 1)}>
                Newer
              </button>
              <span className="muted small">Page {page}</span>
              <button type="button" className="btn btn-small" disabled={!data.next} onClick={() => setPage(page + 1)}>
                Older
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function Row({ record, siteId, onTestObject }: { record: TriggerRecord; siteId: number | null; onTestObject: (id: number) => void }) {
  const dropped = !["started", "queued", "shadow"].includes(record.outcome);
  const credits = record.estimated_credits;
  const outcome = displayOutcome(record);
  const chain = record.causation?.rule_path?.length ? `via rules ${record.causation.rule_path.join(" → ")}` : "";
  return (
    <tr data-testid="trigger-record" className={dropped ? "rl-why-dropped" : undefined}>
      <td title={exactTime(record.at)}>
        <When iso={record.at} />
      </td>
      <td>
        <span className="rl-mono small">{record.event || record.trigger_type}</span>
        {record.object_type === "content" && record.object_id !== null ? (
          <Link className="small rl-block" to={withSite(`/content/${record.object_id}`, siteId)} data-testid="trigger-object-link">
            content #{record.object_id}
          </Link>
        ) : (
          record.object_type && (
            <span className="muted small rl-block">
              {record.object_type} #{record.object_id}
            </span>
          )
        )}
        {chain && <span className="muted small rl-block">{chain}</span>}
      </td>
      <td>
        <StatusBadge status={outcome} size="small" />
      </td>
      <td className="rl-why-reason">
        <span>{record.reason || (record.outcome === "shadow" ? "Would have run." : dropped ? "" : "Started a run.")}</span>
        {record.outcome === "shadow" && credits !== null && credits !== undefined && (
          <span className="rl-block small" data-testid="shadow-credits">
            The run would have cost {approxCredits(credits)}.
          </span>
        )}
        {EXPLAIN[outcome] && <span className="muted small rl-block">{EXPLAIN[outcome]}</span>}
      </td>
      <td className="rl-nowrap">
        {record.run_id && (
          <Link to={withSite(`/runs/${record.run_id}`, siteId)} className="btn btn-small btn-ghost">
            Open run
          </Link>
        )}
        {(record.outcome === "dropped_conditions" || record.outcome === "condition_error") && record.object_id !== null && (
          <button type="button" className="btn btn-small" onClick={() => onTestObject(record.object_id as number)}>
            Test with this {record.object_type || "object"}
          </button>
        )}
      </td>
    </tr>
  );
}
