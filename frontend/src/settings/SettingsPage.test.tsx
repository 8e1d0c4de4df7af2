import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { AppRoutes } from "../App";
import { type Call, json, me, page, renderApp, stubApi } from "../test/utils";
import type { ApiToken } from "./api";

const KEY = "0123456789abcdef0123456789abcdef01234567";

function token(id: number, overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id,
    name: `token ${id}`,
    prefix: "abcd1234",
    created_at: "2026-12-01T10:00:00Z",
    last_used_at: null,
    expires_at: null,
    current: false,
    ...overrides,
  };
}

const config = {
  site_id: 1,
  notify_email: true,
  notify_webhook_url: "",
  notify_on_complete: true,
  notify_on_fail: true,
};

function fakeSettingsApi(routes: Record<string, (call: Call) => Response> = {}) {
  let tokens = [token(1)];
  return stubApi({
    "GET /api/v1/auth/me/": () => json(me),
    "GET /api/v1/auth/tokens/": () => json(page(tokens)),
    "POST /api/v1/auth/tokens/": (call) => {
      const created = token(2, { name: (call.body as { name: string }).name, prefix: KEY.slice(0, 8) });
      tokens = [created, ...tokens];
      return json({ ...created, key: KEY }, 201);
    },
    "DELETE /api/v1/auth/tokens/2/": () => {
      tokens = tokens.filter((t) => t.id !== 2);
      return new Response(null, { status: 204 });
    },
    "GET /api/v1/automation/config/": () => json(config),
    ...routes,
  });
}

beforeEach(() => {
  document.cookie = "csrftoken=tok";
});

describe("SettingsPage", () => {
  it("shows a new token once, then lists only its prefix, and revokes it after a confirmation", async () => {
    const { calls } = fakeSettingsApi();
    const user = userEvent.setup();
    renderApp(<AppRoutes />, { route: "/settings?site=1" });
    await screen.findByRole("table", { name: "API tokens" });

    await user.type(screen.getByLabelText("Token name"), "CI deploy");
    await user.click(screen.getByRole("button", { name: "Create token" }));
    const shown = await screen.findByRole("status", { name: "New API token" });
    expect(shown).toHaveTextContent(KEY);
    expect(shown).toHaveTextContent("it will not be shown again");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "CI deploy", expires_in_days: null });

    await user.click(within(shown).getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByText(KEY)).not.toBeInTheDocument();
    const row = (await screen.findByText("CI deploy")).closest("tr") as HTMLElement;
    expect(row).toHaveTextContent(`${KEY.slice(0, 8)}…`);

    await user.click(within(row).getByRole("button", { name: "Revoke CI deploy" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(screen.queryByText("CI deploy")).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/v1/auth/tokens/2/")).toBe(true);
  });

  it("saves only the notification fields and shows a bad webhook URL's error at its field", async () => {
    let attempts = 0;
    const { calls } = fakeSettingsApi({
      "PUT /api/v1/automation/config/": (call) => {
        attempts += 1;
        if (attempts === 1) return json({ notify_webhook_url: ["Enter a valid URL."] }, 400);
        return json({ ...config, ...(call.body as object), signing_secret: "s3cret" });
      },
    });
    const user = userEvent.setup();
    renderApp(<AppRoutes />, { route: "/settings?site=1" });
    const form = await screen.findByRole("form", { name: "Run notifications" });

    await user.click(within(form).getByLabelText("completes"));
    await user.type(within(form).getByLabelText("Webhook URL (optional)"), "nope");
    await user.click(within(form).getByRole("button", { name: "Save notifications" }));
    const webhook = within(form).getByLabelText("Webhook URL (optional)");
    await waitFor(() => expect(webhook).toHaveAttribute("aria-invalid", "true"));
    expect(within(form).getByText("Enter a valid URL.")).toBeInTheDocument();

    await user.clear(webhook);
    await user.type(webhook, "https://hooks.example.com/x");
    await user.click(within(form).getByRole("button", { name: "Save notifications" }));
    await within(form).findByText("Saved.");
    expect(within(form).getByLabelText("Webhook signing secret")).toHaveTextContent("s3cret");
    const puts = calls.filter((c) => c.method === "PUT");
    expect(puts[1]?.query.get("site_id")).toBe("1");
    expect(puts[1]?.body).toEqual({
      notify_email: true,
      notify_webhook_url: "https://hooks.example.com/x",
      notify_on_complete: false,
      notify_on_fail: true,
    });
  });
});
