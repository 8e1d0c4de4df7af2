/** The run detail page: summary, flow, accordion, donut, timeline, log, CSV export. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { AppRoutes } from "../App";
import { json, me, renderApp, routerLocation, stubApi } from "../test/utils";
import { timelineEvents } from "./RunDetailPage";
import { runDetail } from "./testData";

const log = [
  { id: 1, at: "2026-11-21T10:21:00Z", step_index: null, level: "info", message: "run started (manual)" },
  { id: 2, at: "2026-11-21T10:21:01Z", step_index: 0, level: "info", message: "clustered 20 keywords into 8 clusters" },
  { id: 3, at: "2026-11-21T10:21:02Z", step_index: 3, level: "error", message: "task 7 failed: provider timeout" },
];

function fakeApi(extra: Parameters<typeof stubApi>[0] = {}) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/run_detail/": (call) =>
      call.query.get("run_id") === "run_20261121_102127_manual" ? json(runDetail()) : json({ detail: "no run" }, 404),
    "GET /api/v1/automation/executions/run_20261121_102127_manual/logs/": () => json(log),
    ...extra,
  });
}

describe("run detail page", () => {
  it("shows the run's summary, flow, stage details, credits donut, timeline and log", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/automation/runs/run_20261121_102127_manual?site=1" });
    expect(await screen.findByRole("heading", { name: "demo.example.com #1" })).toBeInTheDocument();
    expect(screen.getByTestId("run-detail-status")).toHaveTextContent("Completed");
    const summary = screen.getByTestId("run-summary");
    expect(summary).toHaveTextContent("28s");
    expect(summary).toHaveTextContent("7/7");
    expect(summary).toHaveTextContent("971.2");

    const flow = screen.getByTestId("flow-stage-1");
    expect(flow).toHaveTextContent("71 keywords");
    expect(flow).toHaveTextContent("33 clusters");
    expect(flow).toHaveTextContent("14.2 cr");

    const first = screen.getByTestId("stage-details-1");
    expect(first).toHaveAttribute("open");
    expect(first).toHaveTextContent("Output33 clusters (71 items updated)");
    expect(first).toHaveTextContent("Credits14.2 vs 10 (+42% ↑)");
    const fourth = screen.getByTestId("stage-details-4");
    expect(fourth).not.toHaveAttribute("open");
    await userEvent.click(within(fourth).getByText("Stage 4: Tasks → Content"));
    expect(fourth).toHaveAttribute("open");

    const donut = screen.getByTestId("credits-donut");
    expect(donut).toHaveAccessibleName("Credits by stage, 971.2 in total");
    expect(donut.querySelectorAll(".recharts-pie-sector").length).toBe(5); // five stages cost credits
    const legend = within(screen.getByRole("list", { name: "Credits by stage" })).getAllByRole("listitem");
    expect(legend[0]).toHaveTextContent("Stage 6: Image Prompts → Images40.8% (396 cr)");
    expect(legend[5]).toHaveTextContent("Stages 3, 7: free");

    expect(within(screen.getByTestId("timeline")).getAllByRole("listitem")).toHaveLength(16);
    const runLog = await screen.findByTestId("run-log");
    expect(within(runLog).getByText("task 7 failed: provider timeout")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Filter the log by level"), "error");
    expect(within(runLog).queryByText("run started (manual)")).toBeNull();
    expect(screen.getByText("1 of 3 lines")).toBeInTheDocument();
  });

  it("exports the run as CSV through a browser download", async () => {
    fakeApi();
    const blobs: Blob[] = [];
    vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return "blob:run";
    });
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => {});
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    renderApp(<AppRoutes />, { route: "/automation/runs/run_20261121_102127_manual" });
    await userEvent.click(await screen.findByRole("button", { name: "Export CSV" }));
    expect(clicks).toEqual(["demo.example.com-1-run_20261121_102127_manual.csv"]);
    const text = await blobs[0]!.text();
    expect(text.split("\r\n")[0]).toMatch(/^run_id,run_title,stage,name,/);
    expect(text.split("\r\n")).toHaveLength(9); // header + 7 stages + final newline

    await userEvent.click(screen.getByRole("button", { name: "Export JSON" }));
    expect(JSON.parse(await blobs[1]!.text()).run.run_id).toBe("run_20261121_102127_manual");
  });

  it("says when the run does not exist", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/automation/runs/nope" });
    expect(await screen.findByRole("heading", { name: "Run not found" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("link", { name: /Back to Automation/ })).toHaveAttribute("href", "/automation?site=1"));
  });
});

describe("timelineEvents", () => {
  it("orders run and stage events by time with offsets from the start", () => {
    const events = timelineEvents(runDetail());
    expect(events[0]).toMatchObject({ label: "Run started", offset: 0 });
    expect(events[1]).toMatchObject({ label: "Stage 1 started", offset: 12 });
    expect(events[events.length - 1]).toMatchObject({ label: "Run completed", offset: 28 });
  });

});

describe("re-running from the run detail", () => {
  beforeEach(() => {
    document.cookie = "csrftoken=tok";
  });

  it("re-runs a finished run (Re-run Similar) and opens the new run", async () => {
    const { calls } = fakeApi({
      "POST /api/v1/automation/executions/run_20261121_102127_manual/rerun/": () =>
        json({ run_id: "run_next", status: "queued", message: "run run_next queued" }, 202),
      "GET /api/v1/automation/executions/run_next/logs/": () => json([]),
    });
    renderApp(<AppRoutes />, { route: "/automation/runs/run_20261121_102127_manual?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Re-run" }));
    await waitFor(() => expect(routerLocation()).toBe("/automation/runs/run_next?site=1"));
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("says why a re-run was refused (409: a run is active)", async () => {
    fakeApi({
      "POST /api/v1/automation/executions/run_20261121_102127_manual/rerun/": () =>
        json({ detail: "a run of this pipeline is already active", status: "completed" }, 409),
    });
    renderApp(<AppRoutes />, { route: "/automation/runs/run_20261121_102127_manual?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Re-run" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The run was not run again");
    expect(alert).toHaveTextContent("a run of this pipeline is already active");
    expect(alert).not.toHaveTextContent("Status:");
    expect(routerLocation()).toBe("/automation/runs/run_20261121_102127_manual?site=1");
  });

  it("draws a stage that was off for the run as off, never done", async () => {
    const detail = runDetail();
    detail.stages[5] = { ...detail.stages[5]!, status: "skipped", is_enabled: false };
    fakeApi({ "GET /api/v1/automation/run_detail/": () => json(detail) });
    renderApp(<AppRoutes />, { route: "/automation/runs/run_20261121_102127_manual?site=1" });
    const flow = await screen.findByTestId("flow-stage-6");
    expect(flow).toHaveAttribute("data-status", "disabled");
    expect(within(flow).getByLabelText("Disabled")).toHaveTextContent("–");
    expect(screen.getByTestId("flow-stage-5")).toHaveAttribute("data-status", "completed");
  });
});
