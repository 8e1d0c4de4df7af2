/** A run's causation chain: the root event, the rules on the way (and the parent run), and the runs it caused. */
import { Link } from "react-router";

import { withSite } from "../shell/site";
import type { FlowRunDetail } from "../rules/flowTypes";
import { StatusBadge } from "../rules/ui";

export function Causation({ run, siteId, ruleNames }: { run: FlowRunDetail; siteId: number | null; ruleNames: Map<number, string> }) {
  const c = run.causation ?? {};
  const path = c.rule_path ?? [];
  return (
    <div className="rl-causation" data-testid="causation">
      <ol className="rl-chain">
        <li>
          <span className="rl-chain-kind">Root event</span>
          {rerunOf(c.root_event) ? (
            <span>
              Re-run of{" "}
              <Link to={withSite(`/runs/${rerunOf(c.root_event)}`, siteId)} className="rl-mono" data-testid="rerun-of">
                {rerunOf(c.root_event)}
              </Link>
            </span>
          ) : (
            <span className="rl-mono">{describeRoot(c.root_event, run.trigger_type)}</span>
          )}
        </li>
        {path.map((ruleId, index) => (
          <li key={`${ruleId}-${index}`}>
            <span className="rl-chain-kind">Rule</span>
            <Link to={withSite(`/rules/${ruleId}`, siteId)}>{ruleNames.get(ruleId) ?? `rule #${ruleId}`}</Link>
            {index === path.length - 1 && run.parent_run_id && (
              <Link to={withSite(`/runs/${run.parent_run_id}`, siteId)} className="rl-mono small rl-block" data-testid="parent-run">
                ↖ run {run.parent_run_id}
              </Link>
            )}
          </li>
        ))}
        {c.event && c.event !== c.root_event && (
          <li>
            <span className="rl-chain-kind">Event</span>
            <span className="rl-mono">{c.event}</span>
          </li>
        )}
        <li className="rl-chain-this">
          <span className="rl-chain-kind">This run</span>
          <span>
            {run.rule_name} <span className="muted small">(depth {c.depth ?? 0})</span>
          </span>
        </li>
      </ol>
      {run.parent_run_id && path.length === 0 && (
        <p className="small">
          Caused by run{" "}
          <Link to={withSite(`/runs/${run.parent_run_id}`, siteId)} className="rl-mono" data-testid="parent-run">
            {run.parent_run_id}
          </Link>
        </p>
      )}
      <h3 className="rl-subhead">Runs this run caused</h3>
      {run.child_runs.length === 0 ? (
        <p className="muted small">None: no other rule triggered from this run's changes.</p>
      ) : (
        <ul className="rl-children" data-testid="child-runs">
          {run.child_runs.map((child) => (
            <li key={child.run_id}>
              <Link to={withSite(`/runs/${child.run_id}`, siteId)} className="rl-mono small">
                {child.run_id}
              </Link>
              <span className="small">{child.rule_name}</span>
              <StatusBadge status={child.status} size="small" />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** `rerun:<run_id>` → the run this one re-ran. */
export function rerunOf(root: string | undefined): string | null {
  return /^rerun:(\S+)$/.exec(root ?? "")?.[1] ?? null;
}

/** `manual:5` → "Run now (rule #5)"; event names stay as they are. */
export function describeRoot(root: string | undefined, triggerType: string): string {
  if (!root) return triggerType;
  const match = /^(manual|webhook|schedule|scheduled):(\d+)$/.exec(root);
  if (!match) return root;
  const kind = match[1] === "manual" ? "Run now" : match[1] === "webhook" ? "Webhook call" : "Schedule";
  return `${kind} (rule #${match[2]})`;
}
