import { describe, expect, it } from "vitest";

import { CSV_COLUMNS, neutralise, runToCsv } from "./export";
import { runDetail } from "./testData";

/** The cells of a data row, for a CSV without quoted commas in it. */
function cells(csv: string, row = 1): Record<string, string> {
  const lines = csv.split("\r\n");
  const values = lines[row]!.split(",");
  return Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, values[index]!]));
}

describe("CSV formula injection", () => {
  it.each([
    ["=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"],
    ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=1", "'\t=1"],
    ["\r=1", "'\r=1"],
    ["plain title", "plain title"],
    ["a=b", "a=b"],
    ["", ""],
  ])("neutralises %j as %j", (text, shown) => {
    expect(neutralise(text)).toBe(shown);
  });

  it("leaves numbers alone: they cannot carry a formula", () => {
    expect(neutralise(-3)).toBe("-3");
    expect(neutralise(14.2)).toBe("14.2");
    expect(neutralise(null)).toBe("");
  });

  it("prefixes a run title that would run as a formula in the exported file", () => {
    const csv = runToCsv(runDetail({ run_title: "=cmd|'/C calc'!A0" }));
    expect(cells(csv).run_title).toBe("'=cmd|'/C calc'!A0");
  });

  it("neutralises before quoting, so a quoted cell cannot start a formula either", () => {
    const csv = runToCsv(runDetail({ run_title: '@x, "y"' }));
    expect(csv.split("\r\n")[1]).toContain(`"'@x, ""y"""`);
    const withReturn = runToCsv(runDetail({ run_title: "\r=1+1" }));
    expect(withReturn).toContain(`"'\r=1+1"`);
  });

  it("neutralises every text column, not only the title", () => {
    const detail = runDetail({ run_id: "+run" });
    detail.stages[0]!.name = "-Keywords";
    detail.stages[0]!.status = "=failed" as never;
    const row = cells(runToCsv(detail));
    expect([row.run_id, row.name, row.status]).toEqual(["'+run", "'-Keywords", "'=failed"]);
    expect(row.input_count).toBe("71");
  });
});
