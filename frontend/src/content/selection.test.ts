import { describe, expect, it } from "vitest";

import { allSelected, prune, selectedIds, someSelected, toggleAll, toggleOne } from "./selection";

const visible = [5, 3, 9];

describe("selection", () => {
  it("toggles one id in and out without mutating the input", () => {
    const empty = new Set<number>();
    const one = toggleOne(empty, 3);
    expect([...one]).toEqual([3]);
    expect(empty.size).toBe(0);
    expect([...toggleOne(one, 3)]).toEqual([]);
  });

  it.each([
    { selected: [], all: false, some: false },
    { selected: [3], all: false, some: true },
    { selected: [5, 3, 9], all: true, some: false },
    { selected: [5, 3, 9, 77], all: true, some: false },
    { selected: [77], all: false, some: false },
  ])("with $selected selected: all=$all some=$some", ({ selected, all, some }) => {
    const set = new Set(selected);
    expect(allSelected(set, visible)).toBe(all);
    expect(someSelected(set, visible)).toBe(some);
  });

  it("is never all-selected when nothing is visible", () => {
    expect(allSelected(new Set([1]), [])).toBe(false);
  });

  it("selects every visible row, then clears them on a second toggle", () => {
    const all = toggleAll(new Set([3]), visible);
    expect([...all].sort()).toEqual([3, 5, 9]);
    expect(toggleAll(all, visible).size).toBe(0);
  });

  it("prunes rows that left the page and keeps identity when nothing changed", () => {
    const set = new Set([5, 9]);
    expect(prune(set, visible)).toBe(set);
    expect([...prune(set, [9, 10])]).toEqual([9]);
  });

  it("answers selected ids in row order", () => {
    expect(selectedIds(new Set([9, 5, 77]), visible)).toEqual([5, 9]);
  });
});
