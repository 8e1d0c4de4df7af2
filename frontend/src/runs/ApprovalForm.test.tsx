/** Approve / Reject a waiting step: the request the contract names, the run it answers, and a 409's reason. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { runKeys } from "../rules/api";
import { flowRun } from "../rules/graph/testData";
import { json, renderApp, stubApi } from "../test/utils";
import { ApprovalForm } from "./ApprovalForm";

const URL = "POST /api/v1/automation/executions/run_flow/approve/";

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("ApprovalForm", () => {
  it("approves with the step key and the note, and keeps the answered run", async () => {
    const answered = flowRun([], { status: "completed" });
    const { calls } = stubApi({ [URL]: () => json(answered) });
    const { client } = renderApp(<ApprovalForm runId="run_flow" stepKey="each-do-2@2" prompt="Publish this one?" place="steps" />);
    const form = screen.getByRole("group", { name: "Approval: Publish this one?" });
    expect(form).toHaveTextContent("Publish this one?");
    await userEvent.type(within(form).getByLabelText("Note (optional)"), "  looks good ");
    await userEvent.click(within(form).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Approved."));
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({ step: "each-do-2@2", decision: "approved", note: "looks good" });
    expect(posts[0]?.headers["X-CSRFToken"]).toBe("tok");
    expect(client.getQueryData(runKeys.detail("run_flow"))).toEqual(answered);
  });

  it("rejects without a note", async () => {
    const { calls } = stubApi({ [URL]: () => json(flowRun([])) });
    renderApp(<ApprovalForm runId="run_flow" stepKey="gate" prompt="" place="graph" />);
    expect(screen.getByTestId("graph-approval-gate")).toHaveTextContent("Approve this step to go on.");
    await userEvent.click(screen.getByTestId("graph-reject-gate"));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ step: "gate", decision: "rejected" });
  });

  it("shows the server's reason when the step no longer waits (409)", async () => {
    stubApi({ [URL]: () => json({ detail: "Step gate is not waiting for an approval." }, 409) });
    renderApp(<ApprovalForm runId="run_flow" stepKey="gate" prompt="Go?" place="steps" />);
    await userEvent.click(screen.getByRole("button", { name: "Approve" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Step gate is not waiting for an approval.");
    expect(screen.getByRole("button", { name: "Approve" })).toBeEnabled();
  });
});
