/**
 * The details of a clicked node: the trigger (and the run's payload), the conditions, or an entry of the
 * actions tree (its definition; in a run: every instance's status, the chosen one's result, error and log).
 */
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { withSite } from "../../shell/site";
import { useRunLogs } from "../api";
import type { FlowEntry, FlowRunDetail, FlowRunStep } from "../flowTypes";
import type { RuleShape } from "../graph";
import { XIcon } from "../icons";
import { exactTime, formatCreditsShort, formatDuration, JsonBlock, StatusBadge } from "../ui";
import { stepPath, type FlowNodeData } from "./model";
import { branchLabel } from "./nodes";

interface Props {
  node: FlowNodeData;
  id: string;
  rule: RuleShape;
  run: FlowRunDetail | null;
  entry: FlowEntry | undefined;
  onClose: () => void;
  /** Move the entry up or down its list (the keyboard's way to reorder on the graph). */
  onMove?: (direction: -1 | 1) => void;
  canMove?: { up: boolean; down: boolean };
}

export function NodeDetails({ node, id, rule, run, entry, onClose, onMove, canMove }: Props) {
  const instances = run && node.path ? run.steps.filter((s) => stepPath(s) === node.path) : [];
  const heading = node.kind === "trigger" ? "Trigger" : node.kind === "conditions" ? "Conditions" : (node.badge ?? node.key ?? node.kind);
  return (
    <aside className="rl-node-details" aria-label={`Details: ${node.title}`} data-testid="node-details">
      <header>
        <div>
          <span className="muted small">{heading}</span>
          <h3>{node.title}</h3>
        </div>
        <button type="button" className="btn btn-small btn-ghost btn-icon-sm" onClick={onClose} aria-label="Close details">
          <XIcon />
        </button>
      </header>
      {node.kind === "trigger" && (
        <>
          <dl className="rl-facts">
            <dt>Type</dt>
            <dd>{rule.trigger.type}</dd>
            <dt>Summary</dt>
            <dd>{node.subtitle}</dd>
          </dl>
          {run && (
            <>
              <h4>This run</h4>
              <dl className="rl-facts">
                <dt>Started by</dt>
                <dd>{run.causation?.event || run.trigger_type}</dd>
                <dt>Root event</dt>
                <dd>{run.causation?.root_event || "–"}</dd>
                <dt>Depth</dt>
                <dd>{run.causation?.depth ?? 0}</dd>
              </dl>
              <h4>Trigger payload</h4>
              <JsonBlock value={run.trigger_payload} maxHeight={260} label="Trigger payload" />
            </>
          )}
        </>
      )}
      {node.kind === "conditions" && (
        <>
          <p className="small">{node.subtitle}</p>
          <JsonBlock value={rule.conditions} maxHeight={260} label="Conditions (JSONLogic)" />
          {run && <p className="muted small">The conditions passed: the run was started.</p>}
        </>
      )}
      {node.path && (
        <EntryDetails node={node} entry={entry} run={run} instances={instances} />
      )}
      {onMove && canMove && (canMove.up || canMove.down) && (
        <div className="rl-node-move" role="group" aria-label="Reorder">
          <button type="button" className="btn btn-small" disabled={!canMove.up} onClick={() => onMove(-1)} data-testid="node-move-up">
            ↑ Move up
          </button>
          <button type="button" className="btn btn-small" disabled={!canMove.down} onClick={() => onMove(1)} data-testid="node-move-down">
            ↓ Move down
          </button>
        </div>
      )}
      <span className="visually-hidden">{id}</span>
    </aside>
  );
}

function EntryDetails({ node, entry, run, instances }: { node: FlowNodeData; entry: FlowEntry | undefined; run: FlowRunDetail | null; instances: FlowRunStep[] }) {
  const preferred = instances.findIndex((s) => s.status === "running" || s.status === "waiting" || s.status === "failed");
  const [chosen, setChosen] = useState<number | null>(null);
  const index = chosen ?? (preferred >= 0 ? preferred : instances.length - 1);
  const step = instances[index];
  const isAction = node.kind === "action";
  const [search] = useSearchParams();
  const result = (step?.result ?? null) as Record<string, unknown> | null;
  const child = typeof result?.child_run_id === "string" ? result.child_run_id : null;
  return (
    <>
      <dl className="rl-facts">
        <dt>{isAction ? "Action" : "Block"}</dt>
        <dd className="rl-mono">{node.actionType}</dd>
        <dt>Id</dt>
        <dd className="rl-mono">{node.key}</dd>
        {isAction && (
          <>
            <dt>If it fails</dt>
            <dd>{node.onError === "continue" ? "continue with the next step" : "stop the run"}</dd>
          </>
        )}
        {node.taken && node.taken.length > 0 && (
          <>
            <dt>Branch taken</dt>
            <dd data-testid="details-branch">{node.taken.map(branchLabel).join(", ")}</dd>
          </>
        )}
        {node.progress && (
          <>
            <dt>Items</dt>
            <dd>
              {node.progress.done}/{node.progress.total} done{node.progress.failed ? `, ${node.progress.failed} failed` : ""}
            </dd>
          </>
        )}
        {step && (
          <>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={step.status} size="small" />
            </dd>
            <dt>Attempts</dt>
            <dd>
              {step.attempts}{" "}
              <span className="muted small">
                ({step.max_retries} retr{step.max_retries === 1 ? "y" : "ies"} allowed)
              </span>
            </dd>
            <dt>Started</dt>
            <dd>{exactTime(step.started_at)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(step.duration_seconds)}</dd>
            <dt>Items</dt>
            <dd>
              {step.input_count} in → {step.output_count} out
            </dd>
            <dt>Credits</dt>
            <dd>{formatCreditsShort(step.credits_used)}</dd>
          </>
        )}
        {child && (
          <>
            <dt>Child run</dt>
            <dd>
              <Link to={withSite(`/runs/${child}`, Number(search.get("site")) || null)} className="rl-mono" data-testid="details-child-run">
                {child}
              </Link>
            </dd>
          </>
        )}
      </dl>
      {instances.length > 1 && (
        <>
          <h4>Runs of this step ({instances.length})</h4>
          <ol className="rl-instances" data-testid="node-instances">
            {instances.map((s, i) => (
              <li key={s.key}>
                <button type="button" className={`btn-link rl-mono${i === index ? " rl-selected" : ""}`} aria-pressed={i === index} onClick={() => setChosen(i)}>
                  {s.key}
                </button>
                <StatusBadge status={s.status} size="small" />
              </li>
            ))}
          </ol>
        </>
      )}
      {step?.error && (
        <div className="rl-step-error" role="alert">
          <strong>{step.error_kind ? `${step.error_kind} error` : "Error"}</strong>
          <p className="rl-mono small">{step.error}</p>
        </div>
      )}
      {step && step.result !== null && step.result !== undefined && (
        <>
          <h4>Result{instances.length > 1 ? ` of ${step.key}` : ""}</h4>
          <JsonBlock value={step.result} maxHeight={220} label="Step result" />
        </>
      )}
      <h4>{isAction ? "Parameters" : "Definition"}</h4>
      <JsonBlock value={isAction ? (step?.params ?? entry?.params ?? {}) : definition(entry)} maxHeight={200} label={isAction ? "Step parameters" : "Block definition"} />
      {run && step && (
        <StepLog
          runId={run.run_id}
          step={step.index}
          live={step.status === "running" || step.status === "waiting" || run.status === "running"}
          version={`${run.status}:${run.attempt}:${step.status}:${step.attempts}`}
        />
      )}
      {run && !step && <p className="muted small">Not reached in this run.</p>}
      {!run && <p className="muted small">Run the rule to see this step's status, result and log here.</p>}
    </>
  );
}

/** A block without its nested lists (those are the nodes below it). */
function definition(entry: FlowEntry | undefined): unknown {
  if (!entry) return {};
  const { then: _t, else: _e, do: _d, default: _f, branches, cases, ...rest } = entry;
  return {
    ...rest,
    ...(cases ? { cases: cases.map((c) => ({ condition: c.condition })) } : {}),
    ...(branches ? { branches: branches.length } : {}),
  };
}

function StepLog({ runId, step, live, version }: { runId: string; step: number; live: boolean; version: string }) {
  const logs = useRunLogs(runId, step, live);
  const { refetch } = logs;
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  return (
    <>
      <h4>Log</h4>
      {logs.isPending ? (
        <p className="muted small">Loading…</p>
      ) : logs.isError ? (
        <p className="rl-field-error">Could not load the log.</p>
      ) : logs.data.length === 0 ? (
        <p className="muted small">No log lines for this step yet.</p>
      ) : (
        <ol className="rl-log rl-log-compact" data-testid="step-log">
          {logs.data.map((line) => (
            <li key={line.id} className={`rl-log-${line.level}`}>
              <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>
              <span className="rl-log-msg">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
