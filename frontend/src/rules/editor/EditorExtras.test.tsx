/** The rule editor's credentials (sent with the save), warnings at their place, secret headers and the placeholder preview. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../../App";
import { type Call, json, me, page, renderApp, stubApi } from "../../test/utils";
import { savedRule } from "../testData";
import type { Rule } from "../types";

const webhookSchema = {
  type: "object",
  properties: {
    url: { title: "URL", type: "string" },
    headers: { title: "Headers", type: "object", additionalProperties: { type: "string" } },
    secret_headers: { title: "Secret headers", type: "object", additionalProperties: { type: "string" } },
  },
  required: ["url"],
};

const catalog = [
  { type: "log", name: "Log", description: "", queue: "local", params_schema: { type: "object", properties: { message: { type: "string" } } }, cost: "free" },
  { type: "webhook", name: "Call a webhook", description: "", queue: "local", params_schema: webhookSchema, cost: "free" },
];

const rule = savedRule({
  id: 12,
  name: "Tell the CRM",
  conditions: { ">": [{ var: "object.wordcount" }, 800] },
  actions: [
    { type: "webhook", params: { url: "https://crm.example.com/hook", secret_headers: { Authorization: "crm_token" } }, on_error: "stop" },
    { type: "log", if: { "==": [{ var: "object.colour" }, "red"] }, params: { message: "New {object.keyword} ({object.volume}) {object.nope} {steps.step-1.output.ids}" }, on_error: "stop" },
  ] as Rule["actions"], // a step's `if` is not in the generated type
  credential_names: ["crm_token", "old_key"],
  warnings: {
    conditions: ["object.wordcount: keyword.created events carry no such field (their object has keyword, volume)"],
    "actions.1.if": ["object.colour: keyword.created events carry no such field (their object has keyword, volume)"],
  },
  version: 4,
});

let stubRoutes: Record<string, (call: Call) => Response> = {};

function fakeApi(onSave: (call: Call) => Response = (call) => json({ ...rule, ...(call.body as object), version: 5 })) {
  stubRoutes = {};
  return stubApi({
    "POST /api/v1/automation/rules/12/test/": (call) => (stubRoutes["POST /api/v1/automation/rules/12/test/"] ?? (() => json({}, 404)))(call),
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([rule])),
    "GET /api/v1/automation/rules/12/": () => json(rule),
    "GET /api/v1/automation/rules/12/versions/": () => json([]),
    "GET /api/v1/automation/rules/action-types/": () => json(catalog),
    "GET /api/v1/automation/rules/trigger-types/": () =>
      json({ trigger_types: ["manual", "event"], events: [{ name: "keyword.created", description: "", fields: ["object.id", "object.keyword", "object.volume"] }], custom_events: "" }),
    "PUT /api/v1/automation/rules/12/": onSave,
  });
}

beforeAll(async () => {
  await import("../RuleEditorPage");
  await import("./ParamsForm");
}, 30_000);

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

function entry(path: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`[data-testid="step"][data-path="${path}"]`);
  if (!found) throw new Error(`no entry at ${path}`);
  return found;
}

async function openEntry(path: string) {
  const card = entry(path);
  const title = within(card).getAllByRole("button", { expanded: false })[0];
  if (title) await userEvent.click(title);
  return card;
}

describe("credentials", () => {
  it("lists the names, and sends only the changed ones with the next save, values never shown", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    const panel = await screen.findByTestId("credentials-panel");
    const names = within(panel).getAllByTestId("credential").map((li) => li.dataset.name);
    expect(names).toEqual(["crm_token", "old_key"]);
    expect(within(panel).getByText("used by step-1 (Authorization)")).toBeInTheDocument();

    await userEvent.type(within(panel).getByTestId("credential-name"), "Bad Name");
    await userEvent.type(within(panel).getByTestId("credential-value"), "s3cret");
    await userEvent.click(within(panel).getByTestId("credential-add"));
    expect(within(panel).getByText(/Lower-case letters/)).toBeInTheDocument();
    await userEvent.clear(within(panel).getByTestId("credential-name"));
    await userEvent.type(within(panel).getByTestId("credential-name"), "erp_key{Enter}");
    expect(within(panel).getByTestId("credential-value")).toHaveValue("");
    expect(panel).not.toHaveTextContent("s3cret");

    await userEvent.click(within(panel).getByRole("button", { name: "Replace the value of crm_token" }));
    await userEvent.type(within(panel).getByLabelText("New value for crm_token"), "rotated{Enter}");
    await userEvent.click(within(panel).getByRole("button", { name: "Remove old_key" }));
    const states = Object.fromEntries(within(panel).getAllByTestId("credential").map((li) => [li.dataset.name, within(li).getByTestId("credential-state").textContent]));
    expect(states).toEqual({ crm_token: "new value on save", erp_key: "added on save", old_key: "removed on save" });
    expect(screen.getAllByText("Unsaved changes").length).toBeGreaterThan(0);

    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    const body = calls.find((c) => c.method === "PUT")!.body as { credentials: unknown };
    expect(body.credentials).toEqual({ erp_key: "s3cret", crm_token: "rotated", old_key: null });
  });

  it("sends no credentials when none changed, and offers the rule's names for a secret header", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    await screen.findByTestId("credentials-panel");
    const webhook = await openEntry("actions.0");
    const secret = await within(webhook).findByTestId("secret-headers");
    const select = within(secret).getByLabelText("Credential");
    expect(select).toHaveValue("crm_token");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual(["Choose a credential…", "crm_token", "old_key"]);

    const plain = within(webhook).getByTestId("headers");
    await userEvent.click(within(plain).getByRole("button", { name: "Add header" }));
    await userEvent.type(within(plain).getByLabelText("Header 1"), "X-Api-Key");
    expect(within(plain).getByTestId("header-secret-hint")).toHaveTextContent("looks like it carries a secret");

    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    const body = calls.find((c) => c.method === "PUT")!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty("credentials");
    expect((body.actions as { params: unknown }[])[0]!.params).toMatchObject({ headers: { "X-Api-Key": "" }, secret_headers: { Authorization: "crm_token" } });
  });
});

describe("save errors at the headers", () => {
  it("shows a refused secret header and a secret-looking plain header at their rows", async () => {
    fakeApi(() =>
      json(
        {
          "actions.0.params.secret_headers.Authorization": ["'gone' is not a credential of this rule (it has: crm_token); add it under credentials"],
          "actions.0.params.headers.X-Token": ["looks like a secret: store it as a credential and send it with secret_headers"],
        },
        400,
      ),
    );
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    await userEvent.type(await screen.findByLabelText("Name"), "!");
    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    const secret = await within(entry("actions.0")).findByTestId("secret-headers");
    expect(secret).toHaveTextContent("'gone' is not a credential of this rule");
    expect(within(entry("actions.0")).getByTestId("headers")).toHaveTextContent("X-Token: looks like a secret");
    expect(screen.getByTestId("error-summary")).toHaveTextContent("Not saved: 2 problems");
  });
});

describe("warnings", () => {
  it("shows the saved rule's warnings at the conditions and at the entry, without blocking", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    expect(await screen.findByTestId("conditions-warnings")).toHaveTextContent("object.wordcount: keyword.created events carry no such field");
    expect(screen.getByTestId("warning-summary")).toHaveTextContent("2 warnings");
    expect(within(entry("actions.1")).getByTestId("entry-warning-chip")).toBeInTheDocument();
    const log = await openEntry("actions.1");
    expect(within(log).getByTestId("entry-warnings")).toHaveTextContent("Run only if: object.colour");
    expect(within(entry("actions.0")).queryByTestId("entry-warning-chip")).toBeNull();
  });

  it("shows the warnings a save returns, and drops the ones it no longer has", async () => {
    let warnings: Record<string, string[]> = { "actions.0.if": ["object.size: keyword.created events carry no such field"] };
    fakeApi((call) => json({ ...rule, ...(call.body as object), version: 5, warnings }));
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    await userEvent.type(await screen.findByLabelText("Name"), "!");
    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    expect(await screen.findByText(/Saved as v5\. 1 warning/)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("conditions-warnings")).toBeNull());
    expect(within(entry("actions.0")).getByTestId("entry-warning-chip")).toBeInTheDocument();

    warnings = {};
    await userEvent.type(screen.getByLabelText("Name"), "!");
    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    await waitFor(() => expect(screen.queryByTestId("warning-summary")).toBeNull());
    expect(screen.queryByTestId("entry-warning-chip")).toBeNull();
  });
});

describe("placeholder preview", () => {
  it("previews a templated param from the event's sample, marking what stays and what the run fills", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    await screen.findByTestId("credentials-panel");
    const log = await openEntry("actions.1");
    const preview = await within(log).findByTestId("placeholder-preview");
    expect(preview).toHaveTextContent("Preview with a sample keyword.created");
    const marks = Object.fromEntries([...preview.querySelectorAll("mark")].map((m) => [m.textContent, m.getAttribute("data-kind")]));
    expect(marks).toEqual({ "(empty object.keyword)": "filled", "0": "filled", "{object.nope}": "unknown", "{steps.step-1.output.ids}": "runtime" });
    expect(preview).toHaveTextContent("{object.nope}: not in what the trigger carries: stays as written");
    expect(preview).toHaveTextContent("{steps.step-1.output.ids}: filled when the run reaches this step");
  });

  it("fills from the object a conditions test ran on", async () => {
    fakeApi();
    stubRoutes["POST /api/v1/automation/rules/12/test/"] = () =>
      json({
        result: false,
        trace: [],
        error: null,
        context: { event: { name: "keyword.created", changes: {} }, object: { id: 42, keyword: "cast iron pans", volume: 1300 }, site: { id: 1 }, payload: {} },
      });
    renderApp(<AppRoutes />, { route: "/rules/12?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: /Test the conditions/ }));
    await userEvent.click(screen.getByRole("button", { name: "Run the test" }));
    await screen.findByTestId("test-result");
    const log = await openEntry("actions.1");
    const preview = await within(log).findByTestId("placeholder-preview");
    expect(preview).toHaveTextContent("Preview with the sample tested under Conditions");
    expect(preview).toHaveTextContent("New cast iron pans (1300) {object.nope}");
  });
});
