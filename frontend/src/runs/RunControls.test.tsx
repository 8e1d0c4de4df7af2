/** Run controls: which buttons each status offers, and Re-run opening the new run or saying why it was refused. */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { ErrorBanner } from "../shell/ErrorBanner";
import { json, renderApp, routerLocation, stubApi } from "../test/utils";
import { controlsFor, RunControls } from "./RunControls";

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("controlsFor", () => {
  it("offers Re-run on every finished run, and only there", () => {
    expect(controlsFor("completed")).toEqual(["rerun"]);
    expect(controlsFor("failed")).toEqual(["retry", "retry-from-start", "rerun"]);
    expect(controlsFor("cancelled")).toEqual(["retry", "retry-from-start", "rerun"]);
    for (const active of ["queued", "running", "paused"]) expect(controlsFor(active)).not.toContain("rerun");
  });
});

describe("Re-run", () => {
  it("starts a new run of the same rule and opens it, keeping the site", async () => {
    const { calls } = stubApi({
      "POST /api/v1/automation/executions/run_old/rerun/": () => json({ run_id: "run_new", status: "queued", message: "run run_new queued" }, 202),
    });
    const onDone = vi.fn();
    renderApp(<RunControls runId="run_old" status="completed" siteId={3} onError={() => {}} onDone={onDone} />, { route: "/runs/run_old?site=3" });
    await userEvent.click(screen.getByRole("button", { name: "Re-run" }));
    await waitFor(() => expect(routerLocation()).toBe("/runs/run_new?site=3"));
    expect(onDone).toHaveBeenCalledWith("rerun");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("turns a 402 into one sentence with the amounts, and stays on the run", async () => {
    stubApi({
      "POST /api/v1/automation/executions/run_old/rerun/": () =>
        json({ detail: "Insufficient credits: needed 12.00, available 3.50.", code: "insufficient_credits", needed: "12.00", available: "3.50" }, 402),
    });
    let shown: unknown = null;
    const { rerender } = renderApp(
      <RunControls runId="run_old" status="failed" compact onError={(_c, error) => (shown = error)} />,
      { route: "/runs" },
    );
    await userEvent.click(screen.getByRole("button", { name: "Re-run: run_old" }));
    await waitFor(() => expect(shown).not.toBeNull());
    rerender(<ErrorBanner title="Not run again" error={shown} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Not enough credits: it needs 12 credits; 3.5 are available. No run was made.");
    expect(routerLocation()).toBe("/runs");
  });
});
