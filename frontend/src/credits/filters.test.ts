import { describe, expect, it } from "vitest";

import { exportUrl, hasFilters, NO_FILTERS, operationLabel, parseFilters, withFilters } from "./filters";
import { stageSlices } from "./usage";

describe("ledger filters", () => {
  it("reads known filters from the URL and drops bad values", () => {
    const filters = parseFilters(new URLSearchParams("operation=generate_content&kind=bogus&since=2026-12-01&until=yesterday&run=run_1"));
    expect(filters).toEqual({ operation: "generate_content", kind: "", since: "2026-12-01", until: "", run: "run_1" });
    expect(parseFilters(new URLSearchParams("kind=debit")).kind).toBe("debit");
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters(filters)).toBe(true);
  });

  it("writes changes to the URL and goes back to the first page", () => {
    const next = withFilters(new URLSearchParams("site=3&page=4&kind=debit&days=7"), { kind: "", operation: "generate_images" });
    expect(next.toString()).toBe("site=3&days=7&operation=generate_images");
    expect(withFilters(new URLSearchParams("operation=x&run=r"), NO_FILTERS).toString()).toBe("");
  });

  it("builds the export URL with the API's parameter names", () => {
    expect(exportUrl(NO_FILTERS)).toBe("/api/v1/credits/ledger/export/");
    expect(exportUrl({ ...NO_FILTERS, run: "run_9", since: "2026-11-01", kind: "debit" })).toBe(
      "/api/v1/credits/ledger/export/?kind=debit&since=2026-11-01&run_id=run_9",
    );
  });

  it("labels operations", () => {
    expect(operationLabel("generate_image_prompts")).toBe("Generate image prompts");
    expect(operationLabel("run-settlement")).toBe("Run settlement");
  });
});

describe("stage slices", () => {
  it("labels stages and other operations with shares of the total", () => {
    const slices = stageSlices([
      { stage: 1, name: "Keywords → Clusters", operation: "cluster_keywords", credits: "1.00" },
      { stage: 4, name: "Tasks → Content", operation: "generate_content", credits: "3.00" },
      { stage: null, name: "translate", operation: "translate", credits: "0.00" },
    ]);
    expect(slices.map((s) => [s.label, s.short, s.share])).toEqual([
      ["Stage 1: Keywords → Clusters", "Stage 1", 25],
      ["Stage 4: Tasks → Content", "Stage 4", 75],
      ["Translate", "Translate", 0],
    ]);
  });
});
