import { describe, expect, it } from "vitest";

import type { StepDraft } from "../draft";
import { mapRuleErrors } from "../errors";
import { credentialNameProblem, credentialNamesAfter, credentialUsage } from "./credentials";
import { hasPlaceholders, loopNames, previewTemplate, pythonStr, templateSample } from "./placeholders";

const sample = { event: "keyword.created", object: { keyword: "best pans", volume: 1200, disabled: false, extra: { a: 1 } }, payload: {} };

describe("placeholder preview", () => {
  it("finds placeholders, not JSON or plain braces", () => {
    expect(hasPlaceholders("New {object.keyword}")).toBe(true);
    expect(hasPlaceholders('{"a": 1} and { spaced }')).toBe(false);
    expect(hasPlaceholders("no placeholders")).toBe(false);
  });

  it("fills what the sample has, as the server writes it", () => {
    expect(hasPlaceholders("{object.keyword}")).toBe(true); // a check before does not skip the first placeholder
    expect(previewTemplate("{object.keyword}!", sample)[0]).toMatchObject({ kind: "filled", value: "best pans" });
    expect(previewTemplate("Keyword {object.keyword} ({object.volume}) off={object.disabled} on {event}", sample)).toEqual([
      { kind: "text", text: "Keyword " },
      { kind: "filled", text: "{object.keyword}", path: "object.keyword", value: "best pans" },
      { kind: "text", text: " (" },
      { kind: "filled", text: "{object.volume}", path: "object.volume", value: "1200" },
      { kind: "text", text: ") off=" },
      { kind: "filled", text: "{object.disabled}", path: "object.disabled", value: "False" },
      { kind: "text", text: " on " },
      { kind: "filled", text: "{event}", path: "event", value: "keyword.created" },
    ]);
    expect(pythonStr({ a: [1, "x"], b: null })).toBe("{'a': [1, 'x'], 'b': None}");
  });

  it("says an unknown placeholder stays as written", () => {
    const [, seg] = previewTemplate("x {object.wordcount}", sample);
    expect(seg).toMatchObject({ kind: "unknown", path: "object.wordcount" });
    expect((seg as { reason: string }).reason).toMatch(/stays as written/);
    expect(previewTemplate("{Object.keyword}", sample)[0]).toMatchObject({ kind: "unknown" });
    expect(previewTemplate("{site.domain}", sample)[0]).toMatchObject({ kind: "unknown" });
  });

  it("fills steps and loop items when the run gets there; flags a step id no entry has", () => {
    const ids = new Set(["step-1", "loop"]);
    expect(previewTemplate("{steps.step-1.output.ids}", sample, { stepIds: ids })[0]).toMatchObject({
      kind: "runtime",
      reason: "filled when the run reaches this step",
    });
    expect(previewTemplate("{steps.nope.output.ids}", sample, { stepIds: ids })[0]).toMatchObject({ kind: "unknown" });
    expect(previewTemplate("{item} #{item_index} {kw.id}", sample, { loopVars: ["kw"] }).filter((s) => s.kind === "runtime")).toHaveLength(3);
  });

  it("knows a manual or webhook payload may carry more than the sample", () => {
    expect(previewTemplate("{payload.x}", { payload: { x: 3 } }, { openPayload: true })[0]).toMatchObject({ kind: "filled", value: "3" });
    const missing = previewTemplate("{payload.y}", { payload: {} }, { openPayload: true })[0] as { reason: string };
    expect(missing.reason).toMatch(/when the trigger's payload has it/);
  });

  it("builds the sample from a conditions context as the run's payload", () => {
    const context = { event: { name: "keyword.created", changes: {} }, object: { id: 4 }, site: { id: 1 }, payload: {} };
    expect(templateSample({ type: "event", event: "keyword.created" }, context)).toEqual({
      event: "keyword.created",
      object_type: "keyword",
      object: { id: 4 },
      changes: {},
    });
    expect(templateSample({ type: "manual" }, { payload: { a: 1 } })).toEqual({ payload: { a: 1 } });
  });

  it("collects the names loops give their items", () => {
    const steps = [{ key: "a", type: "for_each", as: "kw", params: {}, do: [{ key: "b", type: "for_each", as: "idea", params: {}, do: [] }] }] as StepDraft[];
    expect(loopNames(steps).sort()).toEqual(["idea", "idea_index", "kw", "kw_index"]);
  });
});

describe("credentials", () => {
  it("names after the next save: removed ones go, added ones come", () => {
    expect(credentialNamesAfter(["a_key", "b_key"], { b_key: null, c_key: "v", a_key: "new" })).toEqual(["a_key", "c_key"]);
  });

  it("checks a new name", () => {
    expect(credentialNameProblem("", [])).toMatch(/name/);
    expect(credentialNameProblem("Bad-Name", [])).toMatch(/Lower-case/);
    expect(credentialNameProblem("crm_token", ["crm_token"])).toMatch(/replace its value/);
    expect(credentialNameProblem("crm_token", [])).toBeNull();
  });

  it("finds where the steps use each credential, nested ones too", () => {
    const steps = [
      { key: "a", type: "webhook", params: { url: "u", secret_headers: { Authorization: "crm_token" } } },
      { key: "b", type: "if", id: "check", params: {}, then: [{ key: "c", type: "webhook", params: { secret_headers: { "X-Key": "crm_token" } } }] },
    ] as StepDraft[];
    expect(credentialUsage(steps).get("crm_token")).toEqual(["step-1 (Authorization)", "check-then-1 (X-Key)"]);
  });

  it("maps the API's credential errors to the rule's fields (the panel shows them)", () => {
    const errors = mapRuleErrors({ credentials: ["at most 50 credentials"], "credentials.Bad": ["not a valid name"] });
    expect(errors.fields).toEqual({ credentials: ["at most 50 credentials"], "credentials.Bad": ["not a valid name"] });
    expect(errors.other).toEqual([]);
  });
});
