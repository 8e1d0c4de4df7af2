import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { Content } from "../api/types";
import { AppRoutes } from "../App";
import { parsePage } from "../shell/table";
import { type Call, content, json, me, renderApp, routerLocation, stubApi } from "../test/utils";
import { parseStatus } from "./ContentPage";

/** An in-memory content API with the backend's list, approve and bulk-approve behaviour. */
function fakeContentApi(items: Content[], overrides: Record<string, (call: Call) => Response> = {}) {
  const list = (call: Call) => {
    const site = Number(call.query.get("site"));
    const status = call.query.get("status");
    const size = Number(call.query.get("page_size") ?? 50);
    const pageNo = Number(call.query.get("page") ?? 1);
    const matching = items.filter((i) => i.site === site && i.status === status).sort((a, b) => b.id - a.id);
    const results = matching.slice((pageNo - 1) * size, pageNo * size);
    if (pageNo > 1 && results.length === 0) return json({ detail: "Invalid page." }, 404);
    return json({ count: matching.length, next: null, previous: null, results });
  };
  const approve = (ids: number[]) => {
    const wrong = ids.filter((id) => items.find((i) => i.id === id)?.status !== "review");
    if (wrong.length) {
      return json({ status: [`Only content in review can be approved; not in review: [${wrong.join(", ")}].`] }, 400);
    }
    for (const item of items) if (ids.includes(item.id)) item.status = "approved";
    return null;
  };
  const routes: Record<string, (call: Call) => Response> = {
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "10", reserved: "0", available: "10", transactions: [] }),
    "GET /api/v1/content/": list,
    "POST /api/v1/content/bulk_approve/": (call) => {
      const ids = (call.body as { ids: number[] }).ids;
      return approve(ids) ?? json({ approved: [...ids].sort((a, b) => a - b) });
    },
    "POST /api/v1/content/bulk_reject/": (call) => {
      const { ids, note } = call.body as { ids: number[]; note: string };
      for (const item of items) if (ids.includes(item.id)) Object.assign(item, { status: "draft", review_note: note });
      return json({ rejected: [...ids].sort((a, b) => a - b) });
    },
    ...overrides,
  };
  for (const item of items) {
    routes[`POST /api/v1/content/${item.id}/approve/`] = () => approve([item.id]) ?? json(item);
  }
  return stubApi(routes);
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("parseStatus / parsePage", () => {
  it("defaults to the review tab and page 1", () => {
    expect(parseStatus(null)).toBe("review");
    expect(parseStatus("bogus")).toBe("review");
    expect(parseStatus("published")).toBe("published");
    expect(parsePage(null)).toBe(1);
    expect(parsePage("0")).toBe(1);
    expect(parsePage("2.5")).toBe(1);
    expect(parsePage("3")).toBe(3);
  });
});

describe("content review list", () => {
  it("lands on review from ?status=review with counts on every tab", async () => {
    fakeContentApi([content(1, { title: "Brewing guide" }), content(2, { status: "approved" }), content(3, { status: "draft" })]);
    renderApp(<AppRoutes />, { route: "/content?status=review&site=1" });
    expect(await screen.findByText("Brewing guide")).toBeInTheDocument();
    const tabs = screen.getByRole("navigation", { name: "Content status" });
    expect(within(tabs).getByRole("link", { name: /Review/ })).toHaveAttribute("aria-current", "page");
    await waitFor(() =>
      expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual(["Draft1", "Review1", "Approved1", "Published0"]),
    );
  });

  it("shows an empty state when nothing waits for review", async () => {
    fakeContentApi([]);
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    expect(await screen.findByRole("heading", { name: "Nothing waiting for review" })).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("bulk-approves the selected rows and reports it", async () => {
    const items = [content(1), content(2), content(3)];
    const { calls } = fakeContentApi(items);
    renderApp(<AppRoutes />, { route: "/content?status=review&site=1" });
    const approveSelected = await screen.findByRole("button", { name: "Approve selected" });
    expect(approveSelected).toBeDisabled();

    await userEvent.click(screen.getByRole("checkbox", { name: "Select “Article 3”" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select “Article 1”" }));
    expect(screen.getByText("2 selected")).toBeInTheDocument();
    const selectAll = screen.getByRole("checkbox", { name: "Select all rows on this page" }) as HTMLInputElement;
    expect(selectAll.indeterminate).toBe(true);

    await userEvent.click(screen.getByRole("button", { name: "Approve selected (2)" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Approved 2 items.");
    const bulk = calls.find((c) => c.path === "/api/v1/content/bulk_approve/");
    expect(bulk?.body).toEqual({ ids: [3, 1] });
    expect(bulk?.headers["X-CSRFToken"]).toBe("tok");
    await waitFor(() => expect(screen.getAllByTestId("content-row")).toHaveLength(1));
    expect(screen.getByText("Article 2")).toBeInTheDocument();
    expect(screen.getByText("No rows selected")).toBeInTheDocument();
  });

  it("selects all rows on the page with the header checkbox", async () => {
    const { calls } = fakeContentApi([content(1), content(2)]);
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    await userEvent.click(await screen.findByRole("checkbox", { name: "Select all rows on this page" }));
    await userEvent.click(screen.getByRole("button", { name: "Approve selected (2)" }));
    await screen.findByRole("heading", { name: "Nothing waiting for review" });
    expect(calls.find((c) => c.path === "/api/v1/content/bulk_approve/")?.body).toEqual({ ids: [2, 1] });
  });

  it("shows the API's field error when bulk approve is refused", async () => {
    fakeContentApi([content(1), content(2)], {
      "POST /api/v1/content/bulk_approve/": () =>
        json({ status: ["Only content in review can be approved; not in review: [2]."] }, 400),
    });
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    await userEvent.click(await screen.findByRole("checkbox", { name: "Select all rows on this page" }));
    await userEvent.click(screen.getByRole("button", { name: "Approve selected (2)" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Approval failed");
    expect(alert).toHaveTextContent("Status: Only content in review can be approved; not in review: [2].");
    await userEvent.click(within(alert).getByRole("button", { name: "Dismiss error" }));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("approves a single row", async () => {
    const { calls } = fakeContentApi([content(1, { title: "Solo" }), content(2)]);
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Approve “Solo”" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Approved “Solo”.");
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/content/1/approve/")).toBe(true);
    await waitFor(() => expect(screen.queryByText("Solo")).toBeNull());
  });

  it("has no selection or bulk buttons on the draft tab, and shows a rejected draft's note", async () => {
    fakeContentApi([content(5, { status: "draft", title: "Sent back", review_note: "Add the ratios." })]);
    renderApp(<AppRoutes />, { route: "/content?site=1&status=draft" });
    expect(await screen.findByText("Sent back")).toBeInTheDocument();
    expect(screen.queryByRole("checkbox")).toBeNull();
    expect(screen.queryByRole("button", { name: /Approve|Reject|Publish/ })).toBeNull();
    expect(screen.getByTestId("row-review-note")).toHaveTextContent("Rejected: Add the ratios.");
  });

  it("links every title to its article reader", async () => {
    fakeContentApi([content(4, { title: "Read me" })]);
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    expect(await screen.findByRole("link", { name: "Read me" })).toHaveAttribute("href", "/content/4?site=1");
  });

  it("bulk-rejects the selected rows with a note, all at once", async () => {
    const items = [content(1), content(2), content(3)];
    const { calls } = fakeContentApi(items);
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    await userEvent.click(await screen.findByRole("checkbox", { name: "Select “Article 1”" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select “Article 3”" }));
    await userEvent.click(screen.getByRole("button", { name: "Reject selected (2)…" }));
    const dialog = await screen.findByRole("dialog", { name: "Reject 2 articles?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    expect(within(dialog).getByText(/Write what should change/)).toBeInTheDocument();
    await userEvent.type(within(dialog).getByLabelText("Note for the writer"), "Too thin on sources.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Rejected 2 items: back in Draft with your note.");
    expect(calls.find((c) => c.path === "/api/v1/content/bulk_reject/")?.body).toEqual({ ids: [3, 1], note: "Too thin on sources." });
    await waitFor(() => expect(screen.getAllByTestId("content-row")).toHaveLength(1));
    expect(items.filter((i) => i.status === "draft").map((i) => i.review_note)).toEqual(["Too thin on sources.", "Too thin on sources."]);
  });

  it("shows a refused bulk reject inside the dialog and changes nothing", async () => {
    fakeContentApi([content(1), content(2)], {
      "POST /api/v1/content/bulk_reject/": () => json({ status: ["Only content in review or approved can be rejected: [2]."] }, 400),
    });
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    await userEvent.click(await screen.findByRole("checkbox", { name: "Select all rows on this page" }));
    await userEvent.click(screen.getByRole("button", { name: "Reject selected (2)…" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.type(within(dialog).getByLabelText("Note for the writer"), "No.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Only content in review or approved can be rejected: [2].");
    expect(screen.getAllByTestId("content-row")).toHaveLength(2);
  });

  it("bulk-publishes approved rows as WordPress drafts and follows them from queued to published", async () => {
    const items = [content(1, { status: "approved" }), content(2, { status: "approved" })];
    let reads = 0;
    const { calls } = fakeContentApi(items, {
      "POST /api/v1/content/bulk_publish/": (call) => {
        const { ids, post_status } = call.body as { ids: number[]; post_status: "draft" | "publish" };
        for (const item of items) if (ids.includes(item.id)) Object.assign(item, { publish_status: "queued", post_status });
        return json({ queued: ids }, 202);
      },
      "GET /api/v1/content/": (call) => {
        if (items.some((i) => i.publish_status === "queued") && call.query.get("page_size") === "20" && ++reads > 1) {
          Object.assign(items[0]!, { publish_status: "published", external_url: "https://blog.example.com/a1/" });
          Object.assign(items[1]!, { publish_status: "failed", publish_error: "WordPress answered 500." });
        }
        const status = call.query.get("status");
        const matching = items.filter((i) => i.status === status);
        return json({ count: matching.length, next: null, previous: null, results: matching });
      },
    });
    renderApp(<AppRoutes />, { route: "/content?site=1&status=approved" });
    expect(await screen.findAllByText("Not published")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: /Approve/ })).toBeNull();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all rows on this page" }));
    await userEvent.click(screen.getByRole("button", { name: "Publish selected (2)…" }));
    const dialog = await screen.findByRole("dialog", { name: "Publish 2 articles on WordPress" });
    await userEvent.click(within(dialog).getByLabelText(/Draft/));
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Queued 2 items for WordPress");
    expect(calls.find((c) => c.path === "/api/v1/content/bulk_publish/")?.body).toEqual({ ids: [1, 2], post_status: "draft" });
    expect(await screen.findByRole("link", { name: "View the post of “Article 1”" }, { timeout: 5000 })).toHaveAttribute(
      "href",
      "https://blog.example.com/a1/",
    );
    expect(screen.getByTestId("row-publish-error")).toHaveTextContent("WordPress answered 500.");
  });

  it("retries a failed publish from its row and shows a refusal", async () => {
    const { calls } = fakeContentApi(
      [content(1, { status: "approved", publish_status: "failed", publish_error: "Timed out.", post_status: "draft" })],
      {
        "POST /api/v1/content/1/publish/": () => json({ integration: ["demo.example.com has no active WordPress connection."] }, 400),
      },
    );
    renderApp(<AppRoutes />, { route: "/content?site=1&status=approved" });
    await userEvent.click(await screen.findByRole("button", { name: "Retry publishing “Article 1”" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not publish");
    expect(alert).toHaveTextContent("no active WordPress connection");
    expect(calls.find((c) => c.path === "/api/v1/content/1/publish/")?.body).toEqual({ post_status: "draft" });
  });

  it("offers Update posts on the published tab", async () => {
    fakeContentApi([content(5, { status: "published", title: "Live post", publish_status: "published", external_url: "https://b.example/p" })]);
    renderApp(<AppRoutes />, { route: "/content?site=1&status=published" });
    expect(await screen.findByText("Live post")).toBeInTheDocument();
    expect(screen.getByTestId("publish-badge")).toHaveTextContent("Published");
    expect(screen.getByRole("button", { name: "Update posts…" })).toBeDisabled();
    expect(screen.queryByRole("button", { name: /Approve/ })).toBeNull();
  });

  it("pages through the list with Previous / Next kept in the URL", async () => {
    const items = Array.from({ length: 45 }, (_, i) => content(i + 1));
    const { calls } = fakeContentApi(items);
    renderApp(<AppRoutes />, { route: "/content?site=1&status=review" });
    expect(await screen.findByText("Showing 1–20 of 45")).toBeInTheDocument();
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Showing 21–40 of 45")).toBeInTheDocument();
    expect(routerLocation()).toContain("page=2");
    const pages = calls.filter((c) => c.path === "/api/v1/content/" && c.query.get("page_size") === "20");
    expect(pages.map((c) => c.query.get("page"))).toEqual(["1", "2"]);
  });

  it("falls back to the first page when the page asked for no longer exists", async () => {
    fakeContentApi([content(1)]);
    renderApp(<AppRoutes />, { route: "/content?site=1&status=review&page=4" });
    expect(await screen.findByText("Article 1")).toBeInTheDocument();
    await waitFor(() => expect(routerLocation()).not.toContain("page="));
  });

  it("shows an error banner with retry when the list fails to load", async () => {
    let fail = true;
    fakeContentApi([content(1)], {
      "GET /api/v1/content/": (call) =>
        fail && call.query.get("page_size") === "20"
          ? json({ detail: "Database unavailable." }, 503)
          : json({ count: 1, next: null, previous: null, results: [content(1)] }),
    });
    renderApp(<AppRoutes />, { route: "/content?site=1" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load content");
    expect(alert).toHaveTextContent("Database unavailable.");
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Article 1")).toBeInTheDocument();
  });
});
