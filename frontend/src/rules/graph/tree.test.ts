/** Entries by path, moving an entry within its list, and where a dragged node lands. */
import { describe, expect, it } from "vitest";

import type { FlowNodeData } from "./model";
import { dropTarget, siblingPath } from "./reorder";
import { flowActions } from "./testData";
import { entryAt, listAt, moveInTree } from "./tree";

describe("the actions tree by path", () => {
  it("finds lists and entries in every kind of block", () => {
    expect(listAt(flowActions, "actions")).toBe(flowActions);
    expect(entryAt(flowActions, "actions/0/else/0")?.type).toBe("publish_to_wordpress");
    expect(entryAt(flowActions, "actions/1/do/1")?.prompt).toBe("Publish this one?");
    expect(entryAt(flowActions, "actions/2/branches/1/1")?.type).toBe("delay");
    expect(entryAt(flowActions, "actions/3/cases/0/do/0")?.type).toBe("log");
    expect(entryAt(flowActions, "actions/3/default/0")?.type).toBe("stop");
    expect(entryAt(flowActions, "actions/9/then/0")).toBeUndefined();
  });

  it("moves an entry within its list, top level and nested, leaving the rest untouched", () => {
    const top = moveInTree(flowActions, "actions/5", "actions/0");
    expect(top.map((e) => e.type)).toEqual(["wait", "if", "for_each", "parallel", "switch", "call_rule"]);
    const nested = moveInTree(flowActions, "actions/1/do/1", "actions/1/do/0");
    expect(nested[1]?.do?.map((e) => e.type)).toEqual(["wait", "webhook"]);
    expect(nested[0]).toBe(flowActions[0]);
    expect(flowActions[1]?.do?.[0]?.type).toBe("webhook"); // not mutated
    const branch = moveInTree(flowActions, "actions/2/branches/1/0", "actions/2/branches/1/1");
    expect(branch[2]?.branches?.[1]?.map((e) => e.type)).toEqual(["delay", "log"]);
    expect(moveInTree(flowActions, "actions/1/do/0", "actions/0")).toEqual(flowActions); // other list: no move
  });

  it("knows an entry's neighbours", () => {
    expect(siblingPath(flowActions, "actions/1/do/0", 1)).toBe("actions/1/do/1");
    expect(siblingPath(flowActions, "actions/1/do/0", -1)).toBeNull();
    expect(siblingPath(flowActions, "actions/5", 1)).toBeNull();
  });
});

describe("dropping a dragged node", () => {
  const data = (path: string): FlowNodeData => ({ kind: "action", title: path, subtitle: "", facts: [], path, listPath: path.slice(0, path.lastIndexOf("/")) });
  const laid = [0, 1, 2].map((i) => ({ id: `step-${i}`, data: data(`actions/${i}`), position: { x: 0, y: i * 160 }, width: 300, height: 112 }));
  const other = { id: "step-1-then-0", data: data("actions/1/then/0"), position: { x: 0, y: 500 }, width: 300, height: 112 };

  it("lands on the sibling it was let go over", () => {
    expect(dropTarget({ ...laid[0]!, position: { x: 10, y: 330 } }, laid)).toBe("actions/2");
    expect(dropTarget({ ...laid[2]!, position: { x: -20, y: 10 } }, laid)).toBe("actions/0");
  });

  it("does nothing near its own place, far from any sibling, or over another list", () => {
    expect(dropTarget({ ...laid[1]!, position: { x: 0, y: 180 } }, laid)).toBeNull();
    expect(dropTarget({ ...laid[0]!, position: { x: 900, y: 320 } }, laid)).toBeNull();
    expect(dropTarget({ ...laid[0]!, position: { x: 0, y: 500 } }, [...laid, other])).toBeNull();
  });
});
