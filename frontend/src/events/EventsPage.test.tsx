/** The event journal page against a stubbed API shaped like the issue 15 contract. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { json, me, renderApp, routerLocation, stubApi, type Call } from "../test/utils";
import { eventPage, eventRecord, keywordUpdated, webhookReceived } from "./testData";
import type { EventPage } from "./types";

const CATALOG = {
  trigger_types: ["manual", "schedule", "event", "webhook"],
  events: [
    { name: "keyword.created", description: "A keyword was added", fields: ["object.text"] },
    { name: "keyword.updated", description: "A keyword changed", fields: ["object.text"] },
    { name: "content.updated", description: "Content changed", fields: ["object.title"] },
  ],
  custom_events: "custom.<name>",
};

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

function journalApi(answer: (call: Call) => Response | EventPage) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
    "GET /api/v1/automation/rules/trigger-types/": () => json(CATALOG),
    "GET /api/v1/automation/events/": (call) => {
      const result = answer(call);
      return result instanceof Response ? result : json(result);
    },
  });
}

const journalCalls = (calls: Call[]) => calls.filter((c) => c.path === "/api/v1/automation/events/");

describe("the event journal", () => {
  it("lists the site's events of the last 7 days with objects, changes and causes, and expands a row", async () => {
    const created = eventRecord(1);
    const { calls } = journalApi(() => eventPage([created, keywordUpdated, webhookReceived]));
    renderApp(<AppRoutes />, { route: "/events?site=1" });

    const rows = await screen.findAllByTestId("event-row");
    expect(rows.map((r) => r.getAttribute("data-event"))).toEqual(["keyword.created", "keyword.updated", "webhook.received"]);
    const sent = journalCalls(calls)[0]!.query;
    expect(sent.get("site")).toBe("1");
    expect(sent.get("page_size")).toBe("50");
    expect(sent.get("event")).toBeNull();
    const since = Date.parse(sent.get("since")!);
    expect(Math.abs(Date.now() - 7 * 86_400_000 - since)).toBeLessThan(60_000);

    expect(within(rows[0]!).getByText("keyword #5")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("cold brew ratio")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("root event")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("1 minute ago")).toHaveAttribute("title", expect.stringMatching(/\d{4}/));
    expect(within(rows[1]!).getByText("status: new → mapped")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("cluster_id: empty → 4")).toBeInTheDocument();
    expect(within(rows[1]!).getByTestId("event-parent-run")).toHaveAttribute("href", "/runs/run_abc123?site=1");
    expect(within(rows[1]!).getByText("from Run now (rule #3)")).toBeInTheDocument();
    expect(within(rows[2]!).getByRole("link", { name: "rule #9" })).toHaveAttribute("href", "/rules/9?site=1");
    expect(screen.getByTestId("events-count")).toHaveTextContent("3 events of the last 7 days");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();

    const toggle = within(rows[1]!).getByRole("button", { name: "Details" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const detail = screen.getByTestId("event-detail");
    expect(toggle.getAttribute("aria-controls")).toBe(detail.id);
    expect(within(detail).getByLabelText("Changes")).toHaveTextContent('"old": "new"');
    expect(within(detail).getByLabelText("Causation")).toHaveTextContent('"parent_run_id": "run_abc123"');
    expect(within(detail).getByLabelText("Object")).toHaveTextContent('"status": "mapped"');
    await userEvent.click(toggle);
    expect(screen.queryByTestId("event-detail")).toBeNull();
  });

  it("filters by event, range and site through the URL", async () => {
    const { calls } = journalApi((call) => {
      const event = call.query.get("event");
      return eventPage([eventRecord(1), keywordUpdated].filter((r) => !event || r.event === event));
    });
    renderApp(<AppRoutes />, { route: "/events?site=1" });
    expect(await screen.findAllByTestId("event-row")).toHaveLength(2);

    const select = screen.getByLabelText("Event");
    await waitFor(() => expect(within(select).getByRole("option", { name: "keyword.updated" })).toBeInTheDocument());
    expect(within(select).getByRole("option", { name: "run.failed" })).toBeInTheDocument();
    await userEvent.selectOptions(select, "keyword.updated");
    await waitFor(() => expect(routerLocation()).toBe("/events?site=1&event=keyword.updated"));
    await waitFor(() => expect(screen.getAllByTestId("event-row")).toHaveLength(1));
    expect(journalCalls(calls).at(-1)!.query.get("event")).toBe("keyword.updated");

    await userEvent.selectOptions(screen.getByLabelText("Since"), "1h");
    await userEvent.selectOptions(screen.getByLabelText("Sites"), "all");
    await waitFor(() => expect(routerLocation()).toBe("/events?site=1&event=keyword.updated&since=1h&scope=all"));
    await waitFor(() => expect(journalCalls(calls).at(-1)!.query.get("site")).toBeNull());
    const last = journalCalls(calls).at(-1)!.query;
    expect(Math.abs(Date.now() - 3600_000 - Date.parse(last.get("since")!))).toBeLessThan(60_000);

    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(routerLocation()).toBe("/events?site=1"));
    expect(screen.getByLabelText("Event")).toHaveValue("");
  });

  it("takes a custom event name and refuses a bad one at its field", async () => {
    const { calls } = journalApi(() => eventPage([eventRecord(1, { event: "custom.order_paid", object_type: "", object_id: null, object: { order: 3 } })]));
    renderApp(<AppRoutes />, { route: "/events?site=1" });
    await screen.findAllByTestId("event-row");
    await userEvent.selectOptions(screen.getByLabelText("Event"), "custom.… (type a name)");
    const input = screen.getByLabelText("Custom event name");
    await userEvent.type(input, "two words{Enter}");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText(/Letters, digits/)).toBeInTheDocument();
    expect(routerLocation()).toBe("/events?site=1");
    await userEvent.clear(input);
    await userEvent.type(input, "order_paid{Enter}");
    await waitFor(() => expect(routerLocation()).toBe("/events?site=1&event=custom.order_paid"));
    await waitFor(() => expect(journalCalls(calls).at(-1)!.query.get("event")).toBe("custom.order_paid"));
    expect(input).not.toHaveAttribute("aria-invalid");
  });

  it("opens with a shared URL's filters, filters by one object, and loads older pages by cursor", async () => {
    const first = Array.from({ length: 3 }, (_, i) => eventRecord(i + 1, { event: "keyword.updated" }));
    const { calls } = journalApi((call) =>
      call.query.get("cursor") === "older"
        ? eventPage([eventRecord(10, { event: "keyword.updated", changes: { volume: { old: 10, new: 20 } } })])
        : eventPage(first, "http://testserver/api/v1/automation/events/?cursor=older&event=keyword.updated"),
    );
    renderApp(<AppRoutes />, { route: "/events?site=1&event=keyword.updated&since=30d" });
    expect(await screen.findAllByTestId("event-row")).toHaveLength(3);
    expect(screen.getByLabelText("Since")).toHaveValue("30d");
    await waitFor(() => expect(screen.getByLabelText("Event")).toHaveValue("keyword.updated"));

    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByTestId("event-row")).toHaveLength(4));
    const [page1, page2] = journalCalls(calls).map((c) => c.query);
    expect(page2!.get("cursor")).toBe("older");
    expect(page2!.get("since")).toBe(page1!.get("since"));
    expect(page2!.get("event")).toBe("keyword.updated");
    expect(screen.getByText("volume: 10 → 20")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();

    await userEvent.click(within(screen.getAllByTestId("event-row")[0]!).getByRole("button", { name: "keyword #5" }));
    await waitFor(() => expect(routerLocation()).toContain("object_type=keyword&object_id=5"));
    await waitFor(() => expect(journalCalls(calls).at(-1)!.query.get("object_id")).toBe("5"));
    expect(journalCalls(calls).at(-1)!.query.get("object_type")).toBe("keyword");
    await userEvent.click(screen.getByRole("button", { name: /Show every object/ }));
    await waitFor(() => expect(routerLocation()).not.toContain("object_type"));
  });

  it("says when nothing happened, and shows a failure with a retry", async () => {
    let fail = true;
    journalApi(() => (fail ? json({ since: ["Enter a valid date/time."] }, 400) : eventPage([])));
    renderApp(<AppRoutes />, { route: "/events?site=1&event=keyword.deleted" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the events");
    expect(alert).toHaveTextContent("Since: Enter a valid date/time.");
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "No events match these filters" })).toBeInTheDocument();
    // An event the catalog lacks stays selectable (a shared link).
    expect(screen.getByLabelText("Event")).toHaveValue("keyword.deleted");
    // The empty state offers to clear the filters too.
    expect(screen.getAllByRole("button", { name: "Clear filters" })).toHaveLength(2);
    await userEvent.click(screen.getAllByRole("button", { name: "Clear filters" })[1]!);
    expect(await screen.findByRole("heading", { name: "No events in the last 7 days" })).toBeInTheDocument();
  });

  it("is in the navigation next to Runs", async () => {
    journalApi(() => eventPage([]));
    renderApp(<AppRoutes />, { route: "/events?site=1" });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Events" })).toHaveAttribute("href", "/events?site=1");
    expect(await screen.findByRole("heading", { level: 1, name: "Events" })).toBeInTheDocument();
  });
});
