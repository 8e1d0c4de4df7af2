/** The dashboard against an in-memory automation API: idle state, Run Now (202 / 409 / 402), live updates, cancel. */
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { metricsFromCounts } from "./AutomationPage";
import { type Call, json, me, renderApp, stubApi } from "../test/utils";
import { currentRun, runDetail, stageResult } from "./testData";
import type { AutomationConfig, CurrentRun, LastFinishedRun, OverviewStats, RunDetail } from "./types";

const config: AutomationConfig = {
  site_id: 1,
  rule_id: 9,
  is_enabled: true,
  frequency: "daily",
  scheduled_time: "02:00:00",
  scheduled_weekday: 0,
  scheduled_day_of_month: 1,
  timezone: "UTC",
  schedule_description: "At 02:00 AM",
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
  notify_on_complete: true,
  notify_on_fail: true,
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
  lastRun?: LastFinishedRun | null;
  config?: Partial<typeof config>;
  overview?: OverviewStats;
  detail?: RunDetail;
  rerun?: (call: Call) => Response;
  retried?: { tasks: number; images: number };
  /** While set, pipeline_overview/ answers only once it resolves (a slow answer). */
  pipelineGate?: Promise<void>;
}

function overviewStats(attention: Partial<OverviewStats["attention_items"]> = {}, sufficient = true): OverviewStats {
  const items = { skipped_ideas: 0, failed_content: 0, failed_images: 0, ...attention };
  return {
    run_statistics: {
      total_runs: 1,
      completed_runs: 0,
      failed_runs: 1,
      success_rate: 0,
      avg_duration_seconds: 0,
      avg_credits_per_run: 0,
      runs_this_week: 1,
      runs_last_week: 0,
      credits_trend: 0,
      duration_trend: 0,
    },
    predictive_analysis: {
      stages: [],
      total_estimated_credits: 420.2,
      recommended_buffer: 504.24,
      current_balance: sufficient ? 10000 : 12.5,
      is_sufficient: sufficient,
      expected_outputs: {},
    },
    attention_items: { ...items, total_attention_needed: items.skipped_ideas + items.failed_content + items.failed_images },
    historical_averages: { period_days: 30, runs_analyzed: 0, uses_defaults: true },
  };
}

function fakeAutomationApi(state: FakeState) {
  const count = (kind: string) => (call: Call) =>
    json({ count: COUNTS[`${kind}:${call.query.get("status") ?? ""}`] ?? 0, next: null, previous: null, results: [] });
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "10000", reserved: "0", available: "10000", transactions: [] }),
    "GET /api/v1/automation/config/": () => json({ ...config, ...state.config }),
    "GET /api/v1/automation/current_run/": () =>
      json({
        run: state.run,
        activity_log: state.run ? ["10:21:00 - run started (manual)", "10:21:01 - clustered 20 keywords"] : [],
        last_run: state.lastRun ?? null,
      }),
    "GET /api/v1/automation/estimate/": () => json({ estimated_credits: 420.2, current_balance: 10000, sufficient: true }),
    "GET /api/v1/automation/pipeline_overview/": async () => {
      if (state.pipelineGate) await state.pipelineGate;
      return json({
        stages: state.pending.map((pending, index) => ({
          number: index + 1,
          name: `Stage ${index + 1}`,
          type: "AI",
          action: "x",
          pending,
          enabled: true,
        })),
      });
    },
    "GET /api/v1/automation/overview_stats/": () => (state.overview ? json(state.overview) : json({ detail: "not in this test" }, 500)),
    "POST /api/v1/automation/executions/run_failed_1/rerun/": (call) => (state.rerun ? state.rerun(call) : json({}, 500)),
    "POST /api/v1/automation/retry_failed/": () => {
      const retried = state.retried ?? { tasks: 0, images: 0 };
      if (state.overview) state.overview = overviewStats();
      return json(retried);
    },
    "GET /api/v1/automation/history/": () =>
      json({ runs: state.history, pagination: { page: 1, page_size: 10, total_count: state.history.length, total_pages: 1 } }),
    "GET /api/v1/automation/run_detail/": () => json(state.detail ?? runDetail()),
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

  it("holds the cards on the finished run until stage queues newer than its end arrive (no Ready flash)", async () => {
    const state: FakeState = { run: currentRun(7), pending: [0, 0, 0, 0, 0, 0, 5], history: [], runNow: () => json({}, 500) };
    const { calls } = fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await waitFor(() => expect(screen.getByTestId("stage-7-status")).toHaveTextContent("Running"));

    // The run ends; the overview asked for after that is slow, run_detail/ answers at once.
    let release = () => {};
    state.pipelineGate = new Promise((resolve) => (release = resolve));
    state.run = null;
    state.pending = [0, 0, 0, 0, 0, 0, 0];
    state.lastRun = { run_id: "run_20261121_102127_manual", status: "completed", error_message: null, completed_at: "2026-11-21T10:21:28Z" };
    const seen = new Set<string>();
    const observer = new MutationObserver(() => seen.add(screen.queryByTestId("stage-7-status")?.textContent ?? ""));
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    await waitFor(() => expect(screen.getByTestId("overall-percent")).toHaveTextContent("100%"), { timeout: 4000 });
    expect(screen.getByTestId("current-status")).toHaveTextContent("Last run");
    expect(screen.getByTestId("stage-7-status")).toHaveTextContent("Completed");
    const asked = calls.filter((c) => c.path === "/api/v1/automation/pipeline_overview/").length;

    expect(asked).toBeGreaterThan(0);

    state.pipelineGate = undefined;
    await act(async () => {
      release();
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    observer.disconnect();
    expect(screen.getByTestId("stage-7-status")).toHaveTextContent("Completed");
    expect([...seen]).not.toContain("Ready");
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
        json({ detail: "Insufficient credits", code: "insufficient_credits", needed: "420.20", available: "12.50" }, 402),
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Run now" }));
    const banner = await screen.findByTestId("run-now-credits");
    expect(banner).toHaveTextContent("This run needs 420.2 credits; 12.5 are available. No run was made.");
    expect(screen.queryByText(/started\./)).toBeNull();
    expect(screen.getByTestId("current-status")).toHaveTextContent("No run yet");
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

  it("says prominently that the last run failed, links to it, re-runs it, and never says nothing needs attention", async () => {
    const state: FakeState = {
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => json({}, 500),
      lastRun: {
        run_id: "run_failed_1",
        status: "failed",
        error_message: "stage 1 (cluster_keywords): sector_id 999: no such sector in site 1",
        completed_at: "2026-11-21T10:22:00Z",
      },
      overview: overviewStats(),
      rerun: () => {
        state.run = currentRun(1);
        return json({ run_id: "run_rerun_2", status: "queued", message: "run run_rerun_2 queued" }, 202);
      },
    };
    const { calls } = fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    const banner = await screen.findByTestId("failed-run");
    expect(banner).toHaveTextContent("The last run failed");
    expect(banner).toHaveTextContent("stage 1 (cluster_keywords): sector_id 999: no such sector in site 1");
    expect(banner).toHaveTextContent("Sat 21 Nov, 10:22 (UTC)");
    expect(within(banner).getByRole("link", { name: "Open the run" })).toHaveAttribute("href", "/automation/runs/run_failed_1?site=1");
    const attention = await screen.findByTestId("attention-items");
    expect(attention).not.toHaveTextContent("Nothing needs attention");
    expect(within(attention).getByTestId("attention-failed-run")).toHaveTextContent("The last run failed");

    await userEvent.click(within(banner).getByRole("button", { name: "Re-run" }));
    expect(await screen.findByText("Run run_rerun_2 started (a re-run of run_failed_1).")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/automation/executions/run_failed_1/rerun/")).toBe(true);
    await waitFor(() => expect(screen.queryByTestId("failed-run")).toBeNull());
    await waitFor(() => expect(screen.getByTestId("stage-1-status")).toHaveTextContent("Running"));
  });

  it("explains a refused re-run: credits (402) in plain words, no run made", async () => {
    fakeAutomationApi({
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => json({}, 500),
      lastRun: { run_id: "run_failed_1", status: "failed", error_message: "boom", completed_at: null },
      rerun: () => json({ detail: "Insufficient credits", code: "insufficient_credits", needed: "420.20", available: "12.50" }, 402),
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(within(await screen.findByTestId("failed-run")).getByRole("button", { name: "Re-run" }));
    expect(await screen.findByText("Not enough credits: it needs 420.2 credits; 12.5 are available. No run was made.")).toBeInTheDocument();
    expect(screen.getByTestId("failed-run")).toBeInTheDocument();
  });

  it("queues failed items again from the attention panel and says how many", async () => {
    const state: FakeState = {
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => json({}, 500),
      overview: overviewStats({ failed_content: 1, failed_images: 2, skipped_ideas: 1 }),
      retried: { tasks: 1, images: 2 },
    };
    const { calls } = fakeAutomationApi(state);
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    const attention = await screen.findByTestId("attention-items");
    expect(attention).toHaveTextContent("2 images failed to generate");
    await userEvent.click(within(attention).getByRole("button", { name: "Retry failed items" }));
    expect(await within(attention).findByTestId("retry-failed-result")).toHaveTextContent(
      "Queued 1 writing task and 2 images again; the next run takes them.",
    );
    expect(calls.find((c) => c.method === "POST" && c.path === "/api/v1/automation/retry_failed/")?.query.get("site_id")).toBe("1");
    // Refreshed: nothing is left, and the button is gone.
    await waitFor(() => expect(within(attention).queryByRole("button", { name: "Retry failed items" })).toBeNull());
    expect(within(attention).getByTestId("retry-failed-result")).toBeInTheDocument();
  });

  it("names the site's time zone at every time and shows the weekday of a weekly schedule", async () => {
    fakeAutomationApi({
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [],
      runNow: () => json({}, 500),
      config: {
        timezone: "Europe/Berlin",
        frequency: "weekly",
        scheduled_weekday: 1,
        next_run_at: "2026-12-01T01:00:00Z",
        last_run_at: "2026-11-24T01:00:05Z",
      },
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    expect(await screen.findByTestId("schedule-text")).toHaveTextContent("Weekly on Tuesday at 02:00 (Europe/Berlin)");
    expect(screen.getByTestId("schedule-next-run")).toHaveTextContent("Next run Tue 1 Dec, 02:00 (Europe/Berlin)");
    expect(screen.getByTestId("schedule-last-run")).toHaveTextContent("Last run Tue 24 Nov, 02:00 (Europe/Berlin)");
    expect(screen.getByTestId("activity-caption")).toHaveTextContent("times in Europe/Berlin");
  });

  it("never shows a switched-off stage as done, in the cards or the stage dots", async () => {
    const detail = runDetail();
    detail.stages[4] = {
      ...detail.stages[4]!,
      status: "skipped",
      is_enabled: false,
      result: stageResult(5, { status: "skipped", input_count: 0, output_count: 0, skip_reason: "disabled in the configuration" }),
    };
    fakeAutomationApi({
      run: null,
      pending: [0, 0, 0, 0, 0, 0, 0],
      history: [{ run_id: detail.run.run_id, run_number: 1, run_title: "demo.example.com #1", status: "completed", trigger_type: "manual", started_at: null, completed_at: null, duration_seconds: 1, total_credits_used: 1, current_stage: 7, stages_completed: 6, stages_failed: 0, initial_snapshot: {}, summary: { items_processed: 1, items_created: 1, content_created: 0, images_generated: 0 }, stage_statuses: ["completed", "completed", "completed", "completed", "skipped", "completed", "completed"] }],
      runNow: () => json({}, 500),
      config: { stage_5_enabled: false },
      detail,
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await waitFor(() => expect(screen.getByTestId("progress-step-4")).toHaveAttribute("data-state", "done"));
    expect(screen.getByTestId("progress-step-5")).toHaveAttribute("data-state", "off");
    expect(screen.getByTestId("stage-5-status")).toHaveTextContent("Disabled");
    expect(screen.getByTestId("stage-card-5")).not.toHaveAttribute("data-status", "completed");
  });

  it("shows a notification webhook's signing secret once, after the save that made it", async () => {
    const { fetchMock } = fakeAutomationApi({ run: null, pending: [0, 0, 0, 0, 0, 0, 0], history: [], runNow: () => json({}, 500) });
    const original = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      if ((init.method ?? "GET").toUpperCase() === "PUT") {
        return json({ ...config, notify_webhook_url: "https://hooks.example.com/x", signing_secret: "whsec-once" });
      }
      return original(input, init);
    });
    renderApp(<AppRoutes />, { route: "/automation?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Configure" }));
    await userEvent.type(screen.getByLabelText("Webhook URL"), "https://hooks.example.com/x");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const secret = await screen.findByTestId("notify-signing-secret");
    expect(secret).toHaveTextContent("shown only once");
    expect(within(secret).getByTestId("secret-value")).toHaveTextContent("whsec-once");
    await userEvent.click(within(secret).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByText("whsec-once")).toBeNull();
  });
});
