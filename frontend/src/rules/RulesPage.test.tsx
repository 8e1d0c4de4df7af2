/** The rules list's import: a preview from the API (final names, inactive, steps), the conflict choice, errors per rule. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, page, renderApp, stubApi } from "../test/utils";
import { savedRule } from "./testData";

const existing = savedRule({ name: "Notify big keywords", conditions: null, version: 1 });

const fileRules = [
  { name: "Notify big keywords", trigger: { type: "event", event: "keyword.created" }, actions: [{ type: "log", params: {} }] },
  {
    name: "Call the CRM",
    trigger: { type: "manual" },
    actions: [
      { type: "log", params: {} },
      { type: "webhook", params: { url: "https://crm.example.com/hook" } },
    ],
  },
];

function row(index: number, conflict: string, id: number | null) {
  const renamed = index === 0 && conflict === "rename";
  return {
    name: renamed ? "Notify big keywords (imported)" : fileRules[index]!.name,
    original_name: fileRules[index]!.name,
    renamed,
    is_active: false,
    trigger_summary: index === 0 ? "on keyword.created" : "manual",
    steps: fileRules[index]!.actions.length,
    id,
    ...(id && index === 1 ? { signing_secret: "sig-once" } : {}),
  };
}

function fakeApi() {
  const rules = [existing];
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page(rules)),
    "POST /api/v1/automation/rules/import/": (call: Call) => {
      const body = call.body as { rules: { name: string }[]; on_conflict: string; preview: boolean };
      if (body.on_conflict === "refuse") {
        return json({ "rules.0.name": ["a rule named 'Notify big keywords' already exists (on_conflict is 'refuse')"] }, 400);
      }
      if (body.rules.some((r) => r.name === "Broken")) {
        return json({ "rules.1.actions": { "0": { type: ["unknown action type 'nope'"] } } }, 400);
      }
      const rows = body.rules.map((_, i) => row(i, body.on_conflict, body.preview ? null : 100 + i));
      if (!body.preview) rows.forEach((r) => rules.push({ ...existing, id: r.id!, name: r.name, is_active: false }));
      return json({ preview: body.preview, rules: rows }, body.preview ? 200 : 201);
    },
  });
}

function upload(rules: unknown) {
  const input = screen.getByTestId("import-file") as HTMLInputElement;
  return userEvent.upload(input, new File([JSON.stringify(rules)], "rules.json", { type: "application/json" }));
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("importing rules", () => {
  it("previews the rules with their final names, inactive, then imports them all", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    await screen.findByText("Notify big keywords");
    await upload(fileRules);

    const dialog = await screen.findByRole("dialog", { name: "Import 2 rules from rules.json" });
    const rows = await within(dialog).findAllByTestId("import-rule");
    await waitFor(() => expect(rows[0]).toHaveTextContent("Notify big keywords (imported)"));
    expect(rows[0]).toHaveTextContent("renamed from “Notify big keywords”");
    expect(rows[0]).toHaveTextContent("comes in inactive");
    expect(rows[0]).toHaveTextContent("on keyword.created · 1 step");
    expect(rows[1]).toHaveTextContent("Call the CRM");
    expect(rows[1]).not.toHaveTextContent("renamed");
    expect(rows[1]).toHaveTextContent("manual · 2 steps");
    const previews = calls.filter((c) => c.path === "/api/v1/automation/rules/import/");
    expect(previews).toHaveLength(1);
    expect(previews[0]!.body).toMatchObject({ preview: true, on_conflict: "rename" });

    await userEvent.click(within(dialog).getByRole("button", { name: "Import 2 rules" }));
    const notice = await screen.findByText(/Imported 2 rules \(inactive\)\./);
    expect(calls.filter((c) => c.path === "/api/v1/automation/rules/import/").at(-1)!.body).toMatchObject({ preview: false });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(within(notice.closest("[role=status]") as HTMLElement).getByTestId("import-secrets")).toHaveTextContent("sig-once");
  });

  it("refuses a clashing name when asked to, with the error at that rule", async () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    await screen.findByText("Notify big keywords");
    await upload(fileRules);
    const dialog = await screen.findByRole("dialog");
    await waitFor(() => expect(within(dialog).getAllByTestId("import-rule")[0]).toHaveTextContent("(imported)"));
    await userEvent.click(within(dialog).getByLabelText("Refuse the import"));
    const errors = await within(dialog).findByTestId("import-rule-errors");
    expect(errors).toHaveTextContent("name: a rule named 'Notify big keywords' already exists (on_conflict is 'refuse')");
    expect(within(dialog).getAllByTestId("import-rule")[0]).toHaveAttribute("aria-invalid", "true");
    expect(within(dialog).getByRole("button", { name: "Import 2 rules" })).toBeDisabled();
  });

  it("shows each rule's errors at that rule and imports nothing", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    await screen.findByText("Notify big keywords");
    await upload([fileRules[1], { name: "Broken", trigger: { type: "manual" }, actions: [{ type: "nope", params: {} }] }]);
    const dialog = await screen.findByRole("dialog");
    const rows = within(dialog).getAllByTestId("import-rule");
    expect(await within(rows[1]!).findByTestId("import-rule-errors")).toHaveTextContent("step 1 · type: unknown action type 'nope'");
    expect(within(rows[0]!).queryByTestId("import-rule-errors")).toBeNull();
    expect(within(dialog).getByRole("alert")).toHaveTextContent("1 problem");
    expect(within(dialog).getByRole("button", { name: "Import 2 rules" })).toBeDisabled();
    expect(calls.filter((c) => c.path === "/api/v1/automation/rules/import/").every((c) => (c.body as { preview: boolean }).preview)).toBe(true);
  });

  it("keeps the hidden file input out of the Tab order", () => {
    fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    return waitFor(() => {
      expect(screen.getByTestId("import-file")).toHaveAttribute("tabindex", "-1");
      expect(screen.getByRole("button", { name: "Import" })).toBeInTheDocument();
    });
  });
});
