import type { RuleGroupType } from "react-querybuilder";

import {
  collectVars,
  fieldKind,
  fieldsFor,
  logicPathToQueryPath,
  logicToQuery,
  parseLogicText,
  queryToLogic,
  sampleContext,
  splitConditionMessage,
  traceOutcomes,
  visualSupport,
} from "./conditions";
import type { EventType } from "./types";

const keywordCreated: EventType = {
  name: "keyword.created",
  description: "A keyword was created.",
  fields: [
    "object.id",
    "object.site",
    "object.text",
    "object.volume",
    "object.difficulty",
    "object.status",
    "object.disabled",
    "event.name",
    "event.changes",
    "site.id",
    "now",
  ],
};
const events = [keywordCreated, { ...keywordCreated, name: "keyword.status_changed" }];
const trigger = { type: "event" as const, event: "keyword.created", fields: ["volume"] };
const fields = fieldsFor(trigger, events, null);

describe("condition fields", () => {
  it("types numeric and boolean fields", () => {
    expect(fieldKind("object.volume")).toBe("number");
    expect(fieldKind("object.difficulty")).toBe("number");
    expect(fieldKind("site.id")).toBe("number");
    expect(fieldKind("object.disabled")).toBe("boolean");
    expect(fieldKind("object.text")).toBe("text");
    expect(fieldKind("event.changes.volume.new")).toBe("number");
    expect(fieldKind("event.changes.status.old")).toBe("text");
  });

  it("offers the event's fields, splitting event.changes into old/new of the watched fields", () => {
    const names = fields.map((f) => f.name);
    expect(names).toContain("object.volume");
    expect(names).toContain("event.changes.volume.old");
    expect(names).toContain("event.changes.volume.new");
    expect(names).not.toContain("event.changes");
    const status = fieldsFor({ type: "event", event: "keyword.status_changed" }, events, null).map((f) => f.name);
    expect(status).toContain("event.changes.status.new");
    expect(fields.find((f) => f.name === "object.volume")?.inputType).toBe("number");
  });

  it("keeps paths the conditions already use, even outside the catalog", () => {
    const logic = { "==": [{ var: "payload.kind" }, "x"] };
    expect(collectVars({ and: [logic, { ">": [{ var: ["object.volume", 0] }, 1] }] })).toEqual(["payload.kind", "object.volume"]);
    expect(fieldsFor({ type: "manual" }, events, logic).map((f) => f.name)).toContain("payload.kind");
  });
});

describe("JSONLogic ↔ query", () => {
  it("writes numbers for numeric fields, even when the editor typed a string", () => {
    const query: RuleGroupType = { combinator: "and", rules: [{ field: "object.volume", operator: ">", value: "1000" }] };
    expect(queryToLogic(query, fields)).toEqual({ ">": [{ var: "object.volume" }, 1000] });
  });

  it("keeps text values as strings even when they look like numbers", () => {
    const query: RuleGroupType = {
      combinator: "and",
      rules: [
        { field: "object.text", operator: "=", value: "123" },
        { field: "object.volume", operator: "between", value: "10,20" },
      ],
    };
    expect(queryToLogic(query, fields)).toEqual({
      and: [{ "==": [{ var: "object.text" }, "123"] }, { "<=": [10, { var: "object.volume" }, 20] }],
    });
  });

  it("round-trips nested groups, negation, contains and lists", () => {
    const logic = {
      and: [
        { ">": [{ var: "object.volume" }, 1000] },
        { or: [{ in: ["coffee", { var: "object.text" }] }, { in: [{ var: "object.status" }, ["new", "queued"]] }] },
        { "!": { and: [{ "==": [{ var: "object.disabled" }, true] }] } },
      ],
    };
    const support = visualSupport(logic, fieldsFor(trigger, events, logic));
    expect(support.ok).toBe(true);
    expect(queryToLogic(support.query, fieldsFor(trigger, events, logic))).toEqual(logic);
  });

  it("maps an empty builder to null and null to an empty builder", () => {
    expect(queryToLogic({ combinator: "and", rules: [] }, fields)).toBeNull();
    expect(logicToQuery(null, fields).rules).toEqual([]);
    expect(visualSupport({}, fields).ok).toBe(true);
  });

  it("refuses to show JSONLogic the builder would change, instead of dropping parts of it", () => {
    for (const logic of [
      { foo: [{ var: "object.volume" }, 1] },
      { and: [{ ">": [{ var: "object.volume" }, 1000] }, { "+": [1, 2] }] },
      { ">": [{ var: ["object.volume", 0] }, 1] },
      { "===": [{ var: "object.text" }, "a"] },
    ]) {
      const support = visualSupport(logic, fieldsFor(trigger, events, logic));
      expect(support.ok, JSON.stringify(logic)).toBe(false);
      expect(support.reason).toMatch(/JSON/);
    }
  });

  it("validates the raw JSON text", () => {
    expect(parseLogicText("")).toEqual({ ok: true, logic: null });
    expect(parseLogicText('{">": [{"var": "object.volume"}, 1000]}')).toEqual({ ok: true, logic: { ">": [{ var: "object.volume" }, 1000] } });
    const bad = parseLogicText('{">": [');
    expect(bad.ok).toBe(false);
    expect(parseLogicText('{"a": 1, "b": 2}').ok).toBe(false);
    expect(parseLogicText("42").ok).toBe(false);
  });
});

describe("API paths → builder paths", () => {
  const logic = {
    and: [{ ">": [{ var: "object.volume" }, 1000] }, { or: [{ "==": [{ var: "object.text" }, "a"] }, { foo: [1] }] }],
  };

  it("splits the path off a condition message", () => {
    expect(splitConditionMessage("conditions/and/1/>: '>' takes 2 to 3 arguments, got 1")).toEqual({
      path: "conditions/and/1/>",
      message: "'>' takes 2 to 3 arguments, got 1",
    });
    expect(splitConditionMessage("must be JSONLogic")).toEqual({ path: null, message: "must be JSONLogic" });
  });

  it("walks and/or groups by index and ignores the operator tail", () => {
    expect(logicPathToQueryPath(logic, "conditions")).toEqual([]);
    expect(logicPathToQueryPath(logic, "conditions/and/0")).toEqual([0]);
    expect(logicPathToQueryPath(logic, "conditions/and/0/>")).toEqual([0]);
    expect(logicPathToQueryPath(logic, "conditions/and/1/or/1/foo")).toEqual([1, 1]);
    expect(logicPathToQueryPath(logic, "conditions/and/0/>/0/var")).toEqual([0]);
    expect(logicPathToQueryPath({ ">": [{ var: "object.volume" }, 1] }, "conditions/>")).toEqual([0]);
    expect(logicPathToQueryPath(logic, "conditions/and/7")).toBeNull();
  });

  it("sees through a negated group", () => {
    const negated = { and: [{ "!": { or: [{ "==": [{ var: "object.text" }, "a"] }, { "==": [{ var: "object.text" }, "b"] }] } }] };
    expect(logicPathToQueryPath(negated, "conditions/and/0/!/0/or/1")).toEqual([0, 1]);
  });

  it("marks the builder's nodes with the test trace", () => {
    const simple = { and: [{ ">": [{ var: "object.volume" }, 1000] }, { "==": [{ var: "object.text" }, "a"] }] };
    const query = logicToQuery(simple, fields);
    const withIds: RuleGroupType = {
      ...query,
      id: "root",
      rules: query.rules.map((r, i) => (typeof r === "string" ? r : { ...r, id: `r${i}` })),
    };
    const outcomes = traceOutcomes(simple, withIds, [
      { path: "conditions/and/0", result: true },
      { path: "conditions/and/1", error: "object.text is not in the context" },
      { path: "conditions", result: false },
    ]);
    expect(outcomes.get("r0")).toBe("true");
    expect(outcomes.get("r1")).toBe("error");
    expect(outcomes.get("root")).toBe("false");
  });
});

describe("sample context", () => {
  it("fills the event's object fields with typed placeholders", () => {
    const sample = sampleContext(trigger, events, { id: 3, domain: "x" });
    expect(sample.object).toEqual({ id: 0, site: 3, text: "", volume: 0, difficulty: 0, status: "", disabled: false });
    expect(sample.event).toEqual({ name: "keyword.created", changes: { volume: { old: 0, new: 0 } } });
    expect(sampleContext({ type: "webhook" }, events)).toEqual({ payload: {} });
  });
});
