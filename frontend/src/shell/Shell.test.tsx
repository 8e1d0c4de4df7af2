/** The app shell end to end in jsdom: auth gate, site choice in URL + localStorage, credits, theme. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it } from "vitest";

import { createQueryClient } from "../api/queries";
import { AppRoutes } from "../App";
import { json, me, page, renderApp, routerLocation, stubApi } from "../test/utils";
import { SITE_STORAGE_KEY } from "./site";
import { THEME_STORAGE_KEY } from "./theme";

// The pages are lazy chunks: load them once up front, so no test spends its wait on them.
beforeAll(async () => {
  await Promise.all([
    import("../automation/AutomationPage"),
    import("../automation/RunDetailPage"),
    import("../content/ContentPage"),
    import("../rules/RulesPage"),
    import("../pages/LoginPage"),
  ]);
}, 60_000);

const signedIn = {
  "GET /api/v1/auth/me/": () => json(me),
  "GET /api/v1/credits/": () => json({ balance: "9876.50", reserved: "0.00", available: "9876.50", transactions: [] }),
  "GET /api/v1/content/": () => json(page([])),
};

describe("auth gate", () => {
  it("asks /auth/session/ (200 either way) and shows the login page to a visitor who is not signed in", async () => {
    const { calls } = stubApi({ "GET /api/v1/auth/session/": () => json({ authenticated: false, user: null }) });
    renderApp(<AppRoutes />, { route: "/content?status=review" });
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(routerLocation()).toBe(`/login?next=${encodeURIComponent("/content?status=review")}`);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(["GET /api/v1/auth/session/"]);
  });

  it("sends the app to login when a session expires mid-use (a 403 from any query)", async () => {
    stubApi({
      "GET /api/v1/auth/session/": () => json({ authenticated: true, user: me }),
      "GET /api/v1/credits/": () => json({ balance: "1", reserved: "0", available: "1", transactions: [] }),
      "GET /api/v1/content/": () => json({ detail: "Authentication credentials were not provided." }, 403),
    });
    renderApp(<AppRoutes />, { route: "/content", client: createQueryClient() });
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("signs in with CSRF and lands on the page asked for", async () => {
    document.cookie = "csrftoken=tok";
    const { calls } = stubApi({
      ...signedIn,
      "GET /api/v1/auth/session/": () => json({ authenticated: false, user: null }),
      "POST /api/v1/auth/login/": () => json(me),
    });
    renderApp(<AppRoutes />, { route: "/login?next=%2Fcontent" });
    await userEvent.type(await screen.findByLabelText("Username"), "demo");
    await userEvent.type(screen.getByLabelText("Password"), "demo-pass-123");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Content" })).toBeInTheDocument();
    const login = calls.find((c) => c.path === "/api/v1/auth/login/");
    expect(login?.body).toEqual({ username: "demo", password: "demo-pass-123" });
    expect(login?.headers["X-CSRFToken"]).toBe("tok");
    await waitFor(() => expect(routerLocation()).toBe("/content?site=1"));
  });

  it("shows the API's reason when sign-in fails", async () => {
    document.cookie = "csrftoken=tok";
    stubApi({
      "POST /api/v1/auth/login/": () =>
        json({ non_field_errors: ["Unable to log in with the given username and password."] }, 400),
    });
    renderApp(<AppRoutes />, { route: "/login" });
    await userEvent.type(await screen.findByLabelText("Username"), "demo");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Unable to log in with the given username and password.");
  });

  it("shows a clear error with a retry when the API is down", async () => {
    let up = false;
    stubApi({ ...signedIn, "GET /api/v1/auth/me/": () => (up ? json(me) : json({ detail: "Server Error" }, 500)) });
    renderApp(<AppRoutes />, { route: "/automation" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not reach IGNY8");
    up = true;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Automation" })).toBeInTheDocument();
  });
});

describe("shell", () => {
  it("puts the first site in the URL and localStorage, and shows credits and navigation", async () => {
    stubApi(signedIn);
    renderApp(<AppRoutes />, { route: "/" });
    expect(await screen.findByRole("heading", { name: "Automation" })).toBeInTheDocument();
    await waitFor(() => expect(routerLocation()).toBe("/automation?site=1"));
    expect(window.localStorage.getItem(SITE_STORAGE_KEY)).toBe("1");
    expect(await screen.findByTestId("credits")).toHaveTextContent("9,876.5");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual([
      "Automation",
      "Rules",
      "Runs",
      "Events",
      "Content",
      "Keywords",
      "Sites",
      "Credits",
      "Settings",
    ]);
    expect(within(nav).getByRole("link", { name: "Content" })).toHaveAttribute("href", "/content?site=1");
  });

  it("switches site: URL, storage and links follow", async () => {
    stubApi(signedIn);
    renderApp(<AppRoutes />, { route: "/content?site=1&status=approved&page=3" });
    const select = await screen.findByLabelText("Site");
    await userEvent.selectOptions(select, "2");
    await waitFor(() => expect(routerLocation()).toBe("/content?status=approved&site=2"));
    expect(window.localStorage.getItem(SITE_STORAGE_KEY)).toBe("2");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Rules" })).toHaveAttribute("href", "/rules?site=2");
  });

  it("restores the stored site when the URL has none", async () => {
    window.localStorage.setItem(SITE_STORAGE_KEY, "2");
    stubApi(signedIn);
    renderApp(<AppRoutes />, { route: "/rules" });
    expect(await screen.findByLabelText("Site")).toHaveValue("2");
    await waitFor(() => expect(routerLocation()).toBe("/rules?site=2"));
  });

  it("says plainly when a run does not exist (no made-up data)", async () => {
    stubApi(signedIn);
    renderApp(<AppRoutes />, { route: "/automation/runs/17?site=1" });
    expect(await screen.findByRole("heading", { name: "Run not found" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "No such run" })).toBeInTheDocument();
  });

  it("toggles dark mode and remembers it", async () => {
    stubApi(signedIn);
    renderApp(<AppRoutes />, { route: "/automation" });
    await userEvent.click(await screen.findByRole("button", { name: "Switch to dark mode" }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");
    await userEvent.click(screen.getByRole("button", { name: "Switch to light mode" }));
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});

describe("the Running badge on Automation", () => {
  const currentRun = (status: string | null) => () =>
    json({ run: status ? { run_id: "run_1", status } : null, activity_log: [], last_run: null });

  it("says Running while the site's run is active, read with the link", async () => {
    const { calls } = stubApi({ ...signedIn, "GET /api/v1/automation/current_run/": currentRun("running") });
    renderApp(<AppRoutes />, { route: "/content?site=2" });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    const link = await within(nav).findByRole("link", { name: "Automation, running" });
    expect(within(link).getByTestId("nav-run-badge")).toHaveTextContent("Running");
    expect(calls.find((c) => c.path === "/api/v1/automation/current_run/")?.query.get("site_id")).toBe("2");
  });

  it("says Paused for a paused run, and nothing when no run is active", async () => {
    let status: string | null = "paused";
    stubApi({ ...signedIn, "GET /api/v1/automation/current_run/": () => currentRun(status)() });
    const { client } = renderApp(<AppRoutes />, { route: "/content?site=1" });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Automation, paused" })).toBeInTheDocument();
    status = null;
    await client.refetchQueries({ queryKey: ["automation", 1, "current_run"] });
    expect(await within(nav).findByRole("link", { name: "Automation" })).toBeInTheDocument();
    expect(within(nav).queryByTestId("nav-run-badge")).toBeNull();
  });
});
