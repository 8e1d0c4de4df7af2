/**
 * A run's steps laid over the graph: steps are matched to entries by `path` (every iteration of a loop
 * body shares its path), so one node may stand for many step rows.
 */
import { pendingApproval, resultOf, type FlowRunStep, type FlowStepStatus, type PendingApproval } from "../flowTypes";
import { stepPath, type EdgeStatus, type LoopProgress, type StepOverlay } from "./model";

export type StepIndex = Map<string, FlowRunStep[]>;

export function indexSteps(steps: readonly FlowRunStep[]): StepIndex {
  const byPath: StepIndex = new Map();
  for (const step of [...steps].sort((a, b) => a.index - b.index)) {
    const path = stepPath(step);
    const list = byPath.get(path);
    if (list) list.push(step);
    else byPath.set(path, [step]);
  }
  return byPath;
}

/** One status for many instances: what is moving wins, then what went wrong, then what is done. */
export function combinedStatus(counts: Partial<Record<FlowStepStatus, number>>, instances: number): FlowStepStatus {
  const has = (status: FlowStepStatus) => (counts[status] ?? 0) > 0;
  if (has("running")) return "running";
  if (has("waiting")) return "waiting";
  if (has("failed")) return "failed";
  if (has("pending")) return "pending";
  if (has("cancelled")) return "cancelled";
  if ((counts.skipped ?? 0) === instances) return "skipped";
  return "completed";
}

export function overlayOf(steps: readonly FlowRunStep[] | undefined): StepOverlay | undefined {
  if (!steps || steps.length === 0) return undefined;
  const counts: Partial<Record<FlowStepStatus, number>> = {};
  for (const step of steps) counts[step.status] = (counts[step.status] ?? 0) + 1;
  // The facts of one instance: the one that moves (or failed) if any, else the latest.
  const shown = steps.find((s) => s.status === "running" || s.status === "waiting") ?? steps.find((s) => s.status === "failed") ?? steps[steps.length - 1]!;
  const sum = (pick: (s: FlowRunStep) => number) => steps.reduce((total, s) => total + pick(s), 0);
  const many = steps.length > 1;
  return {
    status: many ? combinedStatus(counts, steps.length) : shown.status,
    attempts: shown.attempts,
    maxRetries: shown.max_retries,
    durationSeconds: many ? sum((s) => s.duration_seconds ?? 0) : shown.duration_seconds,
    credits: many ? sum((s) => Number(s.credits_used) || 0).toFixed(2) : shown.credits_used,
    inputCount: many ? sum((s) => s.input_count) : shown.input_count,
    outputCount: many ? sum((s) => s.output_count) : shown.output_count,
    error: shown.error,
    errorKind: shown.error_kind,
    instances: steps.length,
    counts,
  };
}

/** The branches an if/switch took over its instances (`then`, `else`, `cases.1`, `default`). */
export function branchesTaken(steps: readonly FlowRunStep[] | undefined): string[] {
  const taken = new Set<string>();
  for (const step of steps ?? []) {
    const branch = resultOf(step).branch;
    if (typeof branch === "string") taken.add(branch);
  }
  return [...taken];
}

/** A for_each's items done / total over its instances (a loop inside a loop runs once per outer item). */
export function loopProgress(steps: readonly FlowRunStep[] | undefined): LoopProgress | undefined {
  let found = false;
  const progress = { done: 0, total: 0, failed: 0 };
  for (const step of steps ?? []) {
    const result = resultOf(step);
    if (typeof result.items_total !== "number") continue;
    found = true;
    progress.total += result.items_total;
    progress.done += typeof result.items_done === "number" ? result.items_done : 0;
    progress.failed += typeof result.items_failed === "number" ? result.items_failed : 0;
  }
  return found ? progress : undefined;
}

/** What a wait's instances ended with: `approved`, `2 approved · 1 rejected`, `timed out`. */
export function decisionsOf(steps: readonly FlowRunStep[] | undefined): string {
  const counts = new Map<string, number>();
  for (const step of steps ?? []) {
    const output = resultOf(step).output as Record<string, unknown> | undefined;
    const decision = typeof output?.decision === "string" ? output.decision : output?.timed_out === true ? "timed_out" : null;
    if (decision) counts.set(decision, (counts.get(decision) ?? 0) + 1);
  }
  const many = (steps?.length ?? 0) > 1;
  return [...counts].map(([decision, n]) => `${many ? `${n} ` : ""}${decision.replace("_", " ")}`).join(" · ");
}

/** A parallel's branches done / total (over its instances). */
export function branchesDone(steps: readonly FlowRunStep[] | undefined): string {
  let done = 0;
  let total = 0;
  for (const step of steps ?? []) {
    const result = resultOf(step);
    if (typeof result.branches_total !== "number") continue;
    total += result.branches_total;
    done += typeof result.branches_done === "number" ? result.branches_done : 0;
  }
  return total ? `${done}/${total} branches done` : "";
}

export function approvalsOf(steps: readonly FlowRunStep[] | undefined): PendingApproval[] {
  return (steps ?? []).map(pendingApproval).filter((a): a is PendingApproval => a !== null);
}

/** The colour of the edge into a node with this overlay. */
export function edgeStatusFor(overlay: StepOverlay | undefined): EdgeStatus {
  if (!overlay) return "idle";
  switch (overlay.status) {
    case "running":
      return "active";
    case "waiting":
      return "waiting";
    case "failed":
      return "failed";
    case "completed":
      return "done";
    default:
      return "idle";
  }
}
