/** Backtests, shadow summaries and replays in words; a backtest's 400 sorted to the editor's fields and the range. */
import { describe, expect, it } from "vitest";

import {
  approxCredits,
  backtestErrors,
  backtestHeadline,
  droppedLines,
  rangeSince,
  replayWords,
  shadowSummaryWords,
} from "./backtest";

describe("backtest words", () => {
  it("says the headline with the runs, the range and the credits", () => {
    expect(backtestHeadline({ estimated_runs: 37, estimated_credits: "410.00" }, "7d")).toBe(
      "Would have fired 37 times in the last 7 days, ≈ 410 credits",
    );
    expect(backtestHeadline({ estimated_runs: 1, estimated_credits: "2.50" }, "24h")).toBe(
      "Would have fired 1 time in the last 24 hours, ≈ 2.5 credits",
    );
    expect(backtestHeadline({ estimated_runs: 1200, estimated_credits: "0.00" }, "30d")).toBe(
      "Would have fired 1,200 times in the last 30 days, ≈ 0 credits",
    );
    expect(backtestHeadline({ estimated_runs: 0, estimated_credits: "0.00" }, "7d")).toBe("Would not have fired in the last 7 days");
    expect(approxCredits("1")).toBe("≈ 1 credit");
  });

  it("lists the drop reasons that happened, biggest first", () => {
    const lines = droppedLines({ conditions: 1100, condition_error: 0, filtered: 63, mode: 2, loop_guard: 0, budget: 5 });
    expect(lines.map((l) => [l.reason, l.count])).toEqual([
      ["conditions", 1100],
      ["filtered", 63],
      ["budget", 5],
      ["mode", 2],
    ]);
    expect(lines[0]!.text).toBe("the conditions were false");
    expect(droppedLines({ conditions: 0 })).toEqual([]);
  });

  it("starts a range that ends now", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(rangeSince("24h", now)).toBe("2026-12-01T12:00:00.000Z");
    expect(rangeSince("7d", now)).toBe("2026-11-25T12:00:00.000Z");
    expect(rangeSince("30d", now)).toBe("2026-11-02T12:00:00.000Z");
  });

  it("sends the draft's errors to the editor's fields, the range's to the range, the rest to the panel", () => {
    expect(
      backtestErrors({
        "rule.conditions": ["conditions/and/0/>: unknown operator"],
        "rule.trigger.event": ["unknown event 'nope'"],
        "rule.actions.0.params.url": ["must be an http:// or https:// URL"],
        since: ["must be before until"],
        rule: ["a manual rule has no events to backtest"],
        "rule.non_field_errors": ["bad rule"],
        detail: ["slow down"],
      }),
    ).toEqual({
      rule: {
        conditions: ["conditions/and/0/>: unknown operator"],
        "trigger.event": ["unknown event 'nope'"],
        "actions.0.params.url": ["must be an http:// or https:// URL"],
      },
      range: ["must be before until"],
      other: ["a manual rule has no events to backtest", "bad rule", "slow down"],
    });
  });
});

describe("shadow and replay words", () => {
  it("says what a shadow rule would have done", () => {
    expect(shadowSummaryWords({ would_have_run: 12, estimated_credits: "36.00", last_at: null, days: 7 })).toBe(
      "would have run 12 times in 7 days, ≈ 36 credits",
    );
    expect(shadowSummaryWords({ would_have_run: 0, estimated_credits: "0.00", last_at: null, days: 7 })).toBe(
      "would not have run in the last 7 days",
    );
  });

  it("says what a replay did, leaving out the zeros", () => {
    expect(
      replayWords({ events_scanned: 12, started: 3, queued: 2, shadow: 0, dropped: 6, already_replayed: 1, run_ids: [] }),
    ).toBe("Replayed 12 events: 3 runs started, 2 queued, 6 dropped (see “Why didn't it fire?”), 1 already replayed before (not run again).");
    expect(replayWords({ events_scanned: 4, started: 0, queued: 0, shadow: 4, dropped: 0, already_replayed: 0, run_ids: [] })).toBe(
      "Replayed 4 events: 4 recorded in shadow (nothing executed).",
    );
    expect(replayWords({ events_scanned: 0, started: 0, queued: 0, shadow: 0, dropped: 0, already_replayed: 0, run_ids: [] })).toMatch(
      /nothing to replay/,
    );
  });
});
