import { describe, expect, it } from "vitest";

import { creditSlices } from "./CreditsDonut";
import { CSV_COLUMNS, exportFileName, runToCsv, runToJson } from "./export";
import {
  formatDuration,
  formatEta,
  formatPercent,
  formatZonedDateTime,
  formatZonedTime,
  ordinal,
  scheduleText,
  timeInputValue,
  zoneAbbreviation,
} from "./format";
import { parseActivityLine, parseLogText } from "./log";
import { runDetail } from "./testData";

describe("format", () => {
  it("formats durations the way the seeds show them", () => {
    expect(formatDuration(2301)).toBe("38m 21s");
    expect(formatDuration(4000)).toBe("1h 06m");
    expect(formatDuration(12.4)).toBe("12s");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(null)).toBe("–");
  });

  it("words the ETA", () => {
    expect(formatEta(20)).toBe("less than a minute left");
    expect(formatEta(150)).toBe("about 3 min left");
    expect(formatEta(5400)).toBe("about 1.5 h left");
    expect(formatEta(null)).toBeNull();
  });

  it("writes the schedule as 'Daily at 02:00 (UTC)'", () => {
    expect(scheduleText({ frequency: "daily", scheduled_time: "02:00:00" }, "UTC")).toBe("Daily at 02:00 (UTC)");
    expect(scheduleText({ frequency: "weekly", scheduled_time: "14:30:00", scheduled_weekday: 1 }, "Europe/Berlin")).toBe(
      "Weekly on Tuesday at 14:30 (Europe/Berlin)",
    );
    expect(scheduleText({ frequency: "monthly", scheduled_time: "06:05:00", scheduled_day_of_month: 22 }, "UTC")).toBe(
      "Monthly on the 22nd at 06:05 (UTC)",
    );
    expect(
      scheduleText({ frequency: "custom", scheduled_time: "00:00:00", schedule_description: "Every 15 minutes" }, "Asia/Tokyo"),
    ).toBe("Custom: Every 15 minutes (Asia/Tokyo)");
    expect(timeInputValue("02:00:00")).toBe("02:00");
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 28].map(ordinal)).toEqual(["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "28th"]);
  });

  it("shows moments in the site's time zone and names it", () => {
    // 01:00 UTC on Tuesday 1 Dec 2026 is 02:00 in Berlin (CET, UTC+1).
    expect(formatZonedDateTime("2026-12-01T01:00:00Z", "Europe/Berlin")).toBe("Tue 1 Dec, 02:00 (Europe/Berlin)");
    expect(formatZonedDateTime("2026-07-01T01:00:00Z", "Europe/Berlin")).toBe("Wed 1 Jul, 03:00 (Europe/Berlin)");
    expect(formatZonedTime("2026-12-01T23:30:05Z", "Asia/Tokyo")).toBe("08:30:05");
    expect(zoneAbbreviation("UTC")).toBe("UTC");
    expect(zoneAbbreviation("Europe/Berlin", new Date("2026-12-01T00:00:00Z"))).toBe("CET");
    // An unknown zone falls back to UTC rather than throwing.
    expect(formatZonedTime("2026-12-01T23:30:05Z", "Mars/Olympus")).toBe("23:30:05");
    expect(formatZonedDateTime(null, "UTC")).toBe("–");
  });

  it("signs percentages on request", () => {
    expect(formatPercent(12.345)).toBe("12.3%");
    expect(formatPercent(7, { signed: true })).toBe("+7%");
    expect(formatPercent(-7, { signed: true })).toBe("-7%");
  });
});

describe("log lines", () => {
  it("parses current_run/'s activity lines", () => {
    const now = Date.parse("2026-11-21T12:00:00Z");
    expect(parseActivityLine("10:21:27 - run started (manual)", now)).toEqual({
      time: "10:21:27",
      at: "2026-11-21T10:21:27.000Z",
      level: "info",
      stage: null,
      message: "run started (manual)",
    });
    expect(parseActivityLine("10:21:30 - step 1 (generate_ideas) failed: boom").level).toBe("error");
    // Just after midnight (UTC), a line from before midnight belongs to the day before.
    expect(parseActivityLine("23:59:58 - stage 4 (generate_content) started", Date.parse("2026-11-22T00:00:03Z")).at).toBe(
      "2026-11-21T23:59:58.000Z",
    );
  });

  it("parses logs/'s text", () => {
    const text =
      "2026-11-21 10:21:55 [info] stage 7 - 50 articles ready for review\n2026-11-21 10:21:55 [info] - run completed; credits used 971.20\n";
    expect(parseLogText(text)).toEqual([
      { time: "10:21:55", at: "2026-11-21T10:21:55Z", level: "info", stage: 7, message: "50 articles ready for review" },
      { time: "10:21:55", at: "2026-11-21T10:21:55Z", level: "info", stage: null, message: "run completed; credits used 971.20" },
    ]);
  });
});

describe("export", () => {
  it("writes one CSV row per stage with the main numbers", () => {
    const detail = runDetail();
    detail.stages[0]!.result.error = 'quota "exceeded", retry';
    const lines = runToCsv(detail).trimEnd().split("\r\n");
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    const header = lines[0]!.split(",");
    const stage1 = lines[1]!.split(",");
    const at = (name: string) => stage1[header.indexOf(name)];
    expect(at("stage")).toBe("1");
    expect(at("name")).toBe("Keywords → Clusters");
    expect(at("status")).toBe("completed");
    expect(at("input_count")).toBe("71");
    expect(at("created")).toBe("33");
    expect(at("credits_used")).toBe("14.2");
    expect(lines[4]).toContain(",Tasks → Content,AI,completed,99,99,99,297,");
  });

  it("quotes cells with commas and quotes", () => {
    const detail = runDetail({ run_title: 'demo, "the" blog #1' });
    expect(runToCsv(detail).split("\r\n")[1]).toContain('"demo, ""the"" blog #1"');
  });

  it("exports the run_detail answer as JSON, under a safe file name", () => {
    const detail = runDetail();
    expect(JSON.parse(runToJson(detail))).toEqual(detail);
    expect(exportFileName(detail, "csv")).toBe("demo.example.com-1-run_20261121_102127_manual.csv");
  });
});

describe("credits donut", () => {
  it("orders slices by credits with their share of the total", () => {
    const slices = creditSlices({ stage_1: 10, stage_2: 30, stage_3: 0, stage_4: 60 });
    expect(slices.map((slice) => [slice.stage, Math.round(slice.share)])).toEqual([
      [4, 60],
      [2, 30],
      [1, 10],
      [3, 0],
    ]);
  });
});
