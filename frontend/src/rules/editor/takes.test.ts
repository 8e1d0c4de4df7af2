import { describe, expect, it } from "vitest";

import { takesSummary } from "./takes";

const item = { type: "object", properties: { items: {}, ids: {}, limit: {} } };

describe("which items an item action takes", () => {
  it("says it for each way of naming them", () => {
    expect(takesSummary(item, { items: "trigger" })).toMatch(/triggered the run/);
    expect(takesSummary(item, { items: { var: "steps.cluster.output.ids" } })).toBe(
      "the ids of step cluster's output, read when this step starts",
    );
    expect(takesSummary(item, { items: [4, 5] })).toBe("these 2 items: 4, 5");
    expect(takesSummary(item, { limit: 20 })).toBe("up to 20 items waiting in the site's queue");
    expect(takesSummary(item, {})).toMatch(/site's queue/);
  });

  it("says nothing for an action that takes no items", () => {
    expect(takesSummary({ type: "object", properties: { message: {} } }, {})).toBeNull();
  });
});
