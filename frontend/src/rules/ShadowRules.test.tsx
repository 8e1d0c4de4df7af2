/** Shadow rules in the list (badge, summary in words, one-click promote), dry runs from the list, shadow triggers. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, page, renderApp, stubApi } from "../test/utils";
import { TriggersPanel } from "./editor/TriggersPanel";
import { savedRule } from "./testData";

const base = savedRule({ conditions: null, version: 1 });

function fakeApi() {
  const rules = [
    { ...base, id: 1, name: "Live rule" },
    {
      ...base,
      id: 2,
      name: "Watching rule",
      is_shadow: true,
      shadow_summary: { would_have_run: 12, estimated_credits: "36.00", last_at: new Date(Date.now() - 3_600_000).toISOString(), days: 7 },
    },
  ];
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page(rules)),
    "PATCH /api/v1/automation/rules/2/": (call: Call) => {
      Object.assign(rules[1]!, call.body as object, { shadow_summary: null, version: 2 });
      return json(rules[1]);
    },
    "POST /api/v1/automation/rules/1/execute/": () => json({ run_id: "run-dry-9", status: "queued", message: "" }, 202),
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("shadow rules in the list", () => {
  it("shows the Shadow badge and what it would have done, and promotes it in one click", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    const rows = await screen.findAllByTestId("rule-row");
    const shadowRow = rows.find((row) => row.textContent?.includes("Watching rule"))!;
    const liveRow = rows.find((row) => row.textContent?.includes("Live rule"))!;
    expect(within(shadowRow).getByTestId("shadow-badge")).toHaveTextContent("Shadow");
    expect(within(shadowRow).getByTestId("shadow-summary")).toHaveTextContent("Shadow: would have run 12 times in 7 days, ≈ 36 credits · last 1 hour ago");
    expect(within(liveRow).queryByTestId("shadow-badge")).toBeNull();
    expect(within(shadowRow).queryByRole("button", { name: "Run “Watching rule” now" })).toBeNull();

    const listCalls = () => calls.filter((c) => c.method === "GET" && c.path === "/api/v1/automation/rules/").length;
    const before = listCalls();
    await userEvent.click(within(shadowRow).getByRole("button", { name: "Promote “Watching rule” to live" }));
    expect(await screen.findByText("“Watching rule” is live: it runs on its trigger from now on.")).toBeInTheDocument();
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ is_shadow: false, is_active: true });
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before)); // refetched
    await waitFor(() => expect(screen.queryByTestId("shadow-badge")).toBeNull());
    const promoted = screen.getAllByTestId("rule-row").find((row) => row.textContent?.includes("Watching rule"))!;
    expect(within(promoted).getByRole("button", { name: "Run “Watching rule” now" })).toBeInTheDocument();
  });

  it("starts a dry run from the list and links to the run", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Dry run “Live rule”" }));
    const text = await screen.findByText(/Dry run of “Live rule” started \(run-dry-9\): nothing is changed, called or charged\./);
    expect(within(text.closest("[role=status]") as HTMLElement).getByRole("link", { name: "Watch the run" })).toHaveAttribute("href", "/runs/run-dry-9?site=1");
    expect(calls.find((c) => c.path === "/api/v1/automation/rules/1/execute/")!.body).toMatchObject({ dry_run: true });
  });
});

describe("a shadow rule's triggers", () => {
  it("says what the shadow rule would have done and what it would have cost", async () => {
    stubApi({
      "GET /api/v1/automation/rules/4/triggers/": (call) =>
        json(
          page(
            call.query.get("outcome") === "dropped"
              ? []
              : [
                  { id: 1, at: "2026-11-21T10:00:00Z", trigger_type: "event", event: "keyword.created", outcome: "shadow", reason: "", estimated_credits: "3.00", run_id: null, object_type: "keyword", object_id: 7, causation: null },
                  { id: 2, at: "2026-11-21T09:00:00Z", trigger_type: "event", event: "keyword.created", outcome: "dropped_conditions", reason: "object.volume > 1000 was false", estimated_credits: null, run_id: null, object_type: "keyword", object_id: 8, causation: null },
                ],
          ),
        ),
    });
    renderApp(<TriggersPanel ruleId={4} shadow siteId={1} onTestObject={() => {}} />);
    const rows = await screen.findAllByTestId("trigger-record");
    expect(screen.getByRole("button", { name: "All triggers" })).toHaveAttribute("aria-pressed", "true");
    expect(rows[0]!.querySelector(".rl-badge")).toHaveTextContent("Shadow");
    expect(rows[0]).toHaveTextContent("Would have run.");
    expect(within(rows[0]!).getByTestId("shadow-credits")).toHaveTextContent("The run would have cost ≈ 3 credits.");
    expect(rows[0]).toHaveTextContent("Nothing was executed or charged.");
    expect(rows[0]).not.toHaveClass("rl-why-dropped");
    expect(rows[1]).toHaveClass("rl-why-dropped");
    expect(within(rows[1]!).queryByTestId("shadow-credits")).toBeNull();
  });
});
