/** Dry runs (issue 15) are labelled in the runs list and on the run page. */
import { screen, within } from "@testing-library/react";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { AppRoutes } from "../App";
import { flowRun, flowStep } from "../rules/graph/testData";
import { json, me, page, renderApp, stubApi } from "../test/utils";
import { dryRunWouldDo } from "./DryRun";

beforeAll(() => {
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  vi.stubGlobal("ResizeObserver", ResizeObserverStub);
});

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

const dry = {
  ...flowRun(
    [
      flowStep(0, "step-1", "actions/0", "log", { status: "completed", result: { dry_run: { would_charge: "0.00", calls: [] } } }),
      flowStep(1, "step-2", "actions/1", "webhook", {
        status: "completed",
        result: { dry_run: { would_charge: "3.00", calls: ["POST https://hooks.example.com/x"] } },
      }),
    ],
    { run_id: "run_dry", status: "completed", program: [{ type: "log", params: {} }, { type: "webhook", params: {} }] },
  ),
  dry_run: true,
};
const live = { ...flowRun([], { run_id: "run_live", status: "completed" }), dry_run: false };

function runsApi() {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([])),
    "GET /api/v1/automation/rules/action-types/": () => json([]),
    "GET /api/v1/automation/rules/3/versions/": () => json([]),
    "GET /api/v1/automation/executions/": () => json(page([dry, live])),
    "GET /api/v1/automation/executions/run_dry/": () => json(dry),
    "GET /api/v1/automation/executions/run_dry/logs/": () => json([]),
    "GET /api/v1/automation/executions/run_live/": () => json(live),
    "GET /api/v1/automation/executions/run_live/logs/": () => json([]),
  });
}

describe("dry runs", () => {
  it("carry a Dry run pill in the runs list, live runs none", async () => {
    runsApi();
    renderApp(<AppRoutes />, { route: "/runs?site=1" });
    const rows = await screen.findAllByTestId("run-row");
    const byId = (id: string) => rows.find((r) => r.getAttribute("data-run-id") === id)!;
    expect(within(byId("run_dry")).getByTestId("dry-run-pill")).toHaveTextContent("Dry run");
    expect(within(byId("run_live")).queryByTestId("dry-run-pill")).toBeNull();
  });

  it("are labelled on the run page and say what a dry run is", async () => {
    runsApi();
    renderApp(<AppRoutes />, { route: "/runs/run_dry?site=1" });
    const heading = await screen.findByRole("heading", { level: 1 });
    expect(within(heading).getByTestId("dry-run-pill")).toHaveTextContent("Dry run");
    expect(screen.getByTestId("dry-run-notice")).toHaveTextContent("no credits were charged");
    expect(screen.getByTestId("step-dry-run-step-2")).toHaveTextContent("would charge 3 credits · would call POST https://hooks.example.com/x");
    expect(screen.queryByTestId("step-dry-run-step-1")).toBeNull();
  });

  it("say in words what a step would have done", () => {
    expect(dryRunWouldDo({ dry_run: { would_charge: "2.50", calls: ["POST https://a", "GET https://b"] } })).toEqual([
      "would charge 2.50 credits",
      "would call POST https://a",
      "would call GET https://b",
    ]);
    expect(dryRunWouldDo({ output: {} })).toEqual([]);
    expect(dryRunWouldDo(null)).toEqual([]);
  });

  it("are not claimed for a live run", async () => {
    runsApi();
    renderApp(<AppRoutes />, { route: "/runs/run_live?site=1" });
    await screen.findByRole("heading", { level: 1 });
    expect(screen.queryByTestId("dry-run-pill")).toBeNull();
    expect(screen.queryByTestId("dry-run-notice")).toBeNull();
  });
});
