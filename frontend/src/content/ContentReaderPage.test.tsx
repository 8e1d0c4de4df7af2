import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { Content, Image } from "../api/types";
import { AppRoutes } from "../App";
import { type Call, content, json, me, page, renderApp, routerLocation, stubApi } from "../test/utils";
import { parseContentId } from "./ContentReaderPage";

const BODY = "<h2>Ratios</h2><p>Use one part coffee to eight parts water.</p>";

function article(overrides: Partial<Content> = {}): Content {
  return content(7, {
    title: "Cold brew at home",
    html_content: BODY,
    excerpt: "Smooth coffee without heat.",
    meta_title: "Cold brew at home: ratios, steeping time and filters",
    meta_description: "Short",
    primary_keyword: "cold brew",
    word_count: 11,
    task: 3,
    ...overrides,
  });
}

function image(id: number, overrides: Partial<Image> = {}): Image {
  return {
    id,
    site: 1,
    created_at: "2026-01-02T10:00:00Z",
    updated_at: "2026-01-02T10:00:00Z",
    content: 7,
    kind: "in_article",
    position: id,
    prompt: `Prompt ${id}`,
    url: "",
    file_url: null,
    status: "generated",
    error: "",
    ...overrides,
  };
}

/** The reader's API in memory: one article, its images, and the actions with the backend's rules. */
function fakeReaderApi(item: Content, images: Image[] = [], overrides: Record<string, (call: Call) => Response> = {}) {
  const path = `/api/v1/content/${item.id}/`;
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/credits/": () => json({ balance: "10", reserved: "0", available: "10", transactions: [] }),
    "GET /api/v1/content/": () => json(page([item])),
    [`GET ${path}`]: () => json(item),
    "GET /api/v1/images/": () => json(page(images)),
    [`PATCH ${path}`]: (call) => {
      const body = call.body as Partial<Content>;
      if (body.title !== undefined && !body.title.trim()) return json({ title: ["This field may not be blank."] }, 400);
      Object.assign(item, body);
      return json(item);
    },
    [`POST ${path}approve/`]: () => {
      if (item.status !== "review") return json({ status: ["Only content in review can be approved."] }, 400);
      item.status = "approved";
      return json(item);
    },
    [`POST ${path}reject/`]: (call) => {
      const note = (call.body as { note: string }).note;
      if (note.length > 20) return json({ note: ["Ensure this field has no more than 20 characters."] }, 400);
      Object.assign(item, { status: "draft", review_note: note });
      return json(item);
    },
    [`POST ${path}regenerate/`]: () => json(item),
    ...overrides,
  });
}

beforeAll(() => {
  // jsdom lays nothing out; CodeMirror measures text ranges.
  const rects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getClientRects ??= rects;
  Range.prototype.getBoundingClientRect ??= () => new DOMRect();
});

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("parseContentId", () => {
  it("takes positive integers only", () => {
    expect(parseContentId("12")).toBe(12);
    expect(parseContentId("0")).toBeNull();
    expect(parseContentId("abc")).toBeNull();
    expect(parseContentId("1e3")).toBeNull();
    expect(parseContentId(undefined)).toBeNull();
  });
});

describe("article reader", () => {
  it("renders the article in a frame that cannot run script, with its SEO panel", async () => {
    const hostile = `${BODY}<script>window.parent.__pwned = 1</script><img src=x onerror="window.parent.__pwned = 2">`;
    fakeReaderApi(article({ html_content: hostile, status: "review" }));
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    expect(await screen.findByRole("heading", { level: 1, name: "Cold brew at home" })).toBeInTheDocument();
    const frame = screen.getByTitle("Article: Cold brew at home");
    expect(frame.tagName).toBe("IFRAME");
    const sandbox = frame.getAttribute("sandbox") ?? "";
    expect(sandbox.split(" ")).not.toContain("allow-scripts");
    expect(frame.getAttribute("srcdoc")).toContain("<h2>Ratios</h2>");
    expect(frame.getAttribute("srcdoc")).toContain("Content-Security-Policy");
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(screen.getByText("Smooth coffee without heat.")).toBeInTheDocument();

    const seo = screen.getByTestId("seo-panel");
    expect(within(seo).getByText("cold brew")).toBeInTheDocument();
    expect(within(seo).getByTestId("seo-words")).toHaveTextContent("11");
    expect(within(seo).getByTestId("seo-meta-title")).toHaveTextContent("52 characters · within the recommended 50–60");
    expect(within(seo).getByTestId("seo-meta-description")).toHaveTextContent("5 characters · short, recommended 120–160");
    expect(screen.getByRole("link", { name: /Review content/ })).toHaveAttribute("href", "/content?status=review&site=1");
  });

  it("shows 'Content not found' for an id the API does not know", async () => {
    stubApi({ "GET /api/v1/auth/me/": () => json(me), "GET /api/v1/credits/": () => json({ balance: "1" }) });
    renderApp(<AppRoutes />, { route: "/content/404?site=1" });
    expect(await screen.findByRole("heading", { level: 1, name: "Content not found" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to content" })).toHaveAttribute("href", "/content?site=1");
  });

  it("shows an error with a retry when the article fails to load", async () => {
    let fail = true;
    fakeReaderApi(article(), [], {
      "GET /api/v1/content/7/": () => (fail ? json({ detail: "Database unavailable." }, 503) : json(article())),
    });
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the article");
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Cold brew at home" })).toBeInTheDocument();
  });

  it("follows the article's own site when the URL names another one", async () => {
    fakeReaderApi(article({ site: 2 }));
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    await screen.findByRole("heading", { level: 1, name: "Cold brew at home" });
    await waitFor(() => expect(routerLocation()).toBe("/content/7?site=2"));
  });

  it("approves content in review", async () => {
    const item = article({ status: "review" });
    const { calls } = fakeReaderApi(item);
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Approve" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Approved: it is ready to publish.");
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/content/7/approve/")).toBe(true);
    expect(await screen.findByRole("button", { name: "Publish…" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
  });

  it("rejects with a note: a blank note is refused, the API's message shows at the note, then the note shows", async () => {
    const item = article({ status: "review" });
    const { calls } = fakeReaderApi(item);
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    const opener = await screen.findByRole("button", { name: "Reject…" });
    await userEvent.click(opener);
    const dialog = await screen.findByRole("dialog", { name: "Reject “Cold brew at home”?" });
    const note = within(dialog).getByLabelText("Note for the writer");
    expect(note).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    expect(within(dialog).getByText("Write what should change; the note goes to the writer.")).toBeInTheDocument();
    expect(note).toHaveAttribute("aria-invalid", "true");
    expect(calls.some((c) => c.path.endsWith("/reject/"))).toBe(false);

    await userEvent.type(note, "This note is far too long for the fake API");
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    expect(await within(dialog).findByText("Ensure this field has no more than 20 characters.")).toBeInTheDocument();

    await userEvent.clear(note);
    await userEvent.type(note, "Add ratios.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(calls.filter((c) => c.path.endsWith("/reject/")).at(-1)?.body).toEqual({ note: "Add ratios." });
    expect(await screen.findByTestId("review-note")).toHaveTextContent("Rejected: Add ratios.");
    expect(screen.getByRole("status")).toHaveTextContent("back in Draft with your note");
    expect(screen.getByText("Draft", { selector: ".ct-badge" })).toBeInTheDocument();
    // A draft with a writing task can be re-generated.
    await userEvent.click(screen.getByRole("button", { name: "Re-generate" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Re-queued");
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/content/7/regenerate/")).toBe(true);
  });

  it("says why publishing was refused at the Publish action (no WordPress connection)", async () => {
    const { calls } = fakeReaderApi(article({ status: "approved" }), [], {
      "POST /api/v1/content/7/publish/": () =>
        json({ integration: ["demo.example.com has no active WordPress connection: connect it in Sites."] }, 400),
    });
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    expect(await screen.findByTestId("publish-detail")).toHaveTextContent("Not published yet.");
    await userEvent.click(screen.getByRole("button", { name: "Publish…" }));
    const dialog = await screen.findByRole("dialog", { name: "Publish: “Cold brew at home”" });
    await userEvent.click(within(dialog).getByLabelText(/Draft/));
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("has no active WordPress connection");
    expect(within(alert).getByRole("link", { name: "Connect WordPress in Sites" })).toHaveAttribute("href", "/sites?site=1");
    expect(calls.find((c) => c.path === "/api/v1/content/7/publish/")?.body).toEqual({ post_status: "draft" });
  });

  it("follows a publish from queued to published with the post link, and says Update post afterwards", async () => {
    const item = article({ status: "approved" });
    let reads = 0;
    fakeReaderApi(item, [], {
      "POST /api/v1/content/7/publish/": () => {
        Object.assign(item, { publish_status: "queued", post_status: "publish" });
        return json(item, 202);
      },
      "GET /api/v1/content/7/": () => {
        if (item.publish_status === "queued" && ++reads > 1) {
          Object.assign(item, {
            publish_status: "published",
            status: "published",
            external_url: "https://blog.example.com/cold-brew/",
            external_id: "41",
            published_at: "2026-01-03T09:00:00Z",
          });
        }
        return json(item);
      },
    });
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Publish…" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));
    expect(await screen.findByTestId("publish-detail")).toHaveTextContent("Queued: sending it to WordPress…");
    expect(await screen.findByTestId("post-link", {}, { timeout: 5000 })).toHaveAttribute(
      "href",
      "https://blog.example.com/cold-brew/",
    );
    expect(screen.getByTestId("publish-detail")).toHaveTextContent("Published as live on the site.");
    expect(screen.getByRole("button", { name: "Update post…" })).toBeInTheDocument();
  });

  it("shows a failed publish with its reason and retries with the same post status", async () => {
    const item = article({ status: "approved", publish_status: "failed", publish_error: "WordPress answered 401.", post_status: "draft" });
    const { calls } = fakeReaderApi(item, [], {
      "POST /api/v1/content/7/publish/": () => {
        Object.assign(item, { publish_status: "queued" });
        return json(item, 202);
      },
    });
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    expect(await screen.findByTestId("publish-error")).toHaveTextContent("WordPress answered 401.");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(calls.find((c) => c.path === "/api/v1/content/7/publish/")?.body).toEqual({ post_status: "draft" }));
    expect(await screen.findByTestId("publish-detail")).toHaveTextContent("Queued");
  });

  it("lists the images and regenerates one with an edited prompt until it is generated", async () => {
    const images = [
      image(2, { kind: "in_article", position: 1, prompt: "A scale", file_url: "/media/scale.png" }),
      image(1, { kind: "featured", position: 0, prompt: "A glass of cold brew", status: "failed", error: "The provider timed out." }),
    ];
    let pendingReads = 0;
    const { calls } = fakeReaderApi(article(), images, {
      "POST /api/v1/images/1/regenerate/": (call) => {
        Object.assign(images[1]!, { status: "pending", error: "", prompt: (call.body as { prompt?: string }).prompt });
        return json(images[1], 202);
      },
      "GET /api/v1/images/": () => {
        if (images[1]!.status === "pending" && ++pendingReads > 1) {
          Object.assign(images[1]!, { status: "generated", file_url: "/media/new.png" });
        }
        return json(page(images));
      },
    });
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    const cards = await screen.findAllByTestId("image-card");
    expect(cards[0]).toHaveTextContent("Featured image");
    expect(cards[0]).toHaveTextContent("Failed");
    expect(cards[0]).toHaveTextContent("The provider timed out.");
    expect(cards[1]).toHaveTextContent("In-article image 1");
    expect(within(cards[1]!).getByRole("img")).toHaveAttribute("src", "/media/scale.png");

    await userEvent.click(within(cards[0]!).getByRole("button", { name: "Regenerate featured image" }));
    const prompt = within(cards[0]!).getByLabelText("Prompt");
    expect(prompt).toHaveValue("A glass of cold brew");
    await userEvent.clear(prompt);
    await userEvent.type(prompt, "Cold brew in a mason jar");
    await userEvent.click(within(cards[0]!).getByRole("button", { name: "Regenerate image" }));
    expect(calls.find((c) => c.path === "/api/v1/images/1/regenerate/")?.body).toEqual({ prompt: "Cold brew in a mason jar" });
    expect(await within(cards[0]!).findByTestId("image-status")).toHaveTextContent(/Generating…|Generated/);
    await waitFor(() => expect(within(screen.getAllByTestId("image-card")[0]!).getByTestId("image-status")).toHaveTextContent("Generated"), {
      timeout: 5000,
    });
    expect(within(screen.getAllByTestId("image-card")[0]!).getByRole("img")).toHaveAttribute("src", "/media/new.png");
  });
});

describe("article editor", () => {
  it("edits the title: the API's 400 shows at the field, then the save shows the new title", async () => {
    const item = article({ status: "review" });
    const { calls } = fakeReaderApi(item);
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const title = await screen.findByLabelText("Title");
    expect(await screen.findByTestId("html-editor")).toBeInTheDocument();
    expect(screen.getByRole("toolbar", { name: "Formatting" })).toBeInTheDocument();
    expect(screen.getByTitle("Preview of the edited article")).toHaveAttribute("srcdoc", expect.stringContaining("<h2>Ratios</h2>"));

    await userEvent.clear(title);
    await userEvent.type(title, " ");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("This field may not be blank.")).toBeInTheDocument();
    expect(title).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("alert")).toHaveTextContent("Not saved");
    expect(item.title).toBe("Cold brew at home");

    await userEvent.clear(title);
    await userEvent.type(title, "Cold brew, step by step");
    expect(screen.queryByText("This field may not be blank.")).toBeNull(); // edited since: its error goes
    const metaTitle = screen.getByLabelText("Meta title");
    await userEvent.clear(metaTitle);
    await userEvent.type(metaTitle, "Too short");
    expect(screen.getAllByText("9 characters · short, recommended 50–60").length).toBeGreaterThan(0);
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Cold brew, step by step" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Saved.");
    const patch = calls.filter((c) => c.method === "PATCH").at(-1);
    expect(patch?.body).toEqual({ title: "Cold brew, step by step", meta_title: "Too short" });
  });

  it("asks before leaving with unsaved changes, and Cancel discards after asking", async () => {
    fakeReaderApi(article());
    renderApp(<AppRoutes />, { route: "/content/7?site=1" });
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    await userEvent.type(await screen.findByLabelText("Primary keyword"), "s");

    await userEvent.click(screen.getByRole("link", { name: /Content/ }));
    const dialog = await screen.findByRole("dialog", { name: "Discard your changes?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(routerLocation()).toBe("/content/7?site=1");
    expect(screen.getByLabelText("Primary keyword")).toHaveValue("cold brews");

    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Discard changes" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Cold brew at home" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Primary keyword")).toBeNull();
  });
});
