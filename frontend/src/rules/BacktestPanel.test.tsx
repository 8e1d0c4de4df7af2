/**
 * The editor's backtest (a saved rule and a new draft; its 400 at the fields), shadow mode in the editor, dry runs
 * and replays from the editor.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, page, renderApp, stubApi } from "../test/utils";
import type { BacktestResult } from "./types";
import { savedRule } from "./testData";

const catalogs = {
  "GET /api/v1/automation/rules/action-types/": () =>
    json([{ type: "log", name: "Log", description: "", queue: "default", params_schema: { type: "object", properties: { message: { type: "string" } } }, cost: "free" }]),
  "GET /api/v1/automation/rules/trigger-types/": () =>
    json({ trigger_types: ["manual", "schedule", "event", "webhook"], events: [{ name: "keyword.created", description: "A keyword was created.", fields: ["volume"] }], custom_events: "" }),
};

const eventRule = savedRule();

const trace = [{ path: "conditions/>", op: ">", args: [2000, 1000], result: true }];

const answer: BacktestResult = {
  since: "2026-11-25T00:00:00Z",
  until: "2026-12-02T00:00:00Z",
  events_scanned: 1200,
  would_trigger: 37,
  estimated_runs: 35,
  estimated_credits: "410.00",
  dropped: { conditions: 1100, condition_error: 0, filtered: 63, mode: 2, loop_guard: 0, budget: 0 },
  most_failed_clause: { clause: "object.volume > 1000", count: 1100 },
  samples: [
    { event_id: 9, at: "2026-12-01T10:00:00Z", event: "keyword.created", object_type: "keyword", object_id: 5, object: { text: "espresso", volume: 2000 }, decision: "would_trigger", reason: "the conditions hold", estimated_credits: "11.00", trace },
    {
      event_id: 8,
      at: "2026-12-01T09:00:00Z",
      event: "keyword.created",
      object_type: "keyword",
      object_id: 4,
      object: { text: "tea", volume: 10 },
      decision: "dropped_conditions",
      reason: "object.volume > 1000 was false",
      estimated_credits: null,
      trace: [{ path: "conditions/>", op: ">", args: [10, 1000], result: false }],
    },
  ],
  truncated: false,
};

function fakeApi(extra: Record<string, (call: Call) => Response> = {}) {
  let rule = { ...eventRule };
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/": () => json(page([rule])),
    "GET /api/v1/automation/rules/5/": () => json(rule),
    "GET /api/v1/automation/rules/5/versions/": () => json([]),
    "PUT /api/v1/automation/rules/5/": (call) => {
      rule = { ...rule, ...(call.body as object), version: rule.version + 1 };
      return json(rule);
    },
    ...catalogs,
    ...extra,
  });
}

const backtestCalls = (calls: Call[]) => calls.filter((c) => c.method === "POST" && c.path === "/api/v1/automation/rules/backtest/");

beforeAll(async () => {
  await import("./RuleEditorPage");
}, 30_000);

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("the backtest panel", () => {
  it("backtests a saved rule as the editor holds it and shows the answer in words, with samples and traces", async () => {
    const { calls } = fakeApi({ "POST /api/v1/automation/rules/backtest/": () => json(answer) });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    const panel = await screen.findByTestId("backtest");
    expect(within(panel).getByLabelText("Backtest range")).toHaveValue("7d");
    await userEvent.click(within(panel).getByRole("button", { name: "Backtest" }));

    const headline = await within(panel).findByTestId("backtest-headline");
    expect(headline).toHaveTextContent("Would have fired 35 times in the last 7 days, ≈ 410 credits");
    const [call] = backtestCalls(calls);
    const body = call!.body as { rule: Record<string, unknown>; since: string };
    expect(body.rule).toMatchObject({ id: 5, name: "Big keywords", trigger: { type: "event", event: "keyword.created" }, is_shadow: false });
    expect(body.rule.conditions).toEqual({ ">": [{ var: "object.volume" }, 1000] });
    expect(Date.now() - Date.parse(body.since)).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(Date.now() - Date.parse(body.since)).toBeLessThan(7 * 86_400_000 + 60_000);

    expect(within(panel).getByTestId("backtest-scanned")).toHaveTextContent("1,200 events scanned in the last 7 days");
    expect(within(panel).getByTestId("backtest-scanned")).toHaveTextContent("37 passed the trigger and conditions, of which the mode or the budget would have dropped 2");
    const dropped = within(panel).getByTestId("backtest-dropped");
    expect(dropped).toHaveTextContent("1,100 — the conditions were false");
    expect(dropped).toHaveTextContent("63 — not for this rule");
    expect(dropped).toHaveTextContent("2 — dropped by the mode");
    expect(dropped).not.toHaveTextContent("loop guard");
    expect(within(panel).getByTestId("backtest-clause")).toHaveTextContent("Most often false: object.volume > 1000 (1,100 times)");
    expect(within(panel).queryByTestId("backtest-truncated")).toBeNull();

    const samples = within(panel).getAllByTestId("backtest-sample");
    expect(samples).toHaveLength(2);
    expect(samples[0]).toHaveTextContent("Would run");
    expect(samples[0]).toHaveTextContent("keyword #5");
    expect(samples[0]).toHaveTextContent("≈ 11 credits");
    expect(samples[1]).toHaveTextContent("Conditions false");
    expect(samples[1]).toHaveTextContent("object.volume > 1000 was false");
    expect(within(samples[1]!).getByRole("table", { name: "Trace of sample 2" })).toHaveTextContent("[10,1000]");
    // the would-be runs are listed; dropped events folded while some would have run
    expect(within(panel).getByText(/^Dropped events/).closest("details")).not.toHaveAttribute("open");

    // An edit marks the answer out of date.
    await userEvent.type(screen.getByLabelText("Name"), "!");
    expect(within(panel).getByTestId("backtest-result")).toHaveTextContent("out of date");
  });

  it("backtests a new rule before it is saved (no id), and says when the range was cut short", async () => {
    const { calls } = fakeApi({ "POST /api/v1/automation/rules/backtest/": () => json({ ...answer, truncated: true, samples: [] }) });
    renderApp(<AppRoutes />, { route: "/rules/new?site=1" });
    const panel = await screen.findByTestId("backtest");
    expect(within(panel).getByRole("button", { name: "Backtest" })).toBeDisabled();
    expect(panel).toHaveTextContent("A manual rule has no events to backtest");

    const triggers = screen.getByRole("radiogroup", { name: "Trigger type" });
    await userEvent.click(within(triggers).getByRole("radio", { name: /Event/ }));
    await userEvent.selectOptions(screen.getByLabelText("Event", { selector: "select" }), "keyword.created");
    await userEvent.selectOptions(within(panel).getByLabelText("Backtest range"), "24h");
    await userEvent.click(within(panel).getByRole("button", { name: "Backtest" }));

    expect(await within(panel).findByTestId("backtest-headline")).toHaveTextContent("in the last 24 hours");
    expect(within(panel).getByTestId("backtest-truncated")).toHaveTextContent("more events than one backtest scans");
    const body = backtestCalls(calls)[0]!.body as { rule: Record<string, unknown> };
    expect(body.rule).not.toHaveProperty("id");
    expect(body.rule.trigger).toEqual({ type: "event", event: "keyword.created", fields: [] });
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/automation/rules/")).toBe(false); // nothing saved
  });

  it("shows a 400 at the fields: the draft's in the editor, the range's at the range", async () => {
    fakeApi({
      "POST /api/v1/automation/rules/backtest/": () =>
        json({ "rule.conditions": ["conditions/>: needs two values"], "rule.name": ["This field may not be blank."], since: ["too far back"] }, 400),
    });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    const panel = await screen.findByTestId("backtest");
    await userEvent.click(within(panel).getByRole("button", { name: "Backtest" }));

    const summary = await screen.findByTestId("error-summary");
    expect(summary).toHaveTextContent("Backtest not run: 2 problems");
    expect(summary).not.toHaveTextContent("Not saved");
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("This field may not be blank.")).toBeInTheDocument();
    expect(document.getElementById("conditions")).toHaveTextContent("needs two values");
    const range = within(panel).getByLabelText("Backtest range");
    expect(range).toHaveAttribute("aria-invalid", "true");
    expect(within(panel).getByText("too far back")).toBeInTheDocument();
    expect(within(panel).getByTestId("backtest-rule-errors")).toHaveTextContent("2 problems: each is shown at its field above");
    expect(within(panel).queryByTestId("backtest-result")).toBeNull();
  });

  it("says why a rule cannot be backtested", async () => {
    fakeApi({ "POST /api/v1/automation/rules/backtest/": () => json({ rule: ["a manual rule has no events to backtest"] }, 400) });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    const panel = await screen.findByTestId("backtest");
    await userEvent.click(within(panel).getByRole("button", { name: "Backtest" }));
    expect(await within(panel).findByTestId("backtest-error")).toHaveTextContent("a manual rule has no events to backtest");
    expect(screen.queryByTestId("error-summary")).toBeNull();
  });
});

describe("shadow mode, dry runs and replays in the editor", () => {
  it("saves shadow mode and shows the rule as a shadow rule", async () => {
    const { calls } = fakeApi();
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    const box = await screen.findByRole("checkbox", { name: /Shadow mode — watch live events and record what it would do, execute nothing/ });
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    expect(screen.getAllByText("Unsaved changes").length).toBeGreaterThan(0);
    await userEvent.click(screen.getAllByRole("button", { name: "Save" })[0]!);
    await screen.findByText(/Saved as v3/);
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.body).toMatchObject({ is_shadow: true });
    expect(screen.getByRole("checkbox", { name: /Shadow mode/ })).toBeChecked();
    expect(document.querySelector(".rl-editor-header .rl-chip-shadow")).toHaveTextContent("shadow");
    // A shadow rule offers a dry run, not a real one.
    expect(screen.queryByRole("button", { name: "Run now" })).toBeNull();
    expect(screen.getByRole("button", { name: "Dry run" })).toBeInTheDocument();
  });

  it("starts a dry run and links to it like a normal run", async () => {
    const { calls } = fakeApi({
      "POST /api/v1/automation/rules/5/execute/": () => json({ run_id: "run-dry-1", status: "queued", message: "queued" }, 202),
    });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Dry run" }));
    const notice = await screen.findByText(/Started a dry run run-dry-1: nothing is changed, called or charged/);
    expect(within(notice.closest("[role=status]") as HTMLElement).getByRole("link", { name: "Open the run" })).toHaveAttribute(
      "href",
      "/runs/run-dry-1?site=1",
    );
    const execute = calls.find((c) => c.path === "/api/v1/automation/rules/5/execute/")!;
    expect(execute.body).toMatchObject({ dry_run: true, site: 1 });
  });

  it("replays a range of events to the saved rule and says what happened, with links to the runs", async () => {
    const { calls } = fakeApi({
      "POST /api/v1/automation/rules/5/replay/": (call) =>
        (call.body as { since: string }).since < new Date(Date.now() - 8 * 86_400_000).toISOString()
          ? json({ since: ["the range holds 900 events; a replay takes at most 500"] }, 400)
          : json({ events_scanned: 5, started: 2, queued: 1, shadow: 0, dropped: 1, already_replayed: 1, run_ids: ["run-a", "run-b", "run-c"] }),
    });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Replay…" }));
    const dialog = await screen.findByRole("dialog", { name: "Replay events to “Big keywords”" });
    const range = within(dialog).getByLabelText("Events from");

    await userEvent.selectOptions(range, "30d");
    await userEvent.click(within(dialog).getByRole("button", { name: "Replay" }));
    expect(await within(dialog).findByText("the range holds 900 events; a replay takes at most 500")).toBeInTheDocument();
    expect(range).toHaveAttribute("aria-invalid", "true");

    await userEvent.selectOptions(range, "7d");
    await userEvent.click(within(dialog).getByRole("button", { name: "Replay" }));
    const result = await within(dialog).findByTestId("replay-result");
    expect(result).toHaveTextContent(
      "Replayed 5 events: 2 runs started, 1 queued, 1 dropped (see “Why didn't it fire?”), 1 already replayed before (not run again).",
    );
    expect(within(result).getByRole("link", { name: "run-b" })).toHaveAttribute("href", "/runs/run-b?site=1");
    expect(range).not.toHaveAttribute("aria-invalid");
    expect(calls.filter((c) => c.path === "/api/v1/automation/rules/5/replay/")).toHaveLength(2);

    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("offers no replay for a manual rule", async () => {
    const manual = { ...eventRule, trigger: { type: "manual" }, trigger_summary: "manual", mode: "single" };
    fakeApi({ "GET /api/v1/automation/rules/5/": () => json(manual) });
    renderApp(<AppRoutes />, { route: "/rules/5?site=1" });
    await screen.findByRole("button", { name: "Dry run" });
    expect(screen.queryByRole("button", { name: "Replay…" })).toBeNull();
  });
});
