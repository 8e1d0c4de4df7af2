/** The graph of control blocks: fan-out and joins, loops with their box and back edge, and a run laid over it. */
import { describe, expect, it } from "vitest";

import { buildGraph, layoutGraph, type GraphModel } from "../graph";
import { flowActions, flowRule, flowRun, flowStep, loopRun } from "./testData";

const node = (g: GraphModel, id: string) => g.nodes.find((n) => n.id === id)?.data;
const edgesFrom = (g: GraphModel, id: string) => g.edges.filter((e) => e.source === id);
const edgesTo = (g: GraphModel, id: string) => g.edges.filter((e) => e.target === id);
const link = (g: GraphModel, from: string, to: string) => g.edges.find((e) => e.source === from && e.target === to);

describe("control blocks on the graph", () => {
  const g = buildGraph(flowRule);

  it("fans an if out to then / else and joins after", () => {
    expect(node(g, "step-0")).toMatchObject({ kind: "if", key: "short", path: "actions/0", subtitle: "object.word_count < 800" });
    expect(edgesFrom(g, "step-0").map((e) => [e.target, e.label])).toEqual([
      ["step-0-then-0", "then"],
      ["step-0-else-0", "else"],
    ]);
    expect(node(g, "step-0-then-0")).toMatchObject({ kind: "action", path: "actions/0/then/0", listPath: "actions/0/then", position: 0, key: "short-then-1" });
    expect(edgesTo(g, "step-0-join").map((e) => e.source)).toEqual(["step-0-then-0", "step-0-else-0"]);
    expect(link(g, "step-0-join", "step-1")).toBeDefined();
  });

  it("draws an empty branch as an edge straight to the join", () => {
    const only = buildGraph({ ...flowRule, actions: [{ type: "if", condition: true, then: [{ type: "log", params: {} }] }] });
    expect(edgesTo(only, "step-0-join").map((e) => [e.source, e.label ?? ""])).toEqual([
      ["step-0-then-0", ""],
      ["step-0", "else"],
    ]);
  });

  it("draws for_each as a loop node, its body in a box, and a back edge", () => {
    expect(node(g, "step-1")).toMatchObject({ kind: "for_each", subtitle: "steps.short.output.ids as item", facts: ["4 at a time"] });
    expect(link(g, "step-1", "step-1-do-0")?.label).toBeUndefined(); // the box says it
    expect(node(g, "step-1-do-0")?.key).toBe("publish");
    expect(node(g, "step-1-do-1")).toMatchObject({ kind: "wait", waitFor: "approval", key: "each-do-2", subtitle: "Publish this one?" });
    expect(link(g, "step-1-do-1", "step-1-end")).toBeDefined();
    expect(g.edges.find((e) => e.loopBack)).toMatchObject({ source: "step-1-end", target: "step-1", label: "next item" });
    expect(link(g, "step-1-end", "step-2")?.label).toBe("done");
    expect(g.loops).toEqual([
      { id: "step-1-box", loopId: "step-1", endId: "step-1-end", label: "for each steps.short.output.ids (concurrency 4)", members: ["step-1-do-0", "step-1-do-1", "step-1-end"] },
    ]);
  });

  it("fans parallel branches out and joins them (any)", () => {
    expect(node(g, "step-2")).toMatchObject({ kind: "parallel", facts: ["join: any"] });
    expect(edgesFrom(g, "step-2").map((e) => e.label)).toEqual(["branch 1", "branch 2"]);
    expect(node(g, "step-2-branches-1-1")).toMatchObject({ key: "step-3-branches-2-2", listPath: "actions/2/branches/1" }); // ids as the API generates them
    expect(node(g, "step-2-join")).toMatchObject({ kind: "join", joinKind: "any", title: "join: any" });
    expect(edgesTo(g, "step-2-join").map((e) => e.source)).toEqual(["step-2-branches-0-0", "step-2-branches-1-1"]);
  });

  it("labels switch cases 1… and default; a stop ends its branch", () => {
    expect(edgesFrom(g, "step-3").map((e) => e.label)).toEqual(["case 1", "default"]);
    expect(node(g, "step-3-default-0")).toMatchObject({ kind: "stop", key: "step-4-default-1", subtitle: "ends the run as failed", facts: ["no case"] });
    expect(node(g, "step-3-cases-0-do-0")?.key).toBe("step-4-cases-1-1");
    expect(edgesFrom(g, "step-3-default-0")).toEqual([]);
    expect(edgesTo(g, "step-3-join").map((e) => e.source)).toEqual(["step-3-cases-0-do-0"]);
  });

  it("gives wait, call_rule and stop their own kinds", () => {
    expect(node(g, "step-4")).toMatchObject({ kind: "call_rule", subtitle: "rule #7", facts: ["waits for its outputs", "payload: x"] });
    expect(node(g, "step-5")).toMatchObject({ kind: "wait", waitFor: "duration", subtitle: "for 30 s" });
  });

  it("lays branches side by side and the loop box around its body", () => {
    const laid = layoutGraph(g);
    const at = (id: string) => laid.nodes.find((n) => n.id === id)!;
    expect(at("step-0-then-0").position.y).toBe(at("step-0-else-0").position.y);
    // Branches in their order, left to right: then / else, branch 1 / 2, case 1 / default.
    expect(at("step-0-then-0").position.x).toBeLessThan(at("step-0-else-0").position.x);
    expect(at("step-2-branches-0-0").position.x).toBeLessThan(at("step-2-branches-1-0").position.x);
    expect(at("step-3-cases-0-do-0").position.x).toBeLessThan(at("step-3-default-0").position.x);
    expect(g.order).toContainEqual({ left: "step-0-then-0", right: "step-0-else-0" });
    expect(at("step-0-join").position.y).toBeGreaterThan(at("step-0-then-0").position.y);
    const box = laid.boxes[0]!;
    for (const id of ["step-1-do-0", "step-1-do-1", "step-1-end"]) {
      const n = at(id);
      expect(n.position.x).toBeGreaterThanOrEqual(box.x);
      expect(n.position.y + n.height).toBeLessThanOrEqual(box.y + box.height);
    }
    expect(at("step-1").position.y + at("step-1").height).toBeLessThanOrEqual(box.y);
    expect(laid.edges.find((e) => e.loopBack)?.routeX).toBeGreaterThan(box.x + box.width);
  });
});

describe("a run on the control-flow graph", () => {
  it("shows loop progress, counts per body node and the waiting approval", () => {
    const g = buildGraph(flowRule, loopRun());
    expect(node(g, "step-1")?.progress).toEqual({ done: 2, total: 3, failed: 0 });
    const publish = node(g, "step-1-do-0")!;
    expect(publish.overlay).toMatchObject({ instances: 3, counts: { completed: 2, failed: 1 }, status: "failed", outputCount: 0 });
    const wait = node(g, "step-1-do-1")!;
    expect(wait.overlay).toMatchObject({ status: "waiting", instances: 3, counts: { completed: 2, waiting: 1 } });
    expect(wait.facts[0]).toBe("2 approved");
    expect(wait.approvals).toEqual([{ key: "each-do-2@2", prompt: "Publish this one?", until: "2026-01-01T01:00:00Z" }]);
    expect(link(g, "step-1", "step-1-do-0")?.status).toBe("failed");
    expect(link(g, "step-1-do-0", "step-1-do-1")?.status).toBe("waiting");
  });

  it("highlights the branch taken and dims the other", () => {
    const g = buildGraph(flowRule, loopRun());
    expect(node(g, "step-0")?.taken).toEqual(["else"]);
    expect(link(g, "step-0", "step-0-else-0")?.status).toBe("done");
    expect(link(g, "step-0", "step-0-then-0")?.status).toBe("not-taken");
    expect(node(g, "step-0-then-0")?.dimmed).toBe(true);
    expect(node(g, "step-0-else-0")?.dimmed).toBeUndefined();
    expect(node(g, "step-2")?.overlay).toBeUndefined(); // not reached yet: no row, not dimmed
    expect(node(g, "step-2")?.dimmed).toBeUndefined();
  });

  it("takes a switch case by index (cases.N is 0-based)", () => {
    const g = buildGraph(flowRule, flowRun([flowStep(0, "step-4", "actions/3", "switch", { result: { branch: "default" } })]));
    expect(link(g, "step-3", "step-3-cases-0-do-0")?.status).toBe("not-taken");
    expect(node(g, "step-3-default-0")?.dimmed).toBeUndefined();
    const g2 = buildGraph(flowRule, flowRun([flowStep(0, "step-4", "actions/3", "switch", { result: { branch: "cases.0" } })]));
    expect(node(g2, "step-3-default-0")?.dimmed).toBe(true);
  });

  it("draws the run's program when the rule changed since, and the rule when only names differ", () => {
    const edited = { ...flowRule, actions: [{ type: "log", params: {} }] };
    const fromProgram = buildGraph(edited, loopRun());
    expect(fromProgram.fromRun).toBe(true);
    expect(node(fromProgram, "step-1")?.kind).toBe("for_each");
    const renamed = { ...flowRule, actions: flowActions.map((a, i) => (i === 5 ? { ...a, name: "Cool down" } : a)) };
    const fromRule = buildGraph(renamed, loopRun());
    expect(fromRule.fromRun).toBe(false);
    expect(node(fromRule, "step-5")?.title).toBe("Cool down");
  });
});
