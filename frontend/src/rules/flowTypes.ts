/**
 * Issue 14's control flow as the web app reads it: an entry of a rule's `actions` tree (actions and
 * control blocks), and a run with its `program` and the statuses the control flow adds. Written so the
 * generated schema types (whatever they call `unknown`) fit into these without casts.
 */
import type { JsonLogic, RetryPolicy, RunDetail, RunStatus, RunStep, StepStatus } from "./types";

export interface SwitchCase {
  condition?: unknown;
  do?: readonly FlowEntry[];
}

/** One entry of `actions` (or of a nested list): an action, or a control block. Every field is optional but `type`. */
export interface FlowEntry {
  type: string;
  id?: string;
  name?: string;
  if?: JsonLogic | null;
  // actions
  params?: Record<string, unknown>;
  on_error?: "stop" | "continue";
  retry?: RetryPolicy;
  timeout?: number | null;
  // if / switch
  condition?: unknown;
  then?: readonly FlowEntry[];
  else?: readonly FlowEntry[];
  cases?: readonly SwitchCase[];
  default?: readonly FlowEntry[];
  // for_each
  items?: unknown;
  as?: string;
  concurrency?: number | null;
  do?: readonly FlowEntry[];
  // parallel
  branches?: readonly (readonly FlowEntry[])[];
  join?: "all" | "any";
  // wait
  for?: "duration" | "event" | "approval";
  seconds?: number | null;
  event?: string;
  prompt?: string;
  // call_rule
  rule?: number | string | null;
  payload?: Record<string, unknown> | null;
  wait?: boolean;
  // stop
  status?: string;
  message?: string;
}

export type FlowRunStatus = RunStatus | "completed_with_errors";
export type FlowStepStatus = StepStatus | "waiting";

export type FlowRunStep = Omit<RunStep, "status"> & { status: FlowStepStatus };

/** A run as the contract of issue 14 describes it (`program`, `completed_with_errors`, `waiting` steps). */
export type FlowRunDetail = Omit<RunDetail, "status" | "steps" | "program"> & {
  status: FlowRunStatus;
  steps: readonly FlowRunStep[];
  program?: unknown;
};

/** The actions tree the run used, when the API sent it (a rule always has a step: empty means none sent). */
export function programOf(run: FlowRunDetail | null | undefined): readonly FlowEntry[] | null {
  const program = run?.program;
  return Array.isArray(program) && program.length > 0 ? (program as FlowEntry[]) : null;
}

/** What a wait step's result says while it waits (`result.wait`), and its output when done. */
export interface WaitInfo {
  for?: "duration" | "event" | "approval";
  prompt?: string;
  event?: string;
  until?: string;
}

export function resultOf(step: Pick<FlowRunStep, "result"> | undefined): Record<string, unknown> {
  const result = step?.result;
  return result && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
}

export function waitInfo(step: Pick<FlowRunStep, "result"> | undefined): WaitInfo | null {
  const wait = resultOf(step).wait;
  return wait && typeof wait === "object" ? (wait as WaitInfo) : null;
}

/** A step waiting for a person: its key (with `@i` inside loops) and prompt. */
export interface PendingApproval {
  key: string;
  prompt: string;
  until?: string;
}

export function pendingApproval(step: FlowRunStep): PendingApproval | null {
  if (step.status !== "waiting") return null;
  const wait = waitInfo(step);
  if (wait?.for !== "approval") return null;
  return { key: step.key, prompt: wait.prompt ?? "", until: wait.until };
}
