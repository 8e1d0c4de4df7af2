import { describe, expect, it } from "vitest";

import {
  clearedFilters,
  isFiltered,
  nextOrdering,
  parsePasted,
  readFilters,
  rowProblems,
  sortDirection,
  toQuery,
  withFilters,
} from "./filters";

describe("keyword filters in the URL", () => {
  it("reads known values and ignores made-up ones", () => {
    const filters = readFilters(new URLSearchParams("status=new&cluster=4&intent=shouty&vmin=10&disabled=true&q=brew&sort=bogus&page=0"));
    expect(filters).toMatchObject({
      status: "new",
      cluster: 4,
      intent: null,
      volumeMin: "10",
      volumeMax: "",
      disabled: true,
      search: "brew",
      ordering: "-volume",
      page: 1,
    });
    expect(isFiltered(filters)).toBe(true);
    expect(isFiltered(readFilters(new URLSearchParams("sort=text&page=3")))).toBe(false);
  });

  it("builds the list query, leaving out what is not set", () => {
    const query = toQuery(7, readFilters(new URLSearchParams("vmin=5&vmax= &disabled=false&sort=text")), 25);
    expect(query).toEqual({
      site: 7,
      status: undefined,
      cluster: undefined,
      intent: undefined,
      volume_min: 5,
      volume_max: undefined,
      disabled: false,
      search: undefined,
      ordering: "text",
      page: 1,
      page_size: 25,
    });
  });

  it("goes back to page 1 when a filter changes, and clears filters but not the site or sort", () => {
    const params = new URLSearchParams("site=3&status=new&page=4&sort=text");
    expect(withFilters(params, { intent: "commercial" }).toString()).toBe("site=3&status=new&sort=text&intent=commercial");
    expect(withFilters(params, { page: "5" }).get("page")).toBe("5");
    expect(clearedFilters(params).toString()).toBe("site=3&sort=text");
  });

  it("sorts a column one way then the other (figures biggest first)", () => {
    expect(nextOrdering("-volume", "text")).toBe("text");
    expect(nextOrdering("text", "text")).toBe("-text");
    expect(nextOrdering("-text", "text")).toBe("text");
    expect(nextOrdering("text", "volume")).toBe("-volume");
    expect(sortDirection("-volume", "volume")).toBe("descending");
    expect(sortDirection("-volume", "text")).toBe("none");
  });
});

describe("paste many", () => {
  it("reads one keyword per line, with optional figures, skipping blanks and a header", () => {
    const rows = parsePasted("keyword,volume\n cold brew \n\nlatte art, 300, 20, Commercial\nx\ty\nmoka;1;2;informational;extra\n");
    expect(rows).toEqual([
      { line: 2, row: { text: "cold brew" } },
      { line: 4, row: { text: "latte art", volume: "300", difficulty: "20", intent: "commercial" } },
      { line: 5, row: { text: "x", volume: "y" } },
      { line: 6, row: { text: "moka", volume: "1", difficulty: "2", intent: "informational", unexpected_extra_columns: "extra" } },
    ]);
  });

  it("maps the API's row errors back to lines", () => {
    const errors = { "keywords.1.volume": ["A valid integer is required."], "keywords.0.text": ["Taken."], site: ["x"] };
    expect(rowProblems(errors, "keywords", (index) => [2, 4][index] ?? 0)).toEqual([
      { line: 2, field: "text", message: "Taken." },
      { line: 4, field: "volume", message: "A valid integer is required." },
    ]);
    expect(rowProblems({ "rows.3.volume": ["Bad."] }, "rows", (line) => line)).toEqual([{ line: 3, field: "volume", message: "Bad." }]);
  });
});
