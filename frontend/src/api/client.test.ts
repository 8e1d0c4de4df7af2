import { afterEach, describe, expect, it } from "vitest";

import { json, stubApi } from "../test/utils";
import { api, ApiError, describeFieldErrors, resetCsrfCache, toFieldErrors } from "./client";

afterEach(() => resetCsrfCache());

describe("toFieldErrors", () => {
  it("keeps DRF field dicts", () => {
    expect(toFieldErrors({ title: ["This field may not be blank."], ids: ["Required."] })).toEqual({
      title: ["This field may not be blank."],
      ids: ["Required."],
    });
  });

  it("flattens nested serializer errors with a dotted path", () => {
    expect(toFieldErrors({ config: { batch_size: ["Too big."] }, steps: [{}, { key: ["Unknown."] }] })).toEqual({
      "config.batch_size": ["Too big."],
      "steps.1.key": ["Unknown."],
    });
  });

  it("treats a bare string or list as a detail message", () => {
    expect(toFieldErrors("Nope.")).toEqual({ detail: ["Nope."] });
    expect(toFieldErrors(["One.", "Two."])).toEqual({ detail: ["One.", "Two."] });
  });
});

describe("describeFieldErrors", () => {
  it("prefixes field names but not detail or non_field_errors", () => {
    expect(
      describeFieldErrors({ detail: ["Not allowed."], non_field_errors: ["Bad login."], word_count: ["Must be positive."] }),
    ).toEqual(["Not allowed.", "Bad login.", "Word count: Must be positive."]);
  });
});

describe("request", () => {
  it("sends JSON with the CSRF cookie on unsafe methods and answers the typed body", async () => {
    document.cookie = "csrftoken=abc123";
    const { calls } = stubApi({ "POST /api/v1/content/bulk_approve/": () => json({ approved: [1, 2] }) });
    const result = await api.post("/api/v1/content/bulk_approve/", { body: { ids: [1, 2] } });
    expect(result.approved).toEqual([1, 2]);
    expect(calls[0]?.headers["X-CSRFToken"]).toBe("abc123");
    expect(calls[0]?.body).toEqual({ ids: [1, 2] });
  });

  it("fetches a CSRF token first when the cookie is missing", async () => {
    const { calls } = stubApi({
      "GET /api/v1/auth/csrf/": () => json({ csrfToken: "from-endpoint" }),
      "POST /api/v1/auth/logout/": () => new Response(null, { status: 204 }),
    });
    await expect(api.post("/api/v1/auth/logout/")).resolves.toBeUndefined();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /api/v1/auth/csrf/", "POST /api/v1/auth/logout/"]);
    expect(calls[1]?.headers["X-CSRFToken"]).toBe("from-endpoint");
  });

  it("fills path parameters and drops empty query values", async () => {
    const { calls } = stubApi({ "GET /api/v1/content/": () => json({ count: 0, results: [] }) });
    await api.get("/api/v1/content/", { query: { site: 3, status: "review", search: "" } });
    expect(calls[0]?.query.toString()).toBe("site=3&status=review");
    document.cookie = "csrftoken=t";
    stubApi({ "POST /api/v1/content/42/approve/": () => json({ id: 42 }) });
    await expect(api.post("/api/v1/content/{id}/approve/", { path: { id: 42 } })).resolves.toMatchObject({ id: 42 });
  });

  it("turns a 400 body into an ApiError with field errors", async () => {
    document.cookie = "csrftoken=t";
    stubApi({
      "POST /api/v1/content/bulk_approve/": () =>
        json({ status: ["Only content in review can be approved; not in review: [3]."] }, 400),
    });
    const error = await api.post("/api/v1/content/bulk_approve/", { body: { ids: [3] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors).toEqual({
      status: ["Only content in review can be approved; not in review: [3]."],
    });
    expect((error as ApiError).message).toBe("Status: Only content in review can be approved; not in review: [3].");
  });

  it("names auth failures, server failures and unreachable servers", async () => {
    stubApi({
      "GET /api/v1/auth/me/": () => json({ detail: "Authentication credentials were not provided." }, 403),
      "GET /api/v1/credits/": () => new Response("<html>oops</html>", { status: 502 }),
    });
    const denied = (await api.get("/api/v1/auth/me/").catch((e: unknown) => e)) as ApiError;
    expect(denied.isAuthError).toBe(true);
    expect(denied.message).toBe("Authentication credentials were not provided.");
    const failed = (await api.get("/api/v1/credits/").catch((e: unknown) => e)) as ApiError;
    expect(failed.status).toBe(502);
    expect(failed.message).toMatch(/server failed \(502\)/);

    stubApi({});
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const offline = (await api.get("/api/v1/auth/me/").catch((e: unknown) => e)) as ApiError;
    expect(offline.isNetworkError).toBe(true);
    expect(offline.message).toMatch(/Cannot reach the server/);
  });
});
