/**
 * The workflow graph of a rule, as data: trigger → conditions → actions in order, with a run's step
 * states laid over the action nodes. `buildGraph` is pure; `layoutGraph` places the nodes with
 * dagre. The visualizer component only draws what these return.
 */
import dagre from "@dagrejs/dagre";

import type { ActionStep, ActionType, JsonLogic, RunDetail, RunStatus, RunStep, StepStatus, Trigger } from "./types";

export type NodeKind = "trigger" | "conditions" | "action";

export interface StepOverlay {
  status: StepStatus;
  attempts: number;
  maxRetries: number;
  durationSeconds: number | null;
  credits: string;
  inputCount: number;
  outputCount: number;
  error: string;
  errorKind: string;
}

export interface FlowNodeData {
  kind: NodeKind;
  title: string;
  subtitle: string;
  /** Short facts shown under the title (`batch 20 · drain`). */
  facts: string[];
  badge?: string;
  /** Step index for action nodes. */
  index?: number;
  actionType?: string;
  disabled?: boolean;
  onError?: "stop" | "continue";
  queue?: string;
  /** The run's state for this node (actions: the step; trigger/conditions: passed once a run exists). */
  overlay?: StepOverlay;
  passed?: boolean;
  runStatus?: RunStatus;
  [key: string]: unknown;
}

export interface GraphNode {
  id: string;
  data: FlowNodeData;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  animated?: boolean;
  status?: "done" | "active" | "failed" | "idle";
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface RuleShape {
  trigger: Trigger;
  conditions: JsonLogic | null;
  actions: ActionStep[];
  trigger_summary?: string;
}

const HIDDEN_FACT_PARAMS = new Set(["stage", "handover_from", "enabled"]);

/** Build the graph of a rule, optionally with the state of one of its runs. */
export function buildGraph(rule: RuleShape, run?: RunDetail | null, catalog: readonly ActionType[] = []): GraphModel {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const byType = new Map(catalog.map((a) => [a.type, a]));

  nodes.push({ id: "trigger", data: triggerNode(rule, run) });
  let previous = "trigger";

  if (rule.conditions) {
    nodes.push({
      id: "conditions",
      data: {
        kind: "conditions",
        title: "Conditions",
        subtitle: describeLogic(rule.conditions, 90),
        facts: [],
        passed: run ? true : undefined,
      },
    });
    edges.push(edge(previous, "conditions", run ? "done" : "idle"));
    previous = "conditions";
  }

  const steps = stepsFor(rule.actions, run);
  steps.forEach((step, index) => {
    const id = `step-${index}`;
    const action = byType.get(step.type);
    const overlay = run ? overlayFor(run.steps, index) : undefined;
    const facts = paramFacts(step.params);
    if (step.retry && step.retry.max > 0) facts.push(`retry ×${step.retry.max}`);
    if (step.timeout) facts.push(`timeout ${step.timeout}s`);
    const stage = step.params?.stage;
    nodes.push({
      id,
      data: {
        kind: "action",
        title: step.name || action?.name || step.type,
        subtitle: step.type,
        facts: facts.slice(0, 4),
        badge: typeof stage === "number" ? `Stage ${stage}` : `Step ${index + 1}`,
        index,
        actionType: step.type,
        disabled: step.params?.enabled === false,
        onError: step.on_error ?? "stop",
        queue: action?.queue,
        overlay,
        runStatus: run?.status,
      },
    });
    const handover = step.params?.handover_from;
    edges.push({
      ...edge(previous, id, edgeStatus(run, overlay)),
      label: typeof handover === "string" ? "after queue drains" : index > 0 && steps[index - 1]?.on_error === "continue" ? "always" : undefined,
    });
    previous = id;
  });
  return { nodes, edges };
}

function edge(source: string, target: string, status: GraphEdge["status"]): GraphEdge {
  return { id: `${source}->${target}`, source, target, status, animated: status === "active" };
}

function edgeStatus(run: RunDetail | null | undefined, overlay: StepOverlay | undefined): GraphEdge["status"] {
  if (!run || !overlay) return "idle";
  if (overlay.status === "running") return "active";
  if (overlay.status === "failed") return "failed";
  if (overlay.status === "completed") return "done";
  return "idle";
}

/** The run's steps describe what actually ran; use them when the rule changed since. */
function stepsFor(actions: readonly ActionStep[], run: RunDetail | null | undefined): ActionStep[] {
  if (!run || run.steps.length === 0) return [...actions];
  const sorted = [...run.steps].sort((a, b) => a.index - b.index);
  const same = sorted.length === actions.length && sorted.every((s, i) => s.action_type === actions[i]?.type);
  if (same) return [...actions];
  return sorted.map((s) => ({
    type: s.action_type,
    name: s.name || undefined,
    params: (s.params as Record<string, unknown>) ?? {},
    on_error: s.on_error === "continue" ? "continue" : "stop",
    retry: s.max_retries ? { max: s.max_retries, backoff: 0 } : undefined,
    timeout: s.timeout,
  }));
}

function overlayFor(steps: readonly RunStep[], index: number): StepOverlay | undefined {
  const step = steps.find((s) => s.index === index);
  if (!step) return undefined;
  return {
    status: step.status,
    attempts: step.attempts,
    maxRetries: step.max_retries,
    durationSeconds: step.duration_seconds,
    credits: step.credits_used,
    inputCount: step.input_count,
    outputCount: step.output_count,
    error: step.error,
    errorKind: step.error_kind,
  };
}

function triggerNode(rule: RuleShape, run: RunDetail | null | undefined): FlowNodeData {
  const t = rule.trigger;
  const facts: string[] = [];
  let title = "Manual";
  let subtitle = "Run now, or from the API";
  if (t.type === "schedule") {
    title = "Schedule";
    subtitle = rule.trigger_summary || `${t.cron ?? ""}${t.timezone ? ` (${t.timezone})` : ""}`;
    if (t.cron) facts.push(t.cron);
  } else if (t.type === "event") {
    title = "Event";
    subtitle = t.event || "no event chosen";
    if (t.fields?.length) facts.push(`when ${t.fields.join(", ")} change`);
  } else if (t.type === "webhook") {
    title = "Webhook";
    subtitle = "Signed POST to the hook URL";
  }
  if (run) {
    const started = run.causation?.event || run.trigger_type;
    facts.unshift(`this run: ${started}`);
  }
  return { kind: "trigger", title, subtitle, facts, passed: run ? true : undefined, runStatus: run?.status };
}

/** A few readable facts from params: `batch 20`, `drain`, `url: https://…`. */
export function paramFacts(params: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (HIDDEN_FACT_PARAMS.has(key)) continue;
    if (value === true) out.push(key.replace(/_/g, " "));
    else if (value === false || value === null || value === undefined || value === "") continue;
    else if (typeof value === "number") out.push(`${key.replace(/_/g, " ")} ${value}`);
    else if (typeof value === "string") out.push(`${key}: ${truncate(value, 40)}`);
    else if (Array.isArray(value)) out.push(`${key}: ${value.length} item${value.length === 1 ? "" : "s"}`);
    else out.push(`${key}: {…}`);
  }
  return out;
}

// --- conditions as text ---------------------------------------------------------------------------

const INFIX: Record<string, string> = { "==": "=", "===": "=", "!=": "≠", "!==": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤" };

/** `{"and": [{">": [{"var": "object.volume"}, 1000]}, …]}` → `object.volume > 1000 and …`. */
export function describeLogic(logic: unknown, max = 200): string {
  return truncate(text(logic, true), max);
}

function text(node: unknown, top = false): string {
  if (node === null) return "null";
  if (typeof node === "string") return JSON.stringify(node);
  if (typeof node !== "object") return String(node);
  if (Array.isArray(node)) return `[${node.map((n) => text(n)).join(", ")}]`;
  const [op, raw] = Object.entries(node)[0] ?? ["", []];
  const args = Array.isArray(raw) ? raw : [raw];
  if (op === "var") return String(args[0] ?? "");
  if (op === "and" || op === "or") {
    const inner = args.map((a) => text(a)).join(` ${op} `);
    return top ? inner : `(${inner})`;
  }
  if (op === "!") return `not ${text(args[0])}`;
  if (op === "!!") return `${text(args[0])} is set`;
  if (op in INFIX && args.length === 2) return `${text(args[0])} ${INFIX[op]} ${text(args[1])}`;
  if ((op === "<" || op === "<=") && args.length === 3) return `${text(args[1])} between ${text(args[0])} and ${text(args[2])}`;
  if (op === "in" && args.length === 2) {
    return Array.isArray(args[1]) ? `${text(args[0])} in ${text(args[1])}` : `${text(args[1])} contains ${text(args[0])}`;
  }
  return `${op}(${args.map((a) => text(a)).join(", ")})`;
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

// --- layout --------------------------------------------------------------------------------------

export const NODE_WIDTH = 300;
export const NODE_HEIGHTS: Record<NodeKind, number> = { trigger: 92, conditions: 84, action: 112 };
export const RUN_EXTRA_HEIGHT = 30;

export interface Positioned extends GraphNode {
  position: { x: number; y: number };
  width: number;
  height: number;
}

export function nodeHeight(node: GraphNode): number {
  return NODE_HEIGHTS[node.data.kind] + (node.data.overlay ? RUN_EXTRA_HEIGHT : 0);
}

/** Top-left positions from dagre (top to bottom by default), plus the size of the whole drawing. */
export function layoutGraph(model: GraphModel, direction: "TB" | "LR" = "TB") {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 40, ranksep: 44, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of model.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: nodeHeight(node) });
  for (const e of model.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const nodes: Positioned[] = model.nodes.map((node) => {
    const box = g.node(node.id);
    const height = nodeHeight(node);
    return { ...node, width: NODE_WIDTH, height, position: { x: box.x - NODE_WIDTH / 2, y: box.y - height / 2 } };
  });
  const graph = g.graph();
  return { nodes, edges: model.edges, width: graph.width ?? NODE_WIDTH, height: graph.height ?? 200 };
}
