import { compactDays, defaultModel, describeCron, describeModel, parseCron, parseDays, toCron, type CronModel } from "./cron";
import { checkCron, nextFireTimes } from "./editor/cronTimes";

describe("cron builder", () => {
  it.each<[CronModel, string]>([
    [{ kind: "minutes", every: 15 }, "*/15 * * * *"],
    [{ kind: "hourly", minute: 0 }, "0 * * * *"],
    [{ kind: "hourly", minute: 30 }, "30 * * * *"],
    [{ kind: "daily", hour: 2, minute: 0 }, "0 2 * * *"],
    [{ kind: "daily", hour: 23, minute: 45 }, "45 23 * * *"],
    [{ kind: "weekly", days: [1, 2, 3, 4, 5], hour: 9, minute: 30 }, "30 9 * * 1-5"],
    [{ kind: "weekly", days: [0, 6], hour: 8, minute: 0 }, "0 8 * * 0,6"],
    [{ kind: "weekly", days: [1, 3, 5], hour: 8, minute: 0 }, "0 8 * * 1,3,5"],
    [{ kind: "monthly", day: 1, hour: 2, minute: 0 }, "0 2 1 * *"],
    [{ kind: "custom", expression: "0  3 */2 * 1 " }, "0 3 */2 * 1"],
  ])("writes %j as %s and reads it back", (model, cron) => {
    expect(toCron(model)).toBe(cron);
    const back = parseCron(cron);
    if (model.kind === "custom") expect(back).toEqual({ kind: "custom", expression: cron });
    else expect(back).toEqual(model);
  });

  it("reads day names, 7 as Sunday and wrap-around ranges", () => {
    expect(parseCron("0 9 * * MON-FRI")).toEqual({ kind: "weekly", days: [1, 2, 3, 4, 5], hour: 9, minute: 0 });
    expect(parseCron("0 9 * * 7")).toEqual({ kind: "weekly", days: [0], hour: 9, minute: 0 });
    expect(parseDays("5-7")).toEqual([0, 5, 6]);
    expect(parseDays("mon,wed")).toEqual([1, 3]);
    expect(parseDays("8")).toBeNull();
  });

  it("keeps anything a preset cannot express as custom, unchanged", () => {
    for (const cron of ["*/7 * * * *", "0 */2 * * *", "0 2 1 1 *", "0 2 1 * 1", "0-10 2 * * *", "@daily", "1 2 3"]) {
      expect(parseCron(cron)).toEqual({ kind: "custom", expression: cron });
    }
  });

  it("compacts day lists into ranges", () => {
    expect(compactDays([5, 1, 2, 3, 4])).toBe("1-5");
    expect(compactDays([0, 1, 3])).toBe("0,1,3");
    expect(compactDays([1, 2, 4, 5, 6])).toBe("1,2,4-6");
    expect(compactDays([])).toBe("*");
  });

  it("describes each preset in words", () => {
    expect(describeModel({ kind: "daily", hour: 2, minute: 5 })).toBe("Every day at 02:05");
    expect(describeModel({ kind: "weekly", days: [1, 2, 3, 4, 5], hour: 9, minute: 0 })).toBe("Every weekday at 09:00");
    expect(describeModel({ kind: "weekly", days: [3, 1], hour: 9, minute: 0 })).toBe("Every Monday, Wednesday at 09:00");
    expect(describeModel({ kind: "monthly", day: 15, hour: 6, minute: 30 })).toBe("On day 15 of every month at 06:30");
    expect(describeModel({ kind: "hourly", minute: 0 })).toBe("Every hour, on the hour");
  });

  it("keeps the time of day when switching presets, and custom starts from the current cron", () => {
    const daily: CronModel = { kind: "daily", hour: 7, minute: 15 };
    expect(defaultModel("weekly", daily)).toEqual({ kind: "weekly", days: [1], hour: 7, minute: 15 });
    expect(defaultModel("custom", daily)).toEqual({ kind: "custom", expression: "15 7 * * *" });
  });
});

describe("cron feedback while typing", () => {
  const at = (iso: string) => new Date(iso);
  const times = (cron: string, zone: string, after: string) => {
    const check = checkCron(cron);
    if (!check.ok) throw new Error(check.errors.join("; "));
    return nextFireTimes(check.spec, zone, 5, at(after)).map((d) => d.toISOString());
  };

  it("names every bad field at once, in the server's words", () => {
    expect(checkCron("61 25 * 13 *")).toEqual({
      ok: false,
      errors: [
        "cron minute field '61' is not valid (allowed: 0-59)",
        "cron hour field '25' is not valid (allowed: 0-23)",
        "cron month field '13' is not valid (allowed: 1-12 or JAN-DEC)",
      ],
    });
    expect(checkCron("1 2 3")).toEqual({ ok: false, errors: ["cron must have 5 fields (minute hour day month weekday), got 3"] });
    expect(checkCron("0 0 31 2 *")).toEqual({ ok: false, errors: ["cron '0 0 31 2 *' never fires (no date matches it)"] });
    expect(checkCron("*/0 * * * *").ok).toBe(false);
    expect(checkCron("0 9 * * MON-FRI").ok).toBe(true);
    expect(checkCron("0 9 L * *").ok).toBe(true);
    expect(checkCron("0 9 * * 5#2").ok).toBe(true);
  });

  it("gives the next five fire times in the rule's zone", () => {
    expect(times("30 6 * * 1-5", "Europe/Berlin", "2026-12-04T12:00:00Z")).toEqual([
      "2026-12-07T05:30:00.000Z", // Monday 06:30 CET
      "2026-12-08T05:30:00.000Z",
      "2026-12-09T05:30:00.000Z",
      "2026-12-10T05:30:00.000Z",
      "2026-12-11T05:30:00.000Z",
    ]);
    expect(times("*/15 * * * *", "UTC", "2026-01-01T00:07:00Z")[0]).toBe("2026-01-01T00:15:00.000Z");
    expect(times("0 0 L * *", "UTC", "2026-01-15T00:00:00Z").slice(0, 2)).toEqual(["2026-01-31T00:00:00.000Z", "2026-02-28T00:00:00.000Z"]);
    // a restricted day and weekday match either (the 13th, or any Friday)
    expect(times("0 12 13 * 5", "UTC", "2026-02-01T00:00:00Z").slice(0, 3)).toEqual([
      "2026-02-06T12:00:00.000Z",
      "2026-02-13T12:00:00.000Z",
      "2026-02-20T12:00:00.000Z",
    ]);
    expect(times("0 8 * * 1#1", "UTC", "2026-03-01T00:00:00Z")[0]).toBe("2026-03-02T08:00:00.000Z");
  });

  it("fires a time skipped by DST shifted by the gap, and a repeated one once", () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00 → 03:00
    expect(times("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z").slice(0, 2)).toEqual(["2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    // and falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice, fires on the first
    expect(times("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z").slice(0, 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("describes any expression", () => {
    expect(describeCron("0 2 * * *")).toBe("Every day at 02:00");
    expect(describeCron("*/30 8-18 * * 1-5")).toBe("Every 30 minutes, between 08:00 and 18:59, on Monday through Friday");
    expect(describeCron("0 8,17 * * *")).toBe("At 08:00 and 17:00");
    expect(describeCron("0 0 L * *")).toBe("At 00:00, on the last day of the month");
    expect(describeCron("0 9 1 1,7 *")).toBe("At 09:00, on day 1 of the month, in January and July");
    expect(describeCron("0 9 13 * 5")).toBe("At 09:00, on day 13 of the month or on Friday");
    expect(describeCron("0 9 * * 5#2")).toBe("At 09:00, on second Friday");
  });
});
