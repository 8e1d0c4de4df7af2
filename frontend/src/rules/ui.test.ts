import { describe, expect, it } from "vitest";

import { clippedEdges } from "./ui";

describe("clippedEdges (the tab strip's fade cues)", () => {
  it("marks nothing when everything fits", () => {
    expect(clippedEdges(0, 300, 300)).toEqual({ start: false, end: false });
    expect(clippedEdges(0, 300.5, 300)).toEqual({ start: false, end: false });
  });

  it("marks the end at the start, both in the middle, the start at the end", () => {
    expect(clippedEdges(0, 500, 300)).toEqual({ start: false, end: true });
    expect(clippedEdges(100, 500, 300)).toEqual({ start: true, end: true });
    expect(clippedEdges(200, 500, 300)).toEqual({ start: true, end: false });
    expect(clippedEdges(199.5, 500, 300)).toEqual({ start: true, end: false });
  });
});
