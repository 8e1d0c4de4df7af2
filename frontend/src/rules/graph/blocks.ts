/**
 * The actions tree → nodes and edges, one block at a time. `buildList` walks a list of entries and
 * returns where the flow leaves it ("exits"); if/switch/parallel fan out to their branches and meet at a
 * join node; for_each runs its body and loops back from the body's end; stop ends the flow.
 */
import type { FlowEntry, FlowRunDetail } from "../flowTypes";
import type { ActionType } from "../types";
import { describeLogic, paramFacts } from "./describe";
import { nodeIdForPath, type EdgeStatus, type FlowNodeData, type GraphEdge, type GraphNode, type LoopGroup } from "./model";
import { approvalsOf, branchesDone, branchesTaken, decisionsOf, edgeStatusFor, loopProgress, overlayOf, type StepIndex } from "./overlay";

export interface Exit {
  id: string;
  label?: string;
  /** For edges into a join (the target has no status of its own). */
  status?: EdgeStatus;
  continueOnError?: boolean;
  notTaken?: boolean;
  unreachable?: boolean;
  tight?: boolean;
}

export interface BuildContext {
  nodes: GraphNode[];
  edges: GraphEdge[];
  loops: LoopGroup[];
  order: { left: string; right: string }[];
  byType: Map<string, ActionType>;
  steps: StepIndex | null;
  run: FlowRunDetail | null;
}

interface Scope {
  /** In a branch that the run did not take. */
  dimmed: boolean;
  /** The member lists of the loops around (a node joins every enclosing loop's box). */
  groups: string[][];
}

export const ROOT_SCOPE: Scope = { dimmed: false, groups: [] };

/** Draw a list of entries after `incoming`; answers the exits of the list's last entry. */
export function buildList(ctx: BuildContext, list: readonly FlowEntry[], listPath: string, keyOf: (n: number) => string, incoming: Exit[], scope: Scope): Exit[] {
  let exits = incoming;
  let previousHead: string | null = null;
  list.forEach((entry, position) => {
    if (exits.length === 0 && previousHead) exits = [{ id: previousHead, unreachable: true }];
    const path = `${listPath}/${position}`;
    const id = nodeIdForPath(path);
    exits = buildEntry(ctx, entry, { path, id, key: entry.id || keyOf(position + 1), listPath, position }, exits, scope);
    previousHead = id;
  });
  return exits;
}

interface Place {
  path: string;
  id: string;
  key: string;
  listPath: string;
  position: number;
}

function buildEntry(ctx: BuildContext, entry: FlowEntry, place: Place, incoming: Exit[], scope: Scope): Exit[] {
  const steps = ctx.steps?.get(place.path);
  const overlay = overlayOf(steps);
  const data: FlowNodeData = {
    kind: "action",
    title: entry.name || "",
    subtitle: entry.type,
    facts: entry.if ? [`only if ${describeLogic(entry.if, 60)}`] : [],
    path: place.path,
    key: place.key,
    listPath: place.listPath,
    position: place.position,
    actionType: entry.type,
    overlay,
    runStatus: ctx.run?.status,
    dimmed: scope.dimmed && !overlay ? true : undefined,
  };
  addNode(ctx, place.id, data, scope);
  connect(ctx, incoming, place.id, edgeStatusFor(overlay), entry);
  const out = (): Exit[] => [{ id: place.id, status: exitStatus(overlay?.status), continueOnError: entry.on_error === "continue" }];

  switch (entry.type) {
    case "if": {
      Object.assign(data, { kind: "if", title: entry.name || "If", subtitle: describeLogic(entry.condition ?? true, 90), taken: takenOf(ctx, steps) });
      return fanOut(ctx, place, data, scope, [
        { name: "then", label: "then", list: entry.then ?? [], path: `${place.path}/then`, key: (n) => `${place.key}-then-${n}` },
        { name: "else", label: "else", list: entry.else ?? [], path: `${place.path}/else`, key: (n) => `${place.key}-else-${n}` },
      ]);
    }
    case "switch": {
      const cases = entry.cases ?? [];
      Object.assign(data, { kind: "switch", title: entry.name || "Switch", subtitle: `${cases.length} case${cases.length === 1 ? "" : "s"} and a default`, taken: takenOf(ctx, steps) });
      return fanOut(ctx, place, data, scope, [
        ...cases.map((c, i) => ({
          name: `cases.${i}`,
          label: `case ${i + 1}`,
          list: c.do ?? [],
          path: `${place.path}/cases/${i}/do`,
          key: (n: number) => `${place.key}-cases-${i + 1}-${n}`,
        })),
        { name: "default", label: "default", list: entry.default ?? [], path: `${place.path}/default`, key: (n) => `${place.key}-default-${n}` },
      ]);
    }
    case "parallel": {
      const branches = entry.branches ?? [];
      const join = entry.join === "any" ? "any" : "all";
      Object.assign(data, { kind: "parallel", title: entry.name || "In parallel", subtitle: `${branches.length} branches, then ${join === "all" ? "wait for all" : "go on after the first"}` });
      data.facts.push(`join: ${join}`);
      const progress = branchesDone(steps);
      if (progress) data.facts.push(progress);
      return fanOut(
        ctx,
        place,
        data,
        scope,
        branches.map((list, b) => ({ name: `branches.${b}`, label: `branch ${b + 1}`, list, path: `${place.path}/branches/${b}`, key: (n: number) => `${place.key}-branches-${b + 1}-${n}` })),
        join,
      );
    }
    case "for_each":
      return buildLoop(ctx, entry, place, data, scope);
    case "wait":
      Object.assign(data, waitLook(entry), { approvals: approvalsOf(steps), waitFor: entry.for ?? "duration" });
      if (entry.for === "event" && entry.condition) data.facts.push(`when ${describeLogic(entry.condition, 60)}`);
      if (entry.timeout) data.facts.push(`timeout ${entry.timeout}s`);
      if (decisionsOf(steps)) data.facts.unshift(decisionsOf(steps));
      return out();
    case "call_rule":
      Object.assign(data, { kind: "call_rule", title: entry.name || "Call a rule", subtitle: entry.rule !== undefined && entry.rule !== null && entry.rule !== "" ? `rule #${entry.rule}` : "no rule chosen" });
      data.facts.push(entry.wait === false ? "starts it and goes on" : "waits for its outputs");
      if (entry.payload && Object.keys(entry.payload).length) data.facts.push(`payload: ${Object.keys(entry.payload).join(", ")}`);
      return out();
    case "stop":
      Object.assign(data, { kind: "stop", title: entry.name || "Stop", subtitle: `ends the run as ${entry.status === "failed" ? "failed" : "completed"}` });
      if (entry.message) data.facts.push(entry.message);
      return [];
    default: {
      const action = ctx.byType.get(entry.type);
      const stage = entry.params?.stage;
      data.title = entry.name || action?.name || entry.type;
      data.facts.push(...paramFacts(entry.params));
      if (entry.retry && entry.retry.max > 0) data.facts.push(`retry ×${entry.retry.max}`);
      if (entry.timeout) data.facts.push(`timeout ${entry.timeout}s`);
      data.facts = data.facts.slice(0, 4);
      data.badge = typeof stage === "number" ? `Stage ${stage}` : place.listPath === "actions" ? `Step ${place.position + 1}` : place.key;
      if (place.listPath === "actions") data.index = place.position;
      data.disabled = entry.params?.enabled === false;
      data.onError = entry.on_error ?? "stop";
      data.queue = action?.queue;
      return out();
    }
  }
}

interface Branch {
  name: string;
  label: string;
  list: readonly FlowEntry[];
  path: string;
  key: (n: number) => string;
}

/** if / switch / parallel: one edge per branch, every branch drawn, all meeting at a join node. */
function fanOut(ctx: BuildContext, place: Place, data: FlowNodeData, scope: Scope, branches: Branch[], join?: "all" | "any"): Exit[] {
  const taken = data.taken ?? [];
  const decided = taken.length > 0;
  const exits: Exit[] = [];
  const firsts = branches.filter((b) => b.list.length > 0).map((b) => nodeIdForPath(`${b.path}/0`));
  firsts.slice(1).forEach((right, i) => ctx.order.push({ left: firsts[i]!, right }));
  for (const branch of branches) {
    const notTaken = decided && !taken.includes(branch.name);
    const start: Exit = { id: place.id, label: branch.label, notTaken, status: decided && !notTaken ? "done" : undefined, tight: true };
    const inner = { ...scope, dimmed: scope.dimmed || notTaken };
    exits.push(...buildList(ctx, branch.list, branch.path, branch.key, [start], inner));
  }
  if (exits.length === 0) return [];
  const joinId = `${place.id}-join`;
  addNode(ctx, joinId, { kind: "join", title: join ? `join: ${join}` : "", subtitle: "", facts: [], joinKind: join ?? "branches", dimmed: scope.dimmed && !data.overlay ? true : undefined }, scope);
  connect(ctx, exits, joinId);
  return [{ id: joinId, status: exitStatus(data.overlay?.status) }];
}

function buildLoop(ctx: BuildContext, entry: FlowEntry, place: Place, data: FlowNodeData, scope: Scope): Exit[] {
  const as = entry.as || "item";
  const concurrency = entry.concurrency ?? 1;
  const items = describeLogic(entry.items ?? [], 50);
  Object.assign(data, { kind: "for_each", title: entry.name || "For each", subtitle: `${items} as ${as}`, progress: loopProgress(ctx.steps?.get(place.path)) });
  data.facts.push(concurrency > 1 ? `${concurrency} at a time` : "one at a time");
  const members: string[] = [];
  const inner = { ...scope, groups: [...scope.groups, members] };
  const body = buildList(ctx, entry.do ?? [], `${place.path}/do`, (n) => `${place.key}-do-${n}`, [{ id: place.id }], inner);
  const endId = `${place.id}-end`;
  addNode(ctx, endId, { kind: "join", title: "next item", subtitle: "", facts: [], joinKind: "loop", dimmed: data.dimmed }, inner);
  connect(ctx, body, endId);
  const status = data.overlay ? edgeStatusFor(data.overlay) : "idle";
  ctx.edges.push({ id: `${endId}->${place.id}:loop`, source: endId, target: place.id, label: "next item", loopBack: true, status });
  ctx.loops.push({ id: `${place.id}-box`, loopId: place.id, endId, members, label: `for each ${items} (concurrency ${concurrency})` });
  return [{ id: endId, label: "done", status: exitStatus(data.overlay?.status) }];
}

function waitLook(entry: FlowEntry): Partial<FlowNodeData> {
  if (entry.for === "approval") return { kind: "wait", title: entry.name || "Approval", subtitle: entry.prompt || "waits for a person to approve" };
  if (entry.for === "event") {
    return { kind: "wait", title: entry.name || "Wait for an event", subtitle: entry.event || "no event chosen" };
  }
  return { kind: "wait", title: entry.name || "Wait", subtitle: `for ${entry.seconds ?? 0} s` };
}

function takenOf(ctx: BuildContext, steps: Parameters<typeof branchesTaken>[0]): string[] | undefined {
  return ctx.run ? branchesTaken(steps) : undefined;
}

function exitStatus(status: string | undefined): EdgeStatus | undefined {
  if (status === "completed" || status === "skipped") return "done";
  if (status === "failed") return "failed";
  return undefined;
}

function addNode(ctx: BuildContext, id: string, data: FlowNodeData, scope: Scope) {
  ctx.nodes.push({ id, data });
  for (const group of scope.groups) group.push(id);
}

/** Edges from every exit to a node; the edge's colour follows the target's state (a join's: the exit's). */
function connect(ctx: BuildContext, exits: Exit[], target: string, targetStatus?: EdgeStatus, entry?: FlowEntry) {
  for (const exit of exits) {
    const handover = entry?.params?.handover_from;
    const label = exit.label ?? (typeof handover === "string" ? "after queue drains" : exit.continueOnError ? "always" : undefined);
    const status: EdgeStatus = exit.notTaken ? "not-taken" : targetStatus && targetStatus !== "idle" ? targetStatus : (exit.status ?? targetStatus ?? "idle");
    ctx.edges.push({
      id: `${exit.id}->${target}${exit.label ? `:${exit.label}` : ""}`,
      source: exit.id,
      target,
      label,
      status: ctx.run ? status : "idle",
      animated: ctx.run ? status === "active" : false,
      unreachable: exit.unreachable || undefined,
      tight: exit.tight || undefined,
    });
  }
}
