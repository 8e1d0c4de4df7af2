import {
  addToSchema,
  entryFieldError,
  entryHasErrors,
  mapRuleErrors,
  ownFields,
  removeStepErrors,
  reorderStepErrors,
  splitEntryPath,
  stepFieldError,
  stepHasErrors,
  type ErrorSchema,
} from "./errors";

describe("mapping the API's dotted error paths", () => {
  const errors = mapRuleErrors({
    name: ["This field may not be blank."],
    "trigger.cron": ["cron minute field '61' is not valid (allowed: 0-59)"],
    "trigger.fields": ["['object.volume'] are not fields of keyword.created"],
    conditions: ["conditions/and/1/>: '>' takes 2 to 3 arguments, got 1"],
    "actions.0.type": ["unknown action type 'nope'"],
    "actions.1.params.url": ["'not a url' does not match '^https?://'"],
    "actions.1.params.headers.X-Key": ["must be a string"],
    "actions.1.params.ids.2": ["must be >= 1"],
    "actions.1.retry.max": ["must be a whole number from 0 to 10"],
    "actions.2.params": ["'message' is a required property"],
    detail: ["Something else."],
    weird: ["unplaced"],
  });

  it("puts rule and trigger errors at their field", () => {
    expect(errors.fields.name).toEqual(["This field may not be blank."]);
    expect(errors.fields["trigger.cron"]?.[0]).toMatch(/minute field/);
    expect(errors.fields["trigger.fields"]).toHaveLength(1);
  });

  it("splits condition messages into node path and text", () => {
    expect(errors.conditions).toEqual([{ path: "conditions/and/1/>", message: "'>' takes 2 to 3 arguments, got 1" }]);
  });

  it("puts step errors at the step's field, params as an @rjsf error schema", () => {
    expect(stepFieldError(errors, 0, "type")).toBe("unknown action type 'nope'");
    expect(stepFieldError(errors, 1, "retry.max")).toBe("must be a whole number from 0 to 10");
    expect(errors.steps[1]?.params).toEqual({
      url: { __errors: ["'not a url' does not match '^https?://'"] },
      headers: { "X-Key": { __errors: ["must be a string"] } },
      ids: { "2": { __errors: ["must be >= 1"] } },
    });
    // a missing property is reported at its parent; it is shown at the property
    expect(errors.steps[2]?.params).toEqual({ message: { __errors: ["'message' is a required property"] } });
    expect(stepHasErrors(errors, 1)).toBe(true);
    expect(stepHasErrors(errors, 3)).toBe(false);
  });

  it("keeps general and unknown messages for the summary", () => {
    expect(errors.other).toEqual(["Something else.", "weird: unplaced"]);
    expect(errors.count).toBe(12);
  });

  it("moves step errors with their step", () => {
    const moved = reorderStepErrors(errors, 1, 0);
    expect(moved.steps[0]?.params).toHaveProperty("url");
    expect(moved.steps[1]?.fields.type).toEqual(["unknown action type 'nope'"]);
    const removed = removeStepErrors(errors, 0);
    expect(removed.steps[0]?.params).toHaveProperty("url");
    expect(removed.steps[1]?.params).toHaveProperty("message");
  });

  it("builds nested error schemas", () => {
    const schema: ErrorSchema = {};
    addToSchema(schema, ["a", "b"], ["x"]);
    addToSchema(schema, ["a", "b"], ["y"]);
    addToSchema(schema, [], ["root"]);
    expect(schema).toEqual({ a: { b: { __errors: ["x", "y"] } }, __errors: ["root"] });
  });
});

describe("errors of entries nested in control blocks", () => {
  const errors = mapRuleErrors({
    "actions.2.then.0.params.url": ["'x' does not match '^https?://'"],
    "actions.2.then.0.params": ["'message' is a required property"],
    "actions.1.do.0.type": ["unknown action type 'nope'"],
    "actions.0.cases.1.condition": ["'>' takes 2 to 3 arguments, got 1"],
    "actions.0.cases.1.do.0.timeout": ["must be at most 86400"],
    "actions.3.branches.1.0.seconds": ["must be a positive number"],
    "actions.3.branches": ["a parallel block needs 2 to 10 branches"],
    "actions.4.else.1.do.2.retry.max": ["must be a whole number from 0 to 10"],
    "actions.1.concurrency": ["must be from 1 to 16"],
  });

  it("splits a key into the deepest entry and the field in it", () => {
    expect(splitEntryPath("actions.2.then.0.params.url")).toEqual({ entryPath: "actions.2.then.0", rest: "params.url" });
    expect(splitEntryPath("actions.0.cases.1.condition")).toEqual({ entryPath: "actions.0", rest: "cases.1.condition" });
    expect(splitEntryPath("actions.0.cases.1.do.0.timeout")).toEqual({ entryPath: "actions.0.cases.1.do.0", rest: "timeout" });
    expect(splitEntryPath("actions.3.branches.1.0.seconds")).toEqual({ entryPath: "actions.3.branches.1.0", rest: "seconds" });
    expect(splitEntryPath("actions.3.branches.1")).toEqual({ entryPath: "actions.3", rest: "branches.1" });
    expect(splitEntryPath("actions.4.else.1.do.2.retry.max")).toEqual({ entryPath: "actions.4.else.1.do.2", rest: "retry.max" });
    expect(splitEntryPath("actions.1")).toEqual({ entryPath: "actions.1", rest: "" });
  });

  it("puts every message at its nested entry and field, params as an error schema", () => {
    const inner = errors.entries["actions.2.then.0"];
    expect(inner?.params).toEqual({
      url: { __errors: ["'x' does not match '^https?://'"] },
      message: { __errors: ["'message' is a required property"] },
    });
    expect(entryFieldError(errors.entries["actions.1.do.0"], "type")).toBe("unknown action type 'nope'");
    expect(entryFieldError(errors.entries["actions.0"], "cases.1.condition")).toBe("'>' takes 2 to 3 arguments, got 1");
    expect(entryFieldError(errors.entries["actions.0.cases.1.do.0"], "timeout")).toBe("must be at most 86400");
    expect(entryFieldError(errors.entries["actions.3.branches.1.0"], "seconds")).toBe("must be a positive number");
    expect(entryFieldError(errors.entries["actions.3"], "branches")).toBe("a parallel block needs 2 to 10 branches");
    expect(entryFieldError(errors.entries["actions.4.else.1.do.2"], "retry.max")).toBe("must be a whole number from 0 to 10");
    expect(entryFieldError(errors.entries["actions.1"], "concurrency")).toBe("must be from 1 to 16");
    expect(errors.count).toBe(9);
  });

  it("marks the top-level step and lists the nested path for the summary; its own fields stay apart", () => {
    expect(stepHasErrors(errors, 2)).toBe(true);
    expect(stepHasErrors(errors, 4)).toBe(true);
    expect(errors.steps[2]?.fields["then.0.params.url"]).toEqual(["'x' does not match '^https?://'"]);
    expect(errors.steps[2]?.params).toEqual({}); // a nested step's params are not the block's
    expect(ownFields(errors.entries["actions.1"]).map(([key]) => key)).toEqual(["concurrency"]);
    expect(ownFields(errors.entries["actions.3"]).map(([key]) => key)).toEqual(["branches"]);
    expect(entryHasErrors(errors.entries["actions.3.branches.1.0"])).toBe(true);
    expect(entryHasErrors(errors.entries["actions.9"])).toBe(false);
  });

  it("keeps the entries when top-level steps move (the editor pins them to entries by key)", () => {
    const moved = reorderStepErrors(errors, 0, 3);
    expect(moved.entries).toBe(errors.entries);
    expect(removeStepErrors(errors, 1).entries).toBe(errors.entries);
  });
});
