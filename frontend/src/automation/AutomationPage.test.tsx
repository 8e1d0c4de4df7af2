/** The dashboard against an in-memory automation API: idle state, Run Now (202 / 409 / 402), live updates, cancel. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { metricsFromCounts } from "./AutomationPage";
import { type Call, json, me, renderApp, stubApi } from "../test/utils";
import { currentRun, runDetail } from "./testData";
import type { CurrentRun } from "./types";

const config = {
  site_id: 1,
  is_enabled: true,
  frequency: "daily",
  scheduled_time: "02:00:00",
  stage_1_batch_size: 20,
  stage_2_batch_size: 1,
  stage_3_batch_size: 20,
  stage_4_batch_size: 1,
  stage_5_batch_size: 1,
  stage_6_batch_size: 1,
  within_stage_delay: 0,
  between_stage_delay: 2,
  stage_1_enabled: true,
  stage_2_enabled: true,
  stage_3_enabled: true,
  stage_4_enabled: true,
  stage_5_enabled: true,
  stage_6_enabled: true,
  stage_7_enabled: true,
  stage_4_concurrency: 2,
  stage_6_concurrency: 2,
  ideas_per_cluster: 3,
  notify_email: true,
  notify_webhook_url: "",
  last_run_at: null,
  next_run_at: "2026-11-22T02:00:00Z",
  updated_at: "2026-11-21T10:00:00Z",
};

const COUNTS: Record<string, number> = {
  "keywords:": 71,
  "keywords:new": 71,
  "clusters:": 0,
  "ideas:": 0,
  "content:": 4,
  "content:draft": 1,
  "content:review": 3,
  "images:": 10,
  "images:pending": 2,
  "images:generated": 8,
};

interface FakeState {
  run: CurrentRun | null;
  pending: number[];
  runNow: (call: Call) => Response;
  history: unknown[];
}

function fakeAutomationApi(state: FakeState) {
  const count = (kind: string) => (call: Call) =>
    json({ count: COUNTS[`${kind}:${call.query.get("status") ?? ""}`] ?? 0, next: null, previous: null, results: [] });
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "10000", reserved: "0", available: "10000", transactions: [] }),
    "GET /api/v1/automation/config/": () => json(config),
    "GET /api/v1/automation/current_run/": () =>
      json({ run: state.run, activity_log: state.run ? ["10:21:00 - run started (manual)", "10:21:01 - clustered 20 keywords"] : [] }),
    "GET /api/v1/automation/estimate/": () => json({ estimated_credits: 420.2, current_balance: 10000, sufficient: true }),
    "GET /api/v1/automation/pipeline_overview/": () =>
      json({
        stages: state.pending.map((pending, index) => ({
          number: index + 1,
          name: `Stage ${index + 1}`,
          type: "AI",
          action: "x",
          pending,
          enabled: true,
        })),
      }),
    "GET /api/v1/automation/overview_stats/": () => json({ detail: "not in this test" }, 500),
    "GET /api/v1/automation/history/": () =>
      json({ runs: state.history, pagination: { page: 1, page_size: 10, total_count: state.history.length, total_pages: 1 } }),
    "GET /api/v1/automation/run_detail/": () => json(runDetail()),
    "GET /api/v1/automation/logs/": () => json({ run_id: "r", log: "", lines: 0 }),
    "POST /api/v1/automation/run_now/": (call) => state.runNow(call),
    "POST /api/v1/automation/cancel/": (call) => {
      state.run = null;
      return json({ run_id: call.query.get("run_id"), status: "cancelled", message: "run cancelled" });
    },
    "GET /api/v1/keywords/": count("keywords"),
    "GET /api/v1/clusters/": count("clusters"),
    "GET /api/v1/ideas/": count("ideas"),
    "GET /api/v1/content/": count("content"),
    "GET /api/v1/images/": count("images"),
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("metricsFromCounts", () => {
  it("derives processed and pending per kind, never showing a total below its parts", () => {
    const metrics = metricsFromCounts({
      "keywords:": 71,
      "keywords:new": 20,
      "content:": 0, // answered a moment before the drafts count
      "content:draft": 14,
      "content:review": 0,
      "images:": 10,
      "images:pending": 2,
      "images:generated": 7,
    });
    const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
    expect(byKey.keywords).toMatchObject({ total: 71, processed: 51, pending: 20 });
    expect(byKey.content).toMatchObject({ total: 14, processed: 0, pending: 14 });
    expect(byKey.images).toMatchObject({ total: 10, processed: 7, pending: 2, failed: 1 });
    expect(byKey.clusters).toMatchObject({ total: undefined, processed: undefined });
  });
});

describe("automation page", () => {
  it("shows the schedule row, metric cards and the stage queues of an idle pipeline", async () => {
    fakeAutomationApi({ run: null, pending: [71, 0, 0, 0, 0, 0, 0], runNow: () => json({}, 500), history: [] });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    expect(await screen.findByTestId("schedule-text")).toHaveTextContent("Daily at 02:00 (UTC)");
    expect(screen.getByTestId("schedule-status")).toHaveTextContent("Enabled");
    expect(await screen.findByTestId("estimate")).toHaveTextContent("420.2 credits");
    await waitFor(() => expect(screen.getByTestId("metric-keywords-total")).toHaveTextContent("71"));
    expect(screen.getByTestId("metric-keywords-pending")).toHaveTextContent("71");
    expect(screen.getByTestId("metric-images-processed")).toHaveTextContent("8");
    expect(screen.getByTestId("metric-content-processed")).toHaveTextContent("3");
    await waitFor(() => expect(screen.getByTestId("stage-1-status")).toHaveTextContent("Ready"));
    expect(screen.getByTestId("stage-1-remaining")).toHaveTextContent("71");
    expect(screen.getByTestId("stage-2-status")).toHaveTextContent("Empty");
    expect(screen.getByTestId("review-count")).toHaveTextContent("3");
    expect(screen.getByTestId("current-status")).toHaveTextContent("No run yet");
    expect(screen.getByRole("heading", { name: "No runs yet" })).toBeInTheDocument();
  });

  it("starts a run and follows it live, without reloading", async () => {
    const state: FakeState = {
      run: null,
      pending: [71, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => {
        state.run = currentRun(1);
        state.pending = [51, 0, 0, 0, 0, 0, 0];
        return json({ run_id: state.run.run_id, status: "running", message: "started" }, 202);
      },
    };
    const { calls } = fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Run now" }));
    expect(await screen.findByText("Run run_20261121_102127_manual started.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("stage-1-status")).toHaveTextContent("Running"));
    await waitFor(() => expect(screen.getByTestId("stage-1-processed")).toHaveTextContent("20"));
    expect(screen.getByTestId("overall-stage")).toHaveTextContent("Stage 1/7");
    expect(screen.getByRole("button", { name: "Run now" })).toBeDisabled();
    expect(within(screen.getByTestId("activity-log")).getByText("clustered 20 keywords")).toBeInTheDocument();

    // The next poll brings stage 2.
    state.run = currentRun(2);
    state.pending = [0, 4, 0, 0, 0, 0, 0];
    await waitFor(() => expect(screen.getByTestId("stage-2-status")).toHaveTextContent("Running"), { timeout: 4000 });
    expect(screen.getByTestId("stage-1-status")).toHaveTextContent("Completed");
    expect(screen.getByTestId("overall-stage")).toHaveTextContent("Stage 2/7");
    expect(calls.filter((c) => c.path === "/api/v1/automation/current_run/").length).toBeGreaterThanOrEqual(3);
  });

  it("points at the active run when Run Now answers 409", async () => {
    const state: FakeState = {
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => {
        state.run = currentRun(4);
        return json({ detail: "a run is already active", run_id: "run_20261121_102127_manual", code: "already_running" }, 409);
      },
    };
    fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Run now" }));
    const banner = await screen.findByTestId("run-now-conflict");
    expect(banner).toHaveTextContent("A run is already active");
    expect(banner).toHaveTextContent("run_20261121_102127_manual");
    await waitFor(() => expect(screen.getByTestId("stage-4-status")).toHaveTextContent("Running"));
  });

  it("shows needed vs available credits when Run Now answers 402", async () => {
    fakeAutomationApi({
      run: null,
      pending: [71, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () =>
        json({ detail: "Insufficient credits", code: "insufficient_credits", needed: "420.20", available: "12.50", run_id: "r" }, 402),
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Run now" }));
    const banner = await screen.findByTestId("run-now-credits");
    expect(banner).toHaveTextContent("This run needs 420.2 credits; 12.5 are available.");
  });

  it("asks before cancelling the run", async () => {
    const state: FakeState = { run: currentRun(3), pending: [0, 0, 5, 0, 0, 0, 0], history: [], runNow: () => json({}, 500) };
    const { calls } = fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    const dialog = screen.getByRole("dialog", { name: "Cancel this run?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep running" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.some((c) => c.path === "/api/v1/automation/cancel/")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(calls.find((c) => c.path === "/api/v1/automation/cancel/")?.query.get("run_id")).toBe("run_20261121_102127_manual"));
    expect(await screen.findByText("Run run_20261121_102127_manual cancelled.")).toBeInTheDocument();
  });
});
