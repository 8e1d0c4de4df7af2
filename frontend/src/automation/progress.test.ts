import { describe, expect, it } from "vitest";

import {
  historyBadges,
  isActiveRun,
  overallProgress,
  queuesAfterRun,
  runStatusBadge,
  snapshotFromCurrentRun,
  snapshotFromRunDetail,
  stageCard,
  stageCards,
  stageDots,
  stageStatusBadge,
} from "./progress";
import { currentRun, runDetail, stageResult } from "./testData";

const ALL_ENABLED = [true, true, true, true, true, true, true];

describe("status badges", () => {
  it("maps run statuses to labels and tones", () => {
    expect(runStatusBadge("running")).toEqual({ label: "Running", tone: "info" });
    expect(runStatusBadge("paused")).toEqual({ label: "Paused", tone: "warning" });
    expect(runStatusBadge("completed")).toEqual({ label: "Completed", tone: "success" });
    expect(runStatusBadge("failed")).toEqual({ label: "Failed", tone: "danger" });
    expect(runStatusBadge("cancelled")).toEqual({ label: "Cancelled", tone: "neutral" });
    expect(runStatusBadge("something_new")).toEqual({ label: "Something_new", tone: "neutral" });
  });

  it("maps stage statuses, including the dashboard's own (waiting, ready, empty, disabled)", () => {
    expect(stageStatusBadge("running").tone).toBe("info");
    expect(stageStatusBadge("waiting").label).toBe("Waiting");
    expect(stageStatusBadge("ready")).toEqual({ label: "Ready", tone: "primary" });
    expect(stageStatusBadge("empty").label).toBe("Empty");
    expect(stageStatusBadge("skipped").tone).toBe("neutral");
    expect(stageStatusBadge("failed").tone).toBe("danger");
  });

  it("knows which run statuses are active", () => {
    expect(["queued", "running", "paused"].map(isActiveRun)).toEqual([true, true, true]);
    expect(["completed", "failed", "cancelled", null, undefined].map(isActiveRun)).toEqual([false, false, false, false, false]);
  });
});

describe("stage card numbers during a run", () => {
  it("counts the running stage from the live queue: total from the snapshot, processed = total − waiting", () => {
    const run = snapshotFromCurrentRun(currentRun(1));
    const card = stageCard(1, { run, pending: [51, 0, 0, 0, 0, 0, 0], enabled: ALL_ENABLED });
    expect(card).toMatchObject({ status: "running", total: 71, processed: 20, remaining: 51, percent: 28 });
    expect(card.badge.label).toBe("Running");
  });

  it("takes the items the previous stage made as the next stage's queue", () => {
    // Stage 1 completed making 10 clusters (testData), stage 2 is running with 4 clusters left.
    const run = snapshotFromCurrentRun(currentRun(2));
    const card = stageCard(2, { run, pending: [0, 4, 0, 0, 0, 0, 0] });
    expect(card).toMatchObject({ status: "running", total: 10, processed: 6, remaining: 4, percent: 60 });
  });

  it("grows the queue when more items wait than the snapshot promised", () => {
    const run = snapshotFromCurrentRun(currentRun(2));
    expect(stageCard(2, { run, pending: [0, 25, 0, 0, 0, 0, 0] })).toMatchObject({ total: 25, processed: 0, remaining: 25 });
  });

  it("falls back to the snapshot when the live queue is not known yet", () => {
    const run = snapshotFromCurrentRun(currentRun(1));
    expect(stageCard(1, { run, pending: null })).toMatchObject({ total: 71, processed: 0, remaining: 71, percent: 0 });
  });

  it("shows completed stages with what they took, made and cost", () => {
    const run = snapshotFromCurrentRun(currentRun(3));
    const card = stageCard(1, { run, pending: [5, 0, 0, 0, 0, 0, 0] });
    expect(card).toMatchObject({ status: "completed", total: 10, processed: 10, remaining: 0, percent: 100, credits: 2, created: 10 });
    expect(card.startedAt).toBe("2026-11-21T10:21:12Z");
    expect(card.endedAt).toBe("2026-11-21T10:21:13Z");
  });

  it("marks later stages as waiting, with the items already waiting for them", () => {
    const run = snapshotFromCurrentRun(currentRun(2));
    const card = stageCard(4, { run, pending: [0, 4, 30, 7, 0, 0, 0] });
    expect(card).toMatchObject({ status: "waiting", total: 7, processed: 0, remaining: 7, percent: 0, created: null, credits: 0 });
    expect(card.badge.label).toBe("Waiting");
  });

  it("shows the stage the run is on as running while it waits out the delay before it starts", () => {
    const run = snapshotFromCurrentRun(
      currentRun(2, { stage_2_result: null, stage_statuses: ["completed", "pending", "pending", "pending", "pending", "pending", "pending"] }),
    );
    expect(stageCard(2, { run, pending: [0, 10, 0, 0, 0, 0, 0] })).toMatchObject({ status: "running", total: 10, processed: 0 });
    expect(stageCard(3, { run, pending: [0, 10, 0, 0, 0, 0, 0] }).status).toBe("waiting");
    const queued = snapshotFromCurrentRun(currentRun(1, { status: "queued", stage_1_result: null, stage_statuses: [] }));
    expect(stageCard(1, { run: queued }).status).toBe("waiting");
  });

  it("shows the paused stage as paused", () => {
    const run = snapshotFromCurrentRun(currentRun(1, { status: "paused" }));
    expect(stageCard(1, { run, pending: [31, 0, 0, 0, 0, 0, 0] })).toMatchObject({ status: "paused", processed: 40, remaining: 31 });
  });

  it("keeps items of a failed stage as remaining and surfaces its error", () => {
    const run = snapshotFromCurrentRun(
      currentRun(3, { stage_2_result: stageResult(2, { status: "failed", input_count: 6, error: "provider down" }) }),
    );
    const card = stageCard(2, { run, pending: [0, 4, 0, 0, 0, 0, 0] });
    expect(card).toMatchObject({ status: "failed", total: 10, processed: 6, remaining: 4, percent: 60, error: "provider down" });
  });

  it("shows why a stage was skipped", () => {
    const run = snapshotFromCurrentRun(
      currentRun(3, { stage_2_result: stageResult(2, { status: "skipped", input_count: 0, skip_reason: "nothing to do" }) }),
    );
    expect(stageCard(2, { run })).toMatchObject({ status: "skipped", total: 0, percent: 0, skipReason: "nothing to do" });
  });

  it("counts the review gate's queue from the articles stage 5 took", () => {
    const run = snapshotFromCurrentRun(currentRun(7));
    expect(stageCard(7, { run, pending: [0, 0, 0, 0, 0, 0, 3] })).toMatchObject({ total: 10, processed: 7, remaining: 3 });
  });
});

describe("stage card numbers without an active run", () => {
  it("shows what waits now as Ready, and Empty when nothing waits", () => {
    const cards = stageCards({ run: null, pending: [71, 0, 0, 0, 0, 0, 0], enabled: ALL_ENABLED });
    expect(cards.map((card) => card.status)).toEqual(["ready", "empty", "empty", "empty", "empty", "empty", "empty"]);
    expect(cards[0]).toMatchObject({ total: 71, processed: 0, remaining: 71, percent: 0, created: null });
  });

  it("shows the last run's results next to what waits now", () => {
    const run = snapshotFromRunDetail(runDetail());
    const cards = stageCards({ run, pending: [12, 0, 0, 0, 0, 0, 0], enabled: ALL_ENABLED });
    expect(cards[0]).toMatchObject({ status: "ready", processed: 71, remaining: 12, total: 83, created: 33 });
    expect(cards[3]).toMatchObject({ status: "completed", processed: 99, remaining: 0, total: 99, percent: 100, credits: 297 });
  });

  it("marks disabled stages", () => {
    const cards = stageCards({ run: null, pending: [5, 5, 0, 0, 0, 0, 0], enabled: [true, false, true, true, true, true, true] });
    expect(cards[1]).toMatchObject({ status: "disabled", total: 5, processed: 0 });
    expect(cards[1]?.badge.label).toBe("Disabled");
  });
});

describe("switched-off stages", () => {
  const offResult = stageResult(5, { status: "skipped", input_count: 0, output_count: 0, skip_reason: "disabled in the configuration" });

  it("never shows a stage the active run skipped because it was off as done", () => {
    const run = snapshotFromCurrentRun(currentRun(6, { stage_5_result: offResult }));
    const card = stageCard(5, { run, enabled: ALL_ENABLED });
    expect(card.status).toBe("disabled");
    expect(card.badge.tone).not.toBe("success");
  });

  it("marks the stage dots: done before the current stage, off when switched off, failed in red", () => {
    const run = snapshotFromCurrentRun(
      currentRun(6, { stage_2_result: stageResult(2, { status: "failed", error: "boom" }), stage_5_result: offResult }),
    );
    // Stage 7 is off in the config; stage 5 was off when this run reached it.
    const enabled = [true, true, true, true, true, true, false];
    expect(stageDots(run, stageCards({ run, enabled }))).toEqual(["done", "failed", "done", "done", "off", "current", "off"]);
    const finished = snapshotFromRunDetail(runDetail());
    expect(stageDots(finished, stageCards({ run: finished, enabled: [true, true, true, true, true, true, false] }))).toEqual([
      "done",
      "done",
      "done",
      "done",
      "done",
      "done",
      "off",
    ]);
    expect(stageDots(null, stageCards({ run: null, enabled: ALL_ENABLED }))).toEqual(Array(7).fill("idle"));
  });
});

describe("overall progress", () => {
  const now = Date.parse("2026-11-21T10:21:30Z"); // 30 s after the run started

  it("is idle without a run", () => {
    expect(overallProgress(null, [], now)).toEqual({
      state: "idle",
      percent: 0,
      stage: null,
      stageLabel: null,
      elapsedSeconds: 0,
      etaSeconds: null,
    });
  });

  it("weights stages equally and counts the running one by its percent; ETA extrapolates the elapsed time", () => {
    const run = snapshotFromCurrentRun(currentRun(3));
    // Stages 1–2 done, stage 3 half done: (2 + 0.5) / 7 = 35.7 %.
    const cards = stageCards({ run, pending: [0, 0, 5, 0, 0, 0, 0], enabled: ALL_ENABLED });
    expect(cards[2]).toMatchObject({ total: 10, processed: 5, percent: 50 });
    const progress = overallProgress(run, cards, now);
    expect(progress.stageLabel).toBe("Stage 3/7");
    expect(progress.percent).toBe(35.7);
    expect(progress.elapsedSeconds).toBe(30);
    expect(progress.etaSeconds).toBe(54); // 30 × 64.3 / 35.7
  });

  it("does not count the stages a failed run skipped after it stopped", () => {
    const skipped = (n: number) => stageResult(n, { status: "skipped", input_count: 0, output_count: 0, skip_reason: "the run failed" });
    const run = {
      ...snapshotFromCurrentRun(currentRun(2)),
      status: "failed" as const,
      results: [stageResult(1), stageResult(2, { status: "failed", error: "boom" }), ...[3, 4, 5, 6, 7].map(skipped)],
    };
    const progress = overallProgress(run, stageCards({ run, enabled: ALL_ENABLED }), Date.parse("2026-11-21T10:22:00Z"));
    expect(progress.percent).toBeCloseTo(100 / 7, 1);
  });

  it("leaves disabled stages out of the share", () => {
    const run = snapshotFromCurrentRun(currentRun(2));
    const enabled = [true, true, false, false, false, false, false];
    const cards = stageCards({ run, pending: [0, 0, 0, 0, 0, 0, 0], enabled });
    // Of the two enabled stages, 1 is done and 2 has nothing left waiting; a run that has not ended stays below 100 %.
    expect(cards[1]).toMatchObject({ status: "running", total: 10, processed: 10 });
    expect(overallProgress(run, cards, now).percent).toBe(99);
  });

  it("is 100 % for a completed run, without an ETA, and measures the duration to the end", () => {
    const run = snapshotFromRunDetail(runDetail());
    const progress = overallProgress(run, stageCards({ run }), now);
    expect(progress).toMatchObject({ state: "completed", percent: 100, stageLabel: "Stage 7/7", etaSeconds: null, elapsedSeconds: 28 });
  });

  it("has no ETA while paused or before any progress", () => {
    const paused = snapshotFromCurrentRun(currentRun(2, { status: "paused" }));
    expect(overallProgress(paused, stageCards({ run: paused }), now).etaSeconds).toBeNull();
    const fresh = snapshotFromCurrentRun(currentRun(1));
    expect(overallProgress(fresh, stageCards({ run: fresh, pending: [71] }), now)).toMatchObject({ percent: 0, etaSeconds: null });
  });
});

describe("history badges", () => {
  it("gives one symbol per stage: ✓ ✗ ● ○ (– skipped, ⊘ cancelled), padding missing stages as pending", () => {
    const badges = historyBadges(["completed", "failed", "running", "skipped", "cancelled"]);
    expect(badges.map((b) => b.symbol).join("")).toBe("✓✗●–⊘○○");
    expect(badges[1]?.label).toBe("Stage 2 Clusters → Ideas: failed");
    expect(historyBadges(null).map((b) => b.status)).toEqual(Array(7).fill("pending"));
    expect(historyBadges(["weird"])[0]?.symbol).toBe("○");
  });
});

describe("snapshots", () => {
  it("reads current_run/ and run_detail/ the same way", () => {
    const live = snapshotFromCurrentRun(currentRun(2));
    expect(live.results).toHaveLength(7);
    expect(live.results[2]).toBeNull();
    expect(live.stageStatuses).toEqual(["completed", "running", "pending", "pending", "pending", "pending", "pending"]);
    const detail = runDetail();
    detail.stages[6]!.status = "pending";
    const done = snapshotFromRunDetail(detail);
    expect(done.results[6]).toBeNull(); // run_detail's zeroed result of a stage that never ran
    expect(done.results[0]?.input_count).toBe(71);
    expect(done.totalCredits).toBe(971.2);
  });
});

describe("queuesAfterRun", () => {
  const queues = [0, 0, 0, 0, 0, 0, 5];

  it("passes the queues through when the page saw no run end", () => {
    expect(queuesAfterRun(queues, 1000, null)).toBe(queues);
    expect(queuesAfterRun(queues, undefined, null)).toBe(queues);
  });

  it("holds them back while the overview in hand was asked for before the run's end was seen", () => {
    expect(queuesAfterRun(queues, 999, 1000)).toBeNull();
    expect(queuesAfterRun(queues, undefined, 1000)).toBeNull();
  });

  it("shows them again once an overview asked for after the end arrives", () => {
    expect(queuesAfterRun(queues, 1000, 1000)).toBe(queues);
    expect(queuesAfterRun(queues, 1500, 1000)).toBe(queues);
  });

  it("without queues the finished run's cards read its own final state, never Ready", () => {
    const detail = snapshotFromRunDetail(runDetail());
    const held = stageCards({ run: detail, pending: queuesAfterRun(queues, 999, 1000) });
    expect(held.map((card) => card.status)).toEqual(Array(7).fill("completed"));
    const stale = stageCards({ run: detail, pending: queues });
    expect(stale[6]?.status).toBe("ready");
  });
});
