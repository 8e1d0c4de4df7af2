import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, demoSite, json, me, page, renderApp, stubApi } from "../test/utils";
import type { ConnectionCheck, Integration, SiteWithStatus } from "./types";

function site(overrides: Partial<SiteWithStatus> = {}): SiteWithStatus {
  return {
    ...demoSite,
    wordpress: null,
    automation: {
      rule_id: 3,
      is_enabled: true,
      schedule: "At 02:00 AM (UTC)",
      next_run_at: null,
      active_run: null,
      last_run: { run_id: "run_1", status: "failed", started_at: "2026-12-01T10:00:00Z", completed_at: "2026-12-01T10:05:00Z" },
    },
    ...overrides,
  };
}

const integration: Integration = {
  id: 5,
  site: 1,
  kind: "wordpress",
  url: "https://blog.example.com",
  username: "editor",
  has_password: true,
  is_active: true,
  last_checked_at: null,
  last_check_ok: null,
  last_check_error: "",
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
};

function fakeSitesApi(routes: Record<string, (call: Call) => Response> = {}) {
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/sites/": () => json(page([site()])),
    "GET /api/v1/integrations/": () => json(page([integration])),
    ...routes,
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("SitesPage", () => {
  it("lists each site with its WordPress state and automation status, linking to its dashboard", async () => {
    fakeSitesApi();
    renderApp(<AppRoutes />, { route: "/sites?site=1" });

    const card = await screen.findByRole("article", { name: "Demo Blog" });
    expect(within(card).getByText("Not connected")).toBeInTheDocument();
    expect(within(card).getByText("Scheduled")).toBeInTheDocument();
    expect(within(card).getByText("At 02:00 AM (UTC)")).toBeInTheDocument();
    expect(within(card).getByText("failed")).toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Open automation" })).toHaveAttribute("href", "/automation?site=1");
  });

  it("shows the API's message at the field and refreshes the shell's sites after an add", async () => {
    let attempts = 0;
    const { calls } = fakeSitesApi({
      "POST /api/v1/sites/": () => {
        attempts += 1;
        return attempts === 1
          ? json({ timezone: ["'Mars/Base' is not a known IANA timezone."] }, 400)
          : json(site({ id: 9, name: "New", domain: "new.example.com" }), 201);
      },
    });
    const user = userEvent.setup();
    renderApp(<AppRoutes />, { route: "/sites?site=1" });
    await screen.findByRole("article", { name: "Demo Blog" });

    await user.click(screen.getByRole("button", { name: "Add site" }));
    const form = screen.getByRole("form", { name: "Add a site" });
    await user.type(within(form).getByLabelText("Name"), "New");
    await user.type(within(form).getByLabelText("Domain"), "new.example.com");
    await user.clear(within(form).getByLabelText("Time zone"));
    await user.type(within(form).getByLabelText("Time zone"), "Mars/Base");
    await user.click(within(form).getByRole("button", { name: "Add site" }));

    const zone = within(form).getByLabelText("Time zone");
    await waitFor(() => expect(zone).toHaveAttribute("aria-invalid", "true"));
    expect(within(form).getByText("'Mars/Base' is not a known IANA timezone.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    const meCalls = calls.filter((c) => c.path === "/api/v1/auth/session/").length;
    await user.clear(zone);
    await user.type(zone, "UTC");
    await user.click(within(form).getByRole("button", { name: "Add site" }));
    await screen.findByText(/Added New/);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "New", domain: "new.example.com", timezone: "Mars/Base" });
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/v1/auth/session/").length).toBeGreaterThan(meCalls));
  });

  it("keeps the stored password when it is left blank and says why a test failed", async () => {
    const failed: ConnectionCheck = {
      ok: false,
      reason: "bad_credentials",
      user: null,
      rest_mode: null,
      wordpress_version: null,
      site_name: null,
      error: "WordPress rejected the credentials for user editor (401)",
    };
    const { calls } = fakeSitesApi({
      "PATCH /api/v1/integrations/5/": (call) => json({ ...integration, ...(call.body as object) }),
      "POST /api/v1/integrations/test/": () => json(failed),
    });
    const user = userEvent.setup();
    renderApp(<AppRoutes />, { route: "/sites?site=1" });
    const card = await screen.findByRole("article", { name: "Demo Blog" });
    await user.click(within(card).getByRole("button", { name: "WordPress" }));

    const password = await within(card).findByLabelText("Application password");
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("placeholder", "set — leave blank to keep");
    await user.clear(within(card).getByLabelText("WordPress user"));
    await user.type(within(card).getByLabelText("WordPress user"), "writer");
    await user.click(within(card).getByRole("button", { name: "Save connection" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ url: "https://blog.example.com", username: "writer" });

    await user.type(password, "wrong");
    await user.click(within(card).getByRole("button", { name: "Test connection" }));
    const result = await within(card).findByLabelText("Connection test result");
    expect(result).toHaveTextContent("WordPress rejected the user or application password");
    expect(result).toHaveTextContent("(401)");
    expect(calls.find((c) => c.path === "/api/v1/integrations/test/")?.body).toMatchObject({
      application_password: "wrong",
      integration: 5,
    });
  });

  it("asks before deactivating a site", async () => {
    const { calls } = fakeSitesApi({
      "PATCH /api/v1/sites/1/": () => json(site({ is_active: false })),
    });
    const user = userEvent.setup();
    renderApp(<AppRoutes />, { route: "/sites?site=1" });
    const card = await screen.findByRole("article", { name: "Demo Blog" });

    await user.click(within(card).getByRole("button", { name: "Deactivate" }));
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    const dialog = screen.getByRole("dialog", { name: "Deactivate Demo Blog?" });
    await user.click(within(dialog).getByRole("button", { name: "Deactivate" }));

    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ is_active: false }));
  });
});
