import { compactDays, defaultModel, describeModel, parseCron, parseDays, toCron, type CronModel } from "./cron";

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
