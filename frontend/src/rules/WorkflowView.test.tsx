/** The visualizer with a run: loop progress, the branch taken, and a waiting approval given from the graph. */
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { json, renderApp, stubApi } from "../test/utils";
import { flowRule, loopRun } from "./graph/testData";
import WorkflowView from "./WorkflowView";

beforeAll(() => {
  // React Flow measures its box and nodes; jsdom has no layout.
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  vi.stubGlobal("ResizeObserver", ResizeObserverStub);
  class DOMMatrixStub {
    m22 = 1;
    constructor() {}
  }
  vi.stubGlobal("DOMMatrixReadOnly", DOMMatrixStub);
});

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("WorkflowView with a control-flow run", () => {
  it("draws the blocks with the run's state and approves the waiting step from its node", async () => {
    const { calls } = stubApi({
      "POST /api/v1/automation/executions/run_flow/approve/": () => json(loopRun()),
      "GET /api/v1/automation/executions/run_flow/logs/": () => json([]),
    });
    renderApp(<WorkflowView rule={flowRule} run={loopRun()} catalog={[]} selected={null} onSelect={() => {}} />);
    const graph = screen.getByTestId("workflow-graph");
    expect(await within(graph).findByTestId("loop-progress-each")).toHaveTextContent("2/3");
    expect(screen.getByTestId("node-step-0-branch")).toHaveTextContent("took else");
    expect(screen.getByTestId("node-step-0-then-0")).toHaveAttribute("data-dimmed", "true");
    expect(screen.getByTestId("node-step-1-do-0-counts")).toHaveTextContent("×3: 2 completed · 1 failed");
    const wait = screen.getByTestId("node-step-1-do-1");
    expect(wait).toHaveAttribute("data-status", "waiting");
    expect(wait).toHaveAttribute("data-key", "each-do-2");
    expect(screen.getByTestId("box-step-1-box")).toHaveTextContent(/for each steps\.short\.output\.ids\s*\(concurrency 4\)/);

    const approval = screen.getByTestId("graph-approval-each-do-2@2");
    await userEvent.type(within(approval).getByLabelText("Note (optional)"), "ok");
    await userEvent.click(within(approval).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ step: "each-do-2@2", decision: "approved", note: "ok" });
  });

  it("opens a loop body node's details with every run of it", async () => {
    stubApi({ "GET /api/v1/automation/executions/run_flow/logs/": () => json([]) });
    const onSelect = vi.fn();
    renderApp(<WorkflowView rule={flowRule} run={loopRun()} catalog={[]} selected="step-1-do-0" onSelect={onSelect} />);
    // (d3's drag handling needs a real window on mouse down: a plain click is enough here.)
    fireEvent.click(await screen.findByTestId("node-step-1-do-0"));
    expect(onSelect).toHaveBeenCalledWith(null);
    fireEvent.click(screen.getByTestId("node-step-2"));
    expect(onSelect).toHaveBeenCalledWith("step-2");
    const details = screen.getByTestId("node-details");
    expect(within(details).getByTestId("node-instances").querySelectorAll("li")).toHaveLength(3);
    expect(details).toHaveTextContent("HTTP 500"); // the failed instance is shown first
  });

  it("moves a step with Move up / down in the editor's graph", async () => {
    stubApi({});
    const onReorder = vi.fn();
    const onSelect = vi.fn();
    renderApp(<WorkflowView rule={flowRule} run={null} catalog={[]} selected="step-1-do-1" onSelect={onSelect} onReorder={onReorder} />);
    expect(await screen.findByTestId("node-step-1-do-1")).toBeInTheDocument();
    expect(screen.getByTestId("node-move-down")).toBeDisabled();
    await userEvent.click(screen.getByTestId("node-move-up"));
    expect(onReorder).toHaveBeenCalledWith("actions/1/do/1", "actions/1/do/0");
    expect(onSelect).toHaveBeenCalledWith("step-1-do-0");
  });
});
