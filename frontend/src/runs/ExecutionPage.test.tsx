/** The run page with control flow: a waiting approval offered in the step list, and a run that completed with errors. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { AppRoutes } from "../App";
import type { FlowRunDetail } from "../rules/flowTypes";
import { flowRun, flowStep, loopRun } from "../rules/graph/testData";
import { json, me, page, renderApp, stubApi } from "../test/utils";

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

function fakeApi(run: FlowRunDetail, approved?: FlowRunDetail) {
  let current = run;
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([])),
    "GET /api/v1/automation/rules/action-types/": () => json([]),
    "GET /api/v1/automation/rules/3/versions/": () => json([]),
    [`GET /api/v1/automation/executions/${run.run_id}/`]: () => json(current),
    [`GET /api/v1/automation/executions/${run.run_id}/logs/`]: () => json([]),
    [`POST /api/v1/automation/executions/${run.run_id}/approve/`]: () => {
      current = approved ?? run;
      return json(current);
    },
  });
}

describe("the run page", () => {
  it("offers a waiting approval in the step list and sends the decision", async () => {
    const after = loopRun();
    const { calls } = fakeApi(loopRun(), { ...after, steps: after.steps.map((s) => (s.status === "waiting" ? { ...s, status: "completed", result: { output: { decision: "rejected" } } } : s)) });
    renderApp(<AppRoutes />, { route: "/runs/run_flow?site=1" });
    expect(await screen.findByTestId("approvals-waiting")).toHaveTextContent("A step waits for your approval");
    const rows = screen.getAllByTestId("step-row");
    expect(rows).toHaveLength(9);
    const waiting = rows.find((r) => r.getAttribute("data-key") === "each-do-2@2")!;
    expect(within(waiting).getByText("Waiting")).toBeInTheDocument();
    expect(screen.getByTestId("step-outcome-short")).toHaveTextContent("took else");
    expect(screen.getByTestId("step-outcome-each")).toHaveTextContent("2/3 items");
    const approval = within(waiting).getByTestId("steps-approval-each-do-2@2");
    await userEvent.click(within(approval).getByRole("button", { name: "Reject" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ step: "each-do-2@2", decision: "rejected" });
    await waitFor(() => expect(screen.queryByTestId("approvals-waiting")).toBeNull());
    expect(screen.getByTestId("step-outcome-each-do-2@2")).toHaveTextContent("rejected");
  });

  it("shows a run that completed with errors as such, and offers a re-run", async () => {
    const run = flowRun(
      [
        flowStep(0, "step-1", "actions/0", "webhook", { status: "failed", on_error: "continue", error: "HTTP 500" }),
        flowStep(1, "step-2", "actions/1", "log"),
      ],
      { run_id: "run_cwe", status: "completed_with_errors", program: [{ type: "webhook", on_error: "continue", params: {} }, { type: "log", params: {} }] },
    );
    fakeApi(run);
    renderApp(<AppRoutes />, { route: "/runs/run_cwe?site=1" });
    expect(await screen.findByTestId("completed-with-errors")).toHaveTextContent("1 step(s) failed and the run went on past them");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Completed with errors");
    expect(screen.getByRole("button", { name: "Re-run" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry failed step" })).toBeNull();
  });
});
