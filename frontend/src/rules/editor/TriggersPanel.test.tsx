/** "Why didn't it fire?": every outcome in words, including a full queue, a limit and short credits. */
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, page, renderApp, stubApi } from "../../test/utils";
import { displayOutcome, TriggersPanel } from "./TriggersPanel";

function record(id: number, outcome: string, reason: string) {
  return { id, at: "2026-11-21T10:00:00Z", trigger_type: "event", event: "keyword.created", outcome, reason, run_id: null, object_type: "keyword", object_id: 7, causation: null };
}

describe("TriggersPanel", () => {
  it("labels a full queue, a limit and refused credits so a person understands why", async () => {
    stubApi({
      "GET /api/v1/automation/rules/4/triggers/": () =>
        json(
          page([
            record(1, "dropped_mode", "queue full: 3 runs of this rule are running or waiting (max_runs 3)"),
            record(2, "dropped_mode", "a run is active and the rule's mode is single"),
            record(3, "dropped_limit", "the account has 20 active runs (AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT)"),
            record(4, "refused_credits", "Insufficient credits: needed 12.00, available 3.50."),
          ]),
        ),
    });
    renderApp(<TriggersPanel ruleId={4} siteId={1} onTestObject={() => {}} />);
    const rows = await screen.findAllByTestId("trigger-record");
    const badge = (row: HTMLElement) => row.querySelector(".rl-badge")!;
    expect(badge(rows[0]!)).toHaveTextContent("Queue full");
    expect(rows[0]).toHaveTextContent("“max runs” runs were already running or waiting");
    expect(badge(rows[1]!)).toHaveTextContent("Dropped by mode");
    expect(badge(rows[2]!)).toHaveTextContent("Limit reached");
    expect(rows[2]).toHaveTextContent("fan-out limit");
    expect(badge(rows[3]!)).toHaveTextContent("Not enough credits");
    expect(within(rows[3]!).getByText(/no run was made/)).toBeInTheDocument();
    expect(badge(rows[3]!)).toHaveAttribute("data-status", "refused_credits");
  });

  it("lists the condition drops worked out from the journal (no id of their own) beside the stored records", async () => {
    let tested: number | null = null;
    stubApi({
      "GET /api/v1/automation/rules/4/triggers/": () =>
        json(
          page([
            { ...record(0, "dropped_conditions", "conditions were false"), id: null, event_id: 81, object_id: 12 },
            { ...record(0, "dropped_conditions", "conditions were false"), id: null, event_id: 80, object_id: 11 },
            { ...record(5, "dropped_loop", "the rule would re-trigger itself"), event_id: null },
          ]),
        ),
    });
    renderApp(<TriggersPanel ruleId={4} siteId={1} onTestObject={(id) => (tested = id)} />);
    const rows = await screen.findAllByTestId("trigger-record");
    expect(rows).toHaveLength(3);
    expect(rows[0]!.querySelector(".rl-badge")).toHaveTextContent("Conditions false");
    within(rows[1]!).getByRole("button", { name: "Test with this keyword" }).click();
    expect(tested).toBe(11);
  });

  it("treats only a mode drop whose reason starts with 'queue full' as a full queue", () => {
    expect(displayOutcome({ outcome: "dropped_mode", reason: "queue full: 3 runs waiting" })).toBe("queue_full");
    expect(displayOutcome({ outcome: "dropped_mode", reason: "the queue is not full" })).toBe("dropped_mode");
    expect(displayOutcome({ outcome: "dropped_limit", reason: "queue full" })).toBe("dropped_limit");
  });
});
