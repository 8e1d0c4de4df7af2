import { addToSchema, mapRuleErrors, removeStepErrors, reorderStepErrors, stepFieldError, stepHasErrors, type ErrorSchema } from "./errors";

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
