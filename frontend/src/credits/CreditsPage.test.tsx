import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, renderApp, routerLocation, stubApi } from "../test/utils";
import { budgetUse, parseDays, signedAmount } from "./CreditsPage";
import type { Budget, LedgerRow, Usage } from "./types";

function row(id: number, overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id,
    kind: "debit",
    amount: "2.00",
    operation: "generate_content",
    description: "",
    run_id: "run_abc",
    step_index: 3,
    object_type: "content",
    object_id: id,
    balance_after: "998.00",
    reserved_after: "0.00",
    created_at: "2026-12-01T10:00:00Z",
    ...overrides,
  };
}

const usage: Usage = {
  days: 30,
  timezone: "UTC",
  since: "2026-11-02",
  until: "2026-12-01",
  total: "5.00",
  per_day: [
    { date: "2026-11-30", credits: "0.00" },
    { date: "2026-12-01", credits: "5.00" },
  ],
  by_stage: [
    { stage: 1, name: "Keywords → Clusters", operation: "cluster_keywords", credits: "1.00" },
    { stage: 4, name: "Tasks → Content", operation: "generate_content", credits: "4.00" },
    { stage: 7, name: "Manual Review Gate", operation: "review_gate", credits: "0.00" },
  ],
};

function fakeCreditsApi(rows: LedgerRow[], overrides: Record<string, (call: Call) => Response> = {}) {
  let budget: Budget = { daily_credit_budget: null, spent_today: "5.00", remaining_today: null };
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () =>
      json({ balance: "995.00", reserved: "20.00", available: "975.00", transactions: [], daily_credit_budget: null, spent_today: "5.00" }),
    "GET /api/v1/credits/budget/": () => json(budget),
    "PATCH /api/v1/credits/budget/": (call) => {
      const value = (call.body as { daily_credit_budget: string | null }).daily_credit_budget;
      if (value !== null && !/^\d+(\.\d{1,2})?$/.test(value)) {
        return json({ daily_credit_budget: ["A valid number is required."] }, 400);
      }
      budget = { daily_credit_budget: value, spent_today: "5.00", remaining_today: value === null ? null : String(Number(value) - 5) };
      return json(budget);
    },
    "GET /api/v1/credits/usage/": () => json(usage),
    "GET /api/v1/credits/ledger/operations/": () => json({ operations: ["generate_content", "generate_images", "initial_grant"] }),
    "GET /api/v1/credits/ledger/": (call) => {
      if (call.query.get("since") === "2026-12-05" && call.query.get("until") === "2026-12-01") {
        return json({ until: ["must be later than since."] }, 400);
      }
      const operation = call.query.get("operation");
      const matching = rows.filter((r) => !operation || r.operation === operation);
      return json({ count: matching.length, next: null, previous: null, results: matching });
    },
    ...overrides,
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("helpers", () => {
  it("parses the range, signs amounts and measures the budget", () => {
    expect(parseDays(null)).toBe(30);
    expect(parseDays("7")).toBe(7);
    expect(parseDays("12")).toBe(30);
    expect(signedAmount("debit", "2.5")).toBe("−2.5");
    expect(signedAmount("credit", "1000")).toBe("+1,000");
    expect(signedAmount("reservation", "4")).toBe("4");
    expect(budgetUse({ daily_credit_budget: null, spent_today: "3" })).toBeNull();
    expect(budgetUse({ daily_credit_budget: "10.00", spent_today: "2.50" })).toBe(25);
    expect(budgetUse({ daily_credit_budget: "10.00", spent_today: "12" })).toBe(100);
    expect(budgetUse({ daily_credit_budget: "0.00", spent_today: "0" })).toBe(0);
  });
});

describe("credits screen", () => {
  it("shows the balance, today's spend, usage and the ledger with run links", async () => {
    fakeCreditsApi([row(2), row(1, { kind: "credit", operation: "initial_grant", amount: "1000.00", run_id: "", balance_after: "1000.00" })]);
    renderApp(<AppRoutes />, { route: "/credits?site=1" });
    expect(await screen.findByTestId("credits-available")).toHaveTextContent("975 credits");
    expect(screen.getByTestId("credits-reserved")).toHaveTextContent("20");
    expect(await screen.findByTestId("credits-spent-today")).toHaveTextContent("5 credits today");
    expect(await screen.findByTestId("credits-usage-total")).toHaveTextContent("5 credits spent in the last 30 days");
    const legend = screen.getByTestId("credits-stage-legend");
    expect(within(legend).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Stage 1: Keywords → Clusters1 cr (20%)",
      "Stage 4: Tasks → Content4 cr (80%)",
    ]);
    const rows = await screen.findAllByTestId("ledger-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText("−2")).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("link", { name: "run_abc" })).toHaveAttribute("href", "/runs/run_abc?site=1");
    expect(within(rows[1]!).getByText("+1,000")).toBeInTheDocument();
    expect(screen.getByTestId("credits-export")).toHaveAttribute("href", "/api/v1/credits/ledger/export/");
  });

  it("filters the ledger by operation in the URL and the export link", async () => {
    const { calls } = fakeCreditsApi([row(2, { operation: "generate_images" }), row(1)]);
    renderApp(<AppRoutes />, { route: "/credits?site=1" });
    await screen.findAllByTestId("ledger-row");
    await userEvent.selectOptions(await screen.findByLabelText("Operation"), "generate_images");
    await waitFor(() => expect(screen.getAllByTestId("ledger-row")).toHaveLength(1));
    expect(routerLocation()).toContain("operation=generate_images");
    expect(calls.at(-1)?.query.get("operation")).toBe("generate_images");
    expect(screen.getByTestId("credits-export")).toHaveAttribute(
      "href",
      "/api/v1/credits/ledger/export/?operation=generate_images",
    );
  });

  it("shows the API's message at a bad date filter", async () => {
    fakeCreditsApi([row(1)]);
    renderApp(<AppRoutes />, { route: "/credits?site=1&since=2026-12-05&until=2026-12-01" });
    const until = await screen.findByLabelText("To (UTC)");
    await waitFor(() => expect(until).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText("must be later than since.")).toBeInTheDocument();
    expect(screen.queryByTestId("ledger-row")).toBeNull();
  });

  it("shows an empty ledger and an empty usage", async () => {
    fakeCreditsApi([], {
      "GET /api/v1/credits/usage/": () => json({ ...usage, total: "0.00", per_day: [], by_stage: [] }),
    });
    renderApp(<AppRoutes />, { route: "/credits?site=1" });
    expect(await screen.findByRole("heading", { name: "No credit activity yet" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "No spending in this range" })).toBeInTheDocument();
  });

  it("shows an error with a retry when the ledger fails", async () => {
    fakeCreditsApi([], { "GET /api/v1/credits/ledger/": () => json({ detail: "boom" }, 500) });
    renderApp(<AppRoutes />, { route: "/credits?site=1" });
    const alert = await screen.findByText("Could not load the ledger");
    expect(alert.closest("[role=alert]")).not.toBeNull();
  });

  it("sets the daily budget: a bad value shows its error, a good one is saved and shown", async () => {
    const { calls } = fakeCreditsApi([row(1)]);
    renderApp(<AppRoutes />, { route: "/credits?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Set a daily budget" }));
    const input = screen.getByLabelText("Daily budget (credits per UTC day)");
    expect(input).toHaveFocus();
    await userEvent.type(input, "lots");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByTestId("budget-error")).toHaveTextContent("A valid number is required.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    await userEvent.clear(input);
    await userEvent.type(input, "50");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Daily budget saved: 50 credits.")).toBeInTheDocument();
    expect(screen.getByTestId("credits-spent-today")).toHaveTextContent("5 of 50 credits");
    expect(screen.getByRole("meter", { name: "Daily budget used" })).toHaveAttribute("aria-valuenow", "10");
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { daily_credit_budget: "lots" },
      { daily_credit_budget: "50" },
    ]);
    await waitFor(() => expect(screen.getByRole("button", { name: "Change daily budget" })).toHaveFocus());
    await userEvent.click(screen.getByRole("button", { name: "Change daily budget" }));
    await userEvent.click(screen.getByRole("button", { name: "Remove limit" }));
    expect(await screen.findByText("Daily budget removed.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "PATCH").at(-1)?.body).toEqual({ daily_credit_budget: null });
  });
});
