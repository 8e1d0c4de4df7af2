/** The rule editor's run behaviour (modes explained, event rules queue by default) and the webhook signing secret. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, page, renderApp, stubApi } from "../test/utils";

const catalogs = {
  "GET /api/v1/automation/rules/action-types/": () =>
    json([
      { type: "log", name: "Log", description: "", queue: "default", params_schema: { type: "object", properties: { message: { type: "string" } } }, cost: "free" },
      { type: "webhook", name: "Webhook", description: "", queue: "default", params_schema: { type: "object", properties: { url: { type: "string" } } }, cost: "free" },
    ]),
  "GET /api/v1/automation/rules/trigger-types/": () =>
    json({ trigger_types: ["manual", "schedule", "event", "webhook"], events: [{ name: "keyword.created", description: "", fields: ["volume"] }], custom_events: "" }),
};

const webhookRule = {
  id: 12,
  name: "Tell the CRM",
  description: "",
  site: 1,
  is_active: true,
  mode: "single",
  max_runs: 10,
  mode_scope: "rule",
  allow_self_trigger: false,
  budget_per_run: null,
  trigger: { type: "manual" },
  conditions: null,
  actions: [{ type: "webhook", params: { url: "https://crm.example.com/hook" }, on_error: "stop" }],
  version: 2,
  preset_key: "",
  execution_count: 0,
  last_executed_at: null,
  next_run_at: null,
  trigger_summary: "manual",
  schedule: null,
  webhook_url: null,
  last_run: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function fakeApi(extra: Record<string, (call: Call) => Response> = {}) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([webhookRule])),
    "GET /api/v1/automation/rules/12/": () => json(webhookRule),
    "GET /api/v1/automation/rules/12/versions/": () => json([]),
    ...catalogs,
    ...extra,
  });
}

// The editor is a lazy chunk: load it once up front, so the first test does not spend its wait on it.
beforeAll(async () => {
  await import("./RuleEditorPage");
}, 30_000);

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("run behaviour", () => {
  it("explains each mode next to the choice, with what max runs means in it", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/new?site=1" });
    const modes = await screen.findByRole("radiogroup", { name: "Mode: when the rule triggers while a run is active" });
    expect(within(modes).getByTestId("mode-single")).toHaveTextContent("a trigger that comes while a run is active is dropped");
    expect(within(modes).getByTestId("mode-queued")).toHaveTextContent("At most “max runs” are active or waiting");
    expect(within(modes).getByTestId("mode-queued")).toHaveTextContent("dropped as “queue full”");
    expect(within(modes).getByTestId("mode-parallel")).toHaveTextContent("up to “max runs” at once");
    expect(within(modes).getByTestId("mode-restart")).toHaveTextContent("cancels the active run");

    expect(screen.getByLabelText("Max runs")).toBeDisabled();
    await userEvent.click(within(modes).getByRole("radio", { name: /Queued/ }));
    expect(screen.getByLabelText("Max active + waiting")).toBeEnabled();
    expect(screen.getByTestId("max-runs-help")).toHaveTextContent("Running, queued and paused runs together");
    await userEvent.click(within(modes).getByRole("radio", { name: /Parallel/ }));
    expect(screen.getByLabelText("Max runs at once")).toBeEnabled();
  });

  it("makes a new event rule queued, until a mode is picked by hand", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/new?site=1" });
    const modes = await screen.findByRole("radiogroup", { name: /Mode/ });
    expect(within(modes).getByRole("radio", { name: /Single/ })).toBeChecked();
    const triggers = screen.getByRole("radiogroup", { name: "Trigger type" });
    await userEvent.click(within(triggers).getByRole("radio", { name: /Event/ }));
    expect(within(modes).getByRole("radio", { name: /Queued/ })).toBeChecked();
    await userEvent.click(within(triggers).getByRole("radio", { name: /Manual/ }));
    expect(within(modes).getByRole("radio", { name: /Single/ })).toBeChecked();

    await userEvent.click(within(modes).getByRole("radio", { name: /Restart/ }));
    await userEvent.click(within(triggers).getByRole("radio", { name: /Event/ }));
    expect(within(modes).getByRole("radio", { name: /Restart/ })).toBeChecked();
  });
});

describe("webhook signing secret", () => {
  it("offers to rotate it for a saved rule with a webhook step, and shows the new one once", async () => {
    const { calls } = fakeApi({
      "POST /api/v1/automation/rules/12/rotate-signing-secret/": () => json({ signing_secret: "sig-rotated" }),
    });
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    const panel = await screen.findByTestId("signing-panel");
    expect(panel).toHaveTextContent("shown once");
    expect(within(panel).queryByTestId("signing-secret")).toBeNull();
    await userEvent.click(within(panel).getByRole("button", { name: "Rotate signing secret" }));
    const dialog = await screen.findByRole("dialog", { name: "Rotate the signing secret?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Rotate signing secret" }));
    expect(await within(panel).findByTestId("signing-secret")).toHaveTextContent("sig-rotated");
    expect(calls.filter((c) => c.path.endsWith("/rotate-signing-secret/"))).toHaveLength(1);
  });

  it("shows the signing secret a save returns, once", async () => {
    fakeApi({
      "PUT /api/v1/automation/rules/12/": (call) =>
        json({ ...webhookRule, ...(call.body as object), version: 3, signing_secret: "sig-first" }),
    });
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    const name = await screen.findByLabelText("Name");
    await userEvent.type(name, " now");
    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    expect(await screen.findByTestId("signing-secret")).toHaveTextContent("sig-first");
    await waitFor(() => expect(screen.getByText("Saved as v3.")).toBeInTheDocument());
  });
});

describe("keyboard and small screens", () => {
  it("moves the focus to the new step's Action select after Add action", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    const picker = await screen.findByLabelText("Action to add");
    await waitFor(() => expect(within(picker).getByRole("option", { name: "Log (log)" })).toBeInTheDocument());
    await userEvent.selectOptions(picker, "log");
    await userEvent.click(screen.getByRole("button", { name: "Add action" }));
    const steps = await screen.findAllByTestId("step");
    expect(steps).toHaveLength(2);
    const select = within(steps[1]!).getByLabelText("Action");
    await waitFor(() => expect(select).toHaveFocus());
    expect(select).toHaveValue("log");
  });

  it("names the save shortcut as a hint next to Save", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    expect(await screen.findByTestId("save-hint")).toHaveTextContent(/^(Ctrl\+S|⌘S) saves$/);
    expect(screen.getByTestId("tab-strip")).toContainElement(screen.getByRole("tablist", { name: "Rule" }));
  });
});
