import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { json, me, page, renderApp, routerLocation, stubApi } from "../test/utils";
import type { Keyword, KeywordImportPreview } from "./types";

function keyword(id: number, text: string, overrides: Partial<Keyword> = {}): Keyword {
  return {
    id,
    site: 1,
    created_at: "2026-01-02T10:00:00Z",
    updated_at: "2026-01-02T10:00:00Z",
    text,
    volume: 100 * id,
    difficulty: 10,
    intent: "informational",
    status: "new",
    cluster: null,
    cluster_name: null,
    disabled: false,
    ...overrides,
  };
}

const PREVIEW: KeywordImportPreview = {
  preview: true,
  total: 2,
  valid: 1,
  invalid: 1,
  rows: [
    {
      row: 2,
      values: { text: "cold brew", volume: "10" },
      keyword: { text: "cold brew", volume: 10, difficulty: 0, intent: "informational" },
      errors: [],
    },
    {
      row: 3,
      values: { text: "bad", volume: "lots" },
      keyword: null,
      errors: [{ row: 3, field: "volume", message: "A valid integer is required." }],
    },
  ],
  errors: [{ row: 3, field: "volume", message: "A valid integer is required." }],
};

function keywordApi(items: Keyword[]) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "10", reserved: "0", available: "10", transactions: [] }),
    "GET /api/v1/keywords/": (call) => {
      const search = call.query.get("search") ?? "";
      return json(page(items.filter((k) => k.text.includes(search))));
    },
    "GET /api/v1/clusters/": () => json(page([])),
    "POST /api/v1/keywords/import_csv/": () => json(PREVIEW),
    "POST /api/v1/keywords/bulk_update/": (call) => {
      const { ids, disabled } = call.body as { ids: number[]; disabled: boolean };
      for (const item of items) if (ids.includes(item.id)) item.disabled = disabled;
      return json({ updated: ids.length });
    },
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("KeywordsPage", () => {
  it("lists the site's keywords and keeps the search in the URL", async () => {
    const { calls } = keywordApi([keyword(1, "cold brew"), keyword(2, "espresso")]);
    renderApp(<AppRoutes />, { route: "/keywords?site=1" });
    expect(await screen.findByText("cold brew", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("espresso")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Search"), "brew{Enter}");
    await waitFor(() => expect(routerLocation()).toContain("q=brew"));
    await waitFor(() => expect(screen.queryByText("espresso")).not.toBeInTheDocument());
    expect(calls.some((c) => c.path === "/api/v1/keywords/" && c.query.get("search") === "brew")).toBe(true);
  });

  it("previews a CSV file, shows a bad row's problem at its row and keeps Import disabled", async () => {
    keywordApi([keyword(1, "cold brew")]);
    renderApp(<AppRoutes />, { route: "/keywords?site=1" });
    await screen.findByText("cold brew", {}, { timeout: 5000 });
    await userEvent.click(screen.getByRole("button", { name: "Import CSV" }));
    const panel = screen.getByRole("region", { name: "Import keywords from a CSV file" });
    const input = panel.querySelector<HTMLInputElement>('input[type="file"]');
    expect(input).not.toBeNull();
    expect(input?.hidden).toBe(true);
    expect(input?.tabIndex).toBe(-1);
    await userEvent.upload(input as HTMLInputElement, new File(["keyword\n"], "k.csv", { type: "text/csv" }));
    expect(await within(panel).findByText("Volume: A valid integer is required.")).toBeInTheDocument();
    expect(within(panel).getByText(/2 rows: 1 with problems/)).toBeInTheDocument();
    expect(within(panel).getByRole("button", { name: "Import 1 keyword" })).toBeDisabled();
  });

  it("disables the selected keywords together", async () => {
    const items = [keyword(1, "cold brew"), keyword(2, "espresso")];
    const { calls } = keywordApi(items);
    renderApp(<AppRoutes />, { route: "/keywords?site=1" });
    await userEvent.click(await screen.findByLabelText("Select “espresso”", {}, { timeout: 5000 }));
    const bulk = screen.getByRole("region", { name: "Bulk actions" });
    await userEvent.click(within(bulk).getByRole("button", { name: "Disable" }));
    expect(await screen.findByText("Disabled 1 keyword.")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/api/v1/keywords/bulk_update/")?.body).toEqual({ ids: [2], disabled: true });
  });
});
