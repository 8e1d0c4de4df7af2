/** The stage cards as a person sees them: numbers, badges, progress, the review gate's actions. */
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { renderApp } from "../test/utils";
import { overallProgress, snapshotFromCurrentRun, stageCard, stageCards } from "./progress";
import { CurrentStatusCard, ReviewGateCard, StageCard } from "./StageCards";
import { currentRun } from "./testData";

describe("StageCard", () => {
  it("shows the stage, its status and total / processed / remaining with a progress bar", () => {
    const run = snapshotFromCurrentRun(currentRun(1));
    renderApp(<StageCard card={stageCard(1, { run, pending: [51, 0, 0, 0, 0, 0, 0] })} />);
    const card = screen.getByRole("article", { name: "Stage 1: Keywords → Clusters" });
    expect(card).toHaveAttribute("data-status", "running");
    expect(within(card).getByText("Keywords → Clusters")).toBeInTheDocument();
    expect(within(card).getByTestId("stage-1-status")).toHaveTextContent("Running");
    expect(within(card).getByTestId("stage-1-total")).toHaveTextContent("71");
    expect(within(card).getByTestId("stage-1-processed")).toHaveTextContent("20");
    expect(within(card).getByTestId("stage-1-remaining")).toHaveTextContent("51");
    const bar = within(card).getByRole("progressbar", { name: "Stage 1 progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "28");
    expect(within(card).getByText("28%")).toBeInTheDocument();
    expect(within(card).getByText(/→ …/)).toBeInTheDocument(); // started, not ended
  });

  it("shows a finished stage's credits, output and start → end times", () => {
    const run = snapshotFromCurrentRun(currentRun(3));
    renderApp(<StageCard card={stageCard(2, { run })} />);
    const card = screen.getByRole("article", { name: "Stage 2: Clusters → Ideas" });
    expect(within(card).getByTestId("stage-2-status")).toHaveTextContent("Completed");
    expect(within(card).getByText("100%")).toBeInTheDocument();
    expect(card).toHaveTextContent("2 cr · 10 ideas");
    expect(card.querySelector(".stage-times")?.textContent).toMatch(/^\d\d:\d\d:\d\d → \d\d:\d\d:\d\d UTC$/);
  });

  it("shows its times in the site's time zone and names it", () => {
    const run = snapshotFromCurrentRun(currentRun(3));
    renderApp(<StageCard card={stageCard(2, { run })} timezone="Asia/Tokyo" />);
    const times = screen.getByTestId("stage-card-2").querySelector(".stage-times");
    // 10:21:14Z → 19:21:14 in Tokyo (UTC+9).
    expect(times?.textContent).toBe("19:21:14 → 19:21:15 GMT+9");
    expect(times).toHaveAttribute("title", "Started → ended (Asia/Tokyo)");
  });

  it("says why a stage was skipped", () => {
    const run = snapshotFromCurrentRun(
      currentRun(3, {
        stage_2_result: { ...currentRun(3).stage_2_result!, status: "skipped", input_count: 0, skip_reason: "nothing to do" },
      }),
    );
    renderApp(<StageCard card={stageCard(2, { run })} />);
    expect(screen.getByText("Skipped: nothing to do")).toBeInTheDocument();
    expect(screen.getByTestId("stage-2-status")).toHaveTextContent("Skipped");
  });
});

describe("ReviewGateCard", () => {
  it("links to the review list when content waits, with publishing disabled and explained", () => {
    const card = stageCard(7, { run: null, pending: [0, 0, 0, 0, 0, 0, 0] });
    renderApp(<ReviewGateCard card={card} inReview={12} siteId={3} />);
    expect(screen.getByTestId("review-count")).toHaveTextContent("12");
    expect(screen.getByText("Automation stops here")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to review" })).toHaveAttribute("href", "/content?status=review&site=3");
    const publish = screen.getByRole("button", { name: "Publish without review" });
    expect(publish).toBeDisabled();
    expect(publish).toHaveAccessibleDescription("Coming soon");
  });

  it("disables Go to review when nothing waits", () => {
    renderApp(<ReviewGateCard card={stageCard(7, { run: null })} inReview={0} siteId={3} />);
    expect(screen.queryByRole("link", { name: "Go to review" })).toBeNull();
    expect(screen.getByRole("button", { name: "Go to review" })).toBeDisabled();
  });
});

describe("CurrentStatusCard", () => {
  it("shows run id, stage, credits and percent of the live run", () => {
    const run = snapshotFromCurrentRun(currentRun(3));
    const cards = stageCards({ run, pending: [0, 0, 5, 0, 0, 0, 0] });
    const progress = overallProgress(run, cards, Date.parse("2026-11-21T10:21:30Z"));
    renderApp(<CurrentStatusCard run={run} progress={progress} live />);
    const card = screen.getByTestId("current-status");
    expect(within(card).getByRole("heading", { name: "Current run" })).toBeInTheDocument();
    expect(card).toHaveTextContent("run_20261121_102127_manual");
    expect(card).toHaveTextContent("Stage 3/7");
    expect(card).toHaveTextContent("14.2");
    expect(within(card).getByTestId("run-percent")).toHaveTextContent("36%");
    expect(within(card).getByTestId("run-status")).toHaveTextContent("Running");
  });

  it("invites a first run when there is none", () => {
    renderApp(<CurrentStatusCard run={null} progress={overallProgress(null, [], 0)} live={false} />);
    expect(screen.getByText(/No run yet/)).toBeInTheDocument();
    expect(screen.getByTestId("run-status")).toHaveTextContent("Idle");
  });
});
