/** The workflow graph as data: node and edge shapes, and how entry paths become node ids. */
import type { FlowRunStatus, FlowStepStatus, PendingApproval } from "../flowTypes";

export type NodeKind =
  | "trigger"
  | "conditions"
  | "action"
  | "if"
  | "switch"
  | "for_each"
  | "parallel"
  | "wait"
  | "call_rule"
  | "stop"
  /** Where branches meet again, and the end of a loop body. */
  | "join";

export interface StepOverlay {
  status: FlowStepStatus;
  attempts: number;
  maxRetries: number;
  durationSeconds: number | null;
  credits: string;
  inputCount: number;
  outputCount: number;
  error: string;
  errorKind: string;
  /** How many step rows share this node (instances of a loop body); 1 outside loops. */
  instances: number;
  /** Instances by status, e.g. `{completed: 12, running: 1}`. */
  counts: Partial<Record<FlowStepStatus, number>>;
}

export interface LoopProgress {
  done: number;
  total: number;
  failed: number;
}

export interface FlowNodeData {
  kind: NodeKind;
  title: string;
  subtitle: string;
  /** Short facts shown under the title (`batch 20 · drain`). */
  facts: string[];
  badge?: string;
  /** Step index for top-level action nodes. */
  index?: number;
  /** The entry's static path in the actions tree (`actions/1/then/0`); absent on trigger, conditions, joins. */
  path?: string;
  /** The entry's id (given, or generated as the API does). */
  key?: string;
  /** The list the entry sits in (`actions`, `actions/1/then`) and its place there: drag-and-drop reorders within it. */
  listPath?: string;
  position?: number;
  actionType?: string;
  disabled?: boolean;
  onError?: "stop" | "continue";
  queue?: string;
  /** The run's state for this node (entries: their steps; trigger/conditions: passed once a run exists). */
  overlay?: StepOverlay;
  passed?: boolean;
  runStatus?: FlowRunStatus;
  /** In a run: a branch nobody took (not reached, drawn dimmed). */
  dimmed?: boolean;
  /** if/switch in a run: the branches taken (`then`, `else`, `cases.0`, `default`). */
  taken?: string[];
  /** for_each in a run: items done of the total (over all its instances). */
  progress?: LoopProgress;
  /** wait for approval in a run: the instances waiting for a person. */
  approvals?: PendingApproval[];
  /** wait nodes: what it waits for. */
  waitFor?: "duration" | "event" | "approval";
  /** join nodes: `all` / `any` of a parallel, `loop` for the end of a loop body. */
  joinKind?: "branches" | "all" | "any" | "loop";
  [key: string]: unknown;
}

export interface GraphNode {
  id: string;
  data: FlowNodeData;
}

export type EdgeStatus = "done" | "active" | "failed" | "idle" | "waiting" | "not-taken";

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  animated?: boolean;
  status?: EdgeStatus;
  /** A loop's back edge (end of the body → the loop node); drawn beside the body, left out of the layout. */
  loopBack?: boolean;
  /** From a fan-out to a branch's first node: the layout keeps it short (branches start side by side). */
  tight?: boolean;
  /** The edge after a `stop`: never followed. */
  unreachable?: boolean;
}

/** A for_each's body, boxed on the graph: the loop node, the body's nodes and its end. */
export interface LoopGroup {
  id: string;
  loopId: string;
  endId: string;
  label: string;
  members: string[];
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  loops: LoopGroup[];
  /** Left-to-right order of branches (their first nodes), for the layout: then before else, case 1 before case 2. */
  order: { left: string; right: string }[];
  /** Drawn from the run's `program` (not the rule being edited): nodes can't be reordered then. */
  fromRun: boolean;
}

/** `actions/3` → `step-3` (as before issue 14); `actions/1/then/0` → `step-1-then-0`. */
export function nodeIdForPath(path: string): string {
  const parts = path.split("/");
  if (parts[0] === "actions") parts.shift();
  return `step-${parts.join("-")}`;
}

/** The path of a run step: its `path`, or `actions/<index>` from an API without control flow. */
export function stepPath(step: { path?: string | null; index: number }): string {
  return step.path || `actions/${step.index}`;
}

/** `actions/1/then/0` → list `actions/1/then`, position 0. */
export function splitPath(path: string): { list: string; position: number } {
  const at = path.lastIndexOf("/");
  return { list: path.slice(0, at), position: Number(path.slice(at + 1)) };
}
