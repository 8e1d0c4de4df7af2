import { describe, expect, it } from "vitest";

import { contentPath, triggerContent } from "./payload";

describe("triggerContent", () => {
  it("names the content item an event run was about", () => {
    const payload = { event: "content.updated", object_type: "content", object: { id: 12, title: "Best espresso", site: 3 }, changes: {} };
    expect(triggerContent(payload)).toEqual({ id: 12, title: "Best espresso", site: 3 });
    expect(contentPath(12)).toBe("/content/12");
  });

  it("falls back to the id when the title is empty, and to no site when none is given", () => {
    expect(triggerContent({ object_type: "content", object: { id: 5, title: "  " } })).toEqual({ id: 5, title: "Content #5", site: null });
  });

  it("is null for other objects and other payloads", () => {
    expect(triggerContent({ object_type: "keyword", object: { id: 1, text: "x" } })).toBeNull();
    expect(triggerContent({ object_type: "content", object: { id: "12" } })).toBeNull();
    expect(triggerContent({ payload: { a: 1 } })).toBeNull();
    expect(triggerContent(null)).toBeNull();
    expect(triggerContent([1])).toBeNull();
  });
});
