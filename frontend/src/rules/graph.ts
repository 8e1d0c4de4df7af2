/**
 * The workflow graph of a rule, as data: trigger → conditions → the actions tree (control blocks fan
 * out into branches, loops box their body), with a run's step states laid over the entry nodes.
 * `buildGraph` is pure; `layoutGraph` places the nodes with dagre. The visualizer only draws what these
 * return. The blocks live in `graph/` (blocks.ts: the tree walk; overlay.ts: the run; layout.ts).
 */
import { programOf, type FlowEntry, type FlowRunDetail } from "./flowTypes";
import { buildList, ROOT_SCOPE, type BuildContext } from "./graph/blocks";
import { describeLogic } from "./graph/describe";
import type { FlowNodeData, GraphModel } from "./graph/model";
import { indexSteps } from "./graph/overlay";
import type { ActionType, JsonLogic, Trigger } from "./types";

export { describeLogic, paramFacts } from "./graph/describe";
export { layoutGraph, nodeHeight, nodeWidth, NODE_HEIGHTS, NODE_WIDTH, RUN_EXTRA_HEIGHT, type LaidEdge, type LoopBox, type Positioned } from "./graph/layout";
export { nodeIdForPath, stepPath } from "./graph/model";
export type { EdgeStatus, FlowNodeData, GraphEdge, GraphModel, GraphNode, LoopGroup, LoopProgress, NodeKind, StepOverlay } from "./graph/model";

export interface RuleShape {
  trigger: Trigger;
  conditions: JsonLogic | null;
  actions: readonly FlowEntry[];
  trigger_summary?: string;
}

/** Build the graph of a rule, optionally with the state of one of its runs (drawn from the run's `program`). */
export function buildGraph(rule: RuleShape, run?: FlowRunDetail | null, catalog: readonly ActionType[] = []): GraphModel {
  const ctx: BuildContext = {
    nodes: [],
    edges: [],
    loops: [],
    order: [],
    byType: new Map(catalog.map((a) => [a.type, a])),
    steps: run ? indexSteps(run.steps) : null,
    run: run ?? null,
  };
  ctx.nodes.push({ id: "trigger", data: triggerNode(rule, run) });
  let previous = "trigger";

  if (rule.conditions) {
    ctx.nodes.push({
      id: "conditions",
      data: { kind: "conditions", title: "Conditions", subtitle: describeLogic(rule.conditions, 90), facts: [], passed: run ? true : undefined },
    });
    ctx.edges.push({ id: "trigger->conditions", source: "trigger", target: "conditions", status: run ? "done" : "idle", animated: false });
    previous = "conditions";
  }

  const { entries, fromRun } = entriesFor(rule.actions, run);
  buildList(ctx, entries, "actions", (n) => `step-${n}`, [{ id: previous }], ROOT_SCOPE);
  return { nodes: ctx.nodes, edges: ctx.edges, loops: ctx.loops, order: ctx.order, fromRun };
}

/**
 * What to draw: the run's program when the rule changed since (else the rule, whose entries carry the
 * names being edited); without a program (an older API), the steps that ran when they differ from the rule.
 */
function entriesFor(actions: readonly FlowEntry[], run: FlowRunDetail | null | undefined): { entries: readonly FlowEntry[]; fromRun: boolean } {
  if (!run) return { entries: actions, fromRun: false };
  const program = programOf(run);
  if (program) return sameShape(program, actions) ? { entries: actions, fromRun: false } : { entries: program, fromRun: true };
  if (run.steps.length === 0) return { entries: actions, fromRun: false };
  const sorted = [...run.steps].sort((a, b) => a.index - b.index);
  if (sorted.length === actions.length && sorted.every((s, i) => s.action_type === actions[i]?.type)) return { entries: actions, fromRun: false };
  const entries = sorted.map((s) => ({
    type: s.action_type,
    name: s.name || undefined,
    params: (s.params as Record<string, unknown>) ?? {},
    on_error: s.on_error === "continue" ? ("continue" as const) : ("stop" as const),
    retry: s.max_retries ? { max: s.max_retries, backoff: 0 } : undefined,
    timeout: s.timeout,
  }));
  return { entries, fromRun: true };
}

const CHILD_LISTS = ["then", "else", "do", "default"] as const;

/** Same types in the same places (nested lists included): the paths of one are the paths of the other. */
export function sameShape(a: readonly FlowEntry[], b: readonly FlowEntry[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    if (x.type !== y.type) return false;
    if (!CHILD_LISTS.every((list) => sameShape(x[list] ?? [], y[list] ?? []))) return false;
    const xc = x.cases ?? [];
    const yc = y.cases ?? [];
    if (xc.length !== yc.length || !xc.every((c, j) => sameShape(c.do ?? [], yc[j]?.do ?? []))) return false;
    const xb = x.branches ?? [];
    const yb = y.branches ?? [];
    return xb.length === yb.length && xb.every((branch, j) => sameShape(branch, yb[j] ?? []));
  });
}

function triggerNode(rule: RuleShape, run: FlowRunDetail | null | undefined): FlowNodeData {
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
