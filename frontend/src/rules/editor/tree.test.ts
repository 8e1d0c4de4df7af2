import type { StepDraft } from "../draft";
import { draftToPayload, emptyDraft, ruleToDraft, sameRule } from "../draft";
import { cleanEntry, countEntries, effectiveIds, newAction, newBlock, toDraftEntries } from "./blocks";
import { parseActionsText, shapeProblem } from "./JsonView";
import { buildTemplate } from "./templates";
import { entryBeforeEnd, entryPaths, getList, insertEntry, isInside, locate, moveEntry, refOfListPath, removeEntry, reuseKeys, ROOT, updateEntry } from "./tree";

/** A rule's actions exactly as the API writes them (every default spelled out), one of each block. */
const program = [
  { type: "log", params: { message: "start" }, on_error: "stop" },
  {
    type: "if",
    id: "short",
    condition: { "<": [{ var: "object.word_count" }, 800] },
    then: [
      {
        type: "for_each",
        items: { var: "steps.step-1.output.ids" },
        as: "kw",
        concurrency: 4,
        do: [{ type: "generate_ideas", params: { items: { var: "kw" } }, on_error: "continue", if: { "!!": [{ var: "kw" }] } }],
      },
    ],
    else: [{ type: "stop", status: "failed", message: "too long" }],
  },
  {
    type: "switch",
    cases: [
      { condition: { "==": [1, 1] }, do: [{ type: "log", params: {}, on_error: "stop" }] },
      { condition: { "==": [1, 2] }, do: [] },
    ],
    default: [{ type: "wait", for: "duration", seconds: 30 }],
  },
  {
    type: "parallel",
    id: "par",
    branches: [[{ type: "wait", for: "approval", prompt: "Publish?", timeout: 3600 }], [{ type: "wait", for: "event", event: "custom.done", timeout: 60 }, { type: "log", params: {}, on_error: "stop" }]],
    join: "all",
  },
  { type: "call_rule", rule: 7, payload: { a: 1 }, wait: true, name: "Shared publishing" },
];

function tree(): StepDraft[] {
  return toDraftEntries(program);
}

function keyAt(steps: StepDraft[], path: string): string {
  const key = entryPaths(steps).get(path);
  if (!key) throw new Error(`no entry at ${path}`);
  return key;
}

function types(list: StepDraft[] | null): string[] {
  return (list ?? []).map((e) => e.type);
}

describe("the rule language in the draft", () => {
  it("round-trips every block through the draft unchanged", () => {
    expect(tree().map(cleanEntry)).toEqual(program);
    const rule = { ...draftToPayload(emptyDraft(1)), name: "x", actions: program } as Parameters<typeof ruleToDraft>[0];
    expect(draftToPayload(ruleToDraft(rule)).actions).toEqual(program);
    expect(sameRule(ruleToDraft(rule), ruleToDraft(rule))).toBe(true);
  });

  it("keeps keys the editor has no field for, so the API can judge them", () => {
    const [entry] = toDraftEntries([{ type: "if", condition: null, then: [], colour: "red" }]);
    expect(cleanEntry(entry!)).toEqual({ type: "if", condition: null, then: [], colour: "red" });
  });

  it("generates ids as the API does: step-<n>, then <parent id>-<list>-<n>", () => {
    const steps = tree();
    const ids = effectiveIds(steps);
    const id = (path: string) => ids.get(keyAt(steps, path));
    expect(id("actions.0")).toBe("step-1");
    expect(id("actions.1")).toBe("short");
    expect(id("actions.1.then.0")).toBe("short-then-1");
    expect(id("actions.1.then.0.do.0")).toBe("short-then-1-do-1");
    expect(id("actions.1.else.0")).toBe("short-else-1");
    expect(id("actions.2")).toBe("step-3");
    expect(id("actions.2.cases.0.do.0")).toBe("step-3-cases-1-1");
    expect(id("actions.2.default.0")).toBe("step-3-default-1");
    expect(id("actions.3.branches.1.1")).toBe("par-branches-2-2");
    expect(countEntries(steps)).toBe(13);
  });

  it("names lists by their dotted path", () => {
    const steps = tree();
    expect(refOfListPath(steps, "actions")).toEqual(ROOT);
    expect(types(getList(steps, refOfListPath(steps, "actions.1.then")!))).toEqual(["for_each"]);
    expect(types(getList(steps, refOfListPath(steps, "actions.2.cases.0.do")!))).toEqual(["log"]);
    expect(types(getList(steps, refOfListPath(steps, "actions.3.branches.1")!))).toEqual(["wait", "log"]);
    expect(refOfListPath(steps, "actions.0.then")).toBeNull(); // an action has no lists
  });
});

describe("tree operations", () => {
  it("inserts at a list path, also into an else not written yet", () => {
    let steps = tree();
    const log = newAction("log");
    steps = insertEntry(steps, refOfListPath(steps, "actions.1.then.0.do")!, 0, log);
    expect(locate(steps, log.key)?.path).toBe("actions.1.then.0.do.0");
    const block = newBlock("if");
    delete block.else;
    steps = insertEntry(steps, ROOT, 1, block);
    const inner = newAction("log");
    steps = insertEntry(steps, { owner: block.key, list: "else" }, 5, inner);
    expect(locate(steps, inner.key)?.path).toBe("actions.1.else.0");
  });

  it("finds the entry a template placed at the end of a list would follow", () => {
    const steps = tree();
    expect(entryBeforeEnd(steps, ROOT)?.type).toBe("call_rule");
    expect(entryBeforeEnd(steps, refOfListPath(steps, "actions.1.then")!)?.type).toBe("for_each");
    // an empty list: the entry before its block, outwards
    expect(entryBeforeEnd(steps, refOfListPath(steps, "actions.2.cases.1.do")!)?.type).toBe("if");
    expect(entryBeforeEnd([], ROOT)).toBeNull();
  });

  it("removes at any depth", () => {
    const steps = tree();
    const removed = removeEntry(steps, keyAt(steps, "actions.3.branches.1.0"));
    expect(types(getList(removed, refOfListPath(removed, "actions.3.branches.1")!))).toEqual(["log"]);
    expect(countEntries(removed)).toBe(12);
    expect(countEntries(steps)).toBe(13); // the original is untouched
  });

  it("moves within a list and between lists, at any depth", () => {
    const steps = tree();
    const first = keyAt(steps, "actions.0");
    // within the top list: to the end
    const within = moveEntry(steps, first, ROOT, 4);
    expect(types(within)).toEqual(["if", "switch", "parallel", "call_rule", "log"]);
    // out of the top list, into a nested list above which it was
    const into = moveEntry(steps, first, refOfListPath(steps, "actions.3.branches.0")!, 1);
    expect(locate(into, first)?.path).toBe("actions.2.branches.0.1");
    // out of a deep list to the top
    const deep = keyAt(steps, "actions.1.then.0.do.0");
    const out = moveEntry(steps, deep, ROOT, 0);
    expect(locate(out, deep)?.path).toBe("actions.0");
    expect(getList(out, refOfListPath(out, "actions.2.then.0.do")!)).toEqual([]);
  });

  it("never moves a block into itself", () => {
    const steps = tree();
    const block = keyAt(steps, "actions.1");
    const inner = refOfListPath(steps, "actions.1.then.0.do")!;
    expect(isInside(steps, inner, block)).toBe(true);
    expect(moveEntry(steps, block, inner, 0).map(cleanEntry)).toEqual(program);
  });

  it("updates one entry, sharing the untouched ones", () => {
    const steps = tree();
    const next = updateEntry(steps, keyAt(steps, "actions.3.branches.0.0"), (e) => ({ ...e, prompt: "Go?" }));
    expect(next[3]?.branches?.[0]?.[0]?.prompt).toBe("Go?");
    expect(next[0]).toBe(steps[0]);
    expect(next[1]).toBe(steps[1]);
  });
});

describe("the JSON view", () => {
  it("reads text into the tree, keeping keys by path", () => {
    const steps = tree();
    const edited = JSON.parse(JSON.stringify(program));
    edited[1].then[0].concurrency = 8;
    const parsed = parseActionsText(JSON.stringify(edited), steps);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.steps[1]?.then?.[0]?.concurrency).toBe(8);
    expect(parsed.steps[1]?.then?.[0]?.key).toBe(steps[1]?.then?.[0]?.key);
    expect(reuseKeys(steps, toDraftEntries(program)).map((e) => e.key)).toEqual(steps.map((e) => e.key));
  });

  it("explains text it cannot use, at its path", () => {
    expect(parseActionsText("[{", [])).toMatchObject({ ok: false, error: expect.stringMatching(/Not valid JSON/) });
    expect(shapeProblem({})).toBe("actions must be a list of steps.");
    expect(shapeProblem([{ type: "if", then: {} }])).toBe("actions.0.then must be a list of steps.");
    expect(shapeProblem([{ type: "parallel", branches: [[], [null]] }])).toBe('actions.0.branches.1.0 must be an object with a "type".');
    expect(shapeProblem([{ type: "switch", cases: [{ condition: 1, do: [{ type: 3 }] }] }])).toBe("actions.0.cases.0.do.0.type must be a string.");
  });
});

describe("templates", () => {
  const catalog = [{ type: "generate_ideas", name: "Generate ideas", description: "", queue: "ai", params_schema: {}, cost: "" }];

  it("loops over the previous step's output ids, or the trigger's keywords", () => {
    const after = cleanEntry(buildTemplate("for_each_keyword", catalog, "step-2"));
    expect(after).toMatchObject({ type: "for_each", items: { var: "steps.step-2.output.ids" }, do: [{ type: "generate_ideas" }] });
    expect(cleanEntry(buildTemplate("for_each_keyword", catalog, null))).toMatchObject({ items: { var: "object.keywords" } });
  });

  it("builds an if with a step in each branch", () => {
    expect(cleanEntry(buildTemplate("if_else", [], null))).toMatchObject({ type: "if", then: [{ type: "log" }], else: [{ type: "log" }] });
  });
});

describe("errors pinned to entries", () => {
  it("finds each nested error's entry when the errors come, and keeps it with that entry through moves", async () => {
    const { resolveErrors } = await import("./ActionsSection");
    const { mapRuleErrors } = await import("../errors");
    const steps = tree();
    const errors = mapRuleErrors({ "actions.1.then.0.do.0.params.items": ["not a list"], "actions.3.branches.1.0.event": ["unknown event"] });
    const byKey = resolveErrors(errors.entries, steps);
    const generate = keyAt(steps, "actions.1.then.0.do.0");
    expect(byKey.get(generate)?.params).toEqual({ items: { __errors: ["not a list"] } });
    expect(byKey.get(keyAt(steps, "actions.3.branches.1.0"))?.fields.event).toEqual(["unknown event"]);
    // the entry moves to the top: its key (and so its errors) go with it
    const moved = moveEntry(steps, generate, ROOT, 0);
    expect(locate(moved, generate)?.path).toBe("actions.0");
    expect(byKey.get(locate(moved, generate)!.entry.key)?.params).toHaveProperty("items");
  });
});
