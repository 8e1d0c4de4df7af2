/**
 * A run's steps: one row per entry instance reached (a loop body's steps once per item, keyed
 * `publish@3`), indented by nesting, with a waiting approval's Approve / Reject in its row.
 */
import { nodeIdForPath, stepPath } from "../rules/graph";
import { pendingApproval, resultOf, type FlowRunDetail, type FlowRunStep } from "../rules/flowTypes";
import { formatCreditsShort, formatDuration, StatusBadge } from "../rules/ui";
import { ApprovalForm } from "./ApprovalForm";
import { DryRunStepNote } from "./DryRun";

interface Props {
  run: FlowRunDetail;
  selected: string | null;
  onSelect: (nodeId: string) => void;
}

/** `actions/1/do/0` → 1 (how deep the entry sits in the tree). */
export function depthOf(path: string): number {
  return path.split("/").filter((part) => /^(then|else|do|default|branches)$/.test(part)).length;
}

/** What a control step decided, in a few words (`took else`, `12/40 items`, `approved`). */
export function stepOutcome(step: FlowRunStep): string {
  const result = resultOf(step);
  if (typeof result.branch === "string") {
    const match = /^cases\.(\d+)$/.exec(result.branch);
    return `took ${match ? `case ${Number(match[1]) + 1}` : result.branch}`;
  }
  if (typeof result.items_total === "number") return `${result.items_done ?? 0}/${result.items_total} items${result.items_failed ? `, ${result.items_failed} failed` : ""}`;
  if (typeof result.branches_total === "number") return `${result.branches_done ?? 0}/${result.branches_total} branches`;
  const output = result.output as Record<string, unknown> | undefined;
  if (output && typeof output.decision === "string") return `${output.decision.replace("_", " ")}${typeof output.note === "string" && output.note ? `: “${output.note}”` : ""}`;
  if (typeof result.skip_reason === "string") return result.skip_reason;
  return "";
}

export function StepsTable({ run, selected, onSelect }: Props) {
  const steps = [...run.steps].sort((a, b) => a.index - b.index);
  return (
    <div className="rl-table-wrap">
      <table className="rl-mini-table rl-steps-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              In → out
            </th>
            <th scope="col" className="num">
              Credits
            </th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step) => {
            const nodeId = nodeIdForPath(stepPath(step));
            const approval = pendingApproval(step);
            const outcome = stepOutcome(step);
            const depth = depthOf(stepPath(step));
            return (
              <tr
                key={`${step.index}-${step.key}`}
                className={`rl-step-row-${step.status}${selected === nodeId ? " rl-selected" : ""}`}
                data-testid="step-row"
                data-key={step.key}
                data-status={step.status}
              >
                <td>{step.index + 1}</td>
                <td>
                  <div className="rl-step-cell" style={depth ? { paddingLeft: `${Math.min(depth, 6) * 0.9}rem` } : undefined}>
                    <button
                      type="button"
                      className="btn-link"
                      onClick={() => {
                        onSelect(nodeId);
                        document.getElementById("workflow-title")?.scrollIntoView({ block: "start", behavior: "smooth" });
                      }}
                    >
                      {step.name || step.action_type}
                    </button>
                    <span className="rl-mono muted small rl-block">
                      {step.action_type}
                      {step.key && step.key !== `step-${step.index + 1}` ? ` · ${step.key}` : ""}
                    </span>
                    {outcome && (
                      <span className="small rl-block rl-step-outcome" data-testid={`step-outcome-${step.key}`}>
                        {outcome}
                      </span>
                    )}
                    <DryRunStepNote result={step.result} stepKey={step.key} />
                    {step.error && <span className="rl-run-error small rl-block">{step.error}</span>}
                    {approval && <ApprovalForm runId={run.run_id} stepKey={approval.key} prompt={approval.prompt} until={approval.until} place="steps" />}
                  </div>
                </td>
                <td>
                  <StatusBadge status={step.status} size="small" />
                </td>
                <td className="num" title={`${step.max_retries} retr${step.max_retries === 1 ? "y" : "ies"} allowed per run attempt`}>
                  {step.attempts}
                </td>
                <td className="num">{formatDuration(step.duration_seconds)}</td>
                <td className="num">
                  {step.input_count} → {step.output_count}
                </td>
                <td className="num">{formatCreditsShort(step.credits_used)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
