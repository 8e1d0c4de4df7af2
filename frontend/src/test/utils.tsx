/** Test helpers: a fetch stub that routes by method + path, and rendering inside the app's providers. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, useLocation } from "react-router";
import { vi } from "vitest";

import type { Content, Me } from "../api/types";
import { ThemeProvider } from "../shell/ThemeProvider";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const SESSION = "GET /api/v1/auth/session/";
const ME = "GET /api/v1/auth/me/";

/**
 * `GET /auth/session/` as the server answers it, from a test's `GET /auth/me/` route: 200 with the
 * profile when that route answers 2xx, `{"authenticated": false}` for 401/403 or no route at all;
 * other failures (500) pass through.
 */
async function sessionFromMe(me: Handler | undefined, call: Call): Promise<Response> {
  if (!me) return json({ authenticated: false, user: null });
  const response = await me({ ...call, path: "/api/v1/auth/me/" });
  if (response.ok) return json({ authenticated: true, user: await response.json() });
  if (response.status === 401 || response.status === 403) return json({ authenticated: false, user: null });
  return response;
}

/**
 * Stub global fetch: `routes["GET /api/v1/auth/me/"] = () => json(me)`; unknown routes answer 404.
 * Without a `GET /api/v1/auth/session/` route, the session is derived from the `/auth/me/` route.
 */
export function stubApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    const call: Call = {
      method: (init.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      headers: (init.headers ?? {}) as Record<string, string>,
    };
    calls.push(call);
    const key = `${call.method} ${call.path}`;
    const handler = routes[key];
    if (!handler && key === SESSION) return sessionFromMe(routes[ME], call);
    return handler ? handler(call) : json({ detail: "Not found." }, 404);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls, fetchMock };
}

export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
}

let currentLocation = "";
function LocationProbe() {
  const location = useLocation();
  currentLocation = location.pathname + location.search;
  return null;
}

/** The path + search the router shows now (after redirects and setSearchParams). */
export function routerLocation(): string {
  return currentLocation;
}

export function renderApp(ui: ReactElement, { route = "/", client = testQueryClient() } = {}) {
  return {
    client,
    ...render(
      <QueryClientProvider client={client}>
        <ThemeProvider>
          <MemoryRouter initialEntries={[route]}>
            {ui}
            <LocationProbe />
          </MemoryRouter>
        </ThemeProvider>
      </QueryClientProvider>,
    ),
  };
}

export const demoSite = {
  id: 1,
  name: "Demo Blog",
  domain: "demo.example.com",
  timezone: "UTC",
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

export const secondSite = { ...demoSite, id: 2, name: "Second", domain: "second.example.com" };

export const me: Me = {
  id: 7,
  username: "demo",
  email: "demo@example.com",
  account: { id: 1, name: "Demo", slug: "demo", credits: "10000.00", credits_reserved: "0.00", credits_available: "10000.00", daily_credit_budget: null },
  sites: [demoSite, secondSite],
};

export function content(id: number, overrides: Partial<Content> = {}): Content {
  return {
    id,
    site: 1,
    created_at: "2026-01-02T10:00:00Z",
    updated_at: "2026-01-02T10:00:00Z",
    title: `Article ${id}`,
    word_count: 1200,
    seo_score: 80,
    status: "review",
    external_id: "",
    external_url: "",
    published_at: null,
    images_count: 2,
    cluster: null,
    review_note: "",
    publish_status: "",
    publish_error: "",
    post_status: "publish",
    ...overrides,
  };
}

export function page<T>(results: T[], count = results.length) {
  return { count, next: null, previous: null, results };
}
