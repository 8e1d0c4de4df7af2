import { describe, expect, it } from "vitest";

import { resolveSiteId, withSite } from "./site";

const sites = [{ id: 4 }, { id: 8 }];

describe("resolveSiteId", () => {
  it.each([
    { url: "8", stored: "4", expected: 8, why: "the URL wins" },
    { url: null, stored: "8", expected: 8, why: "then the stored choice" },
    { url: "99", stored: "8", expected: 8, why: "an unknown URL site is ignored" },
    { url: "abc", stored: null, expected: 4, why: "garbage falls back to the first site" },
    { url: null, stored: "99", expected: 4, why: "a stale stored site falls back to the first" },
    { url: "8.5", stored: null, expected: 4, why: "only whole ids count" },
  ])("$why", ({ url, stored, expected }) => {
    expect(resolveSiteId(sites, url, stored)).toBe(expected);
  });

  it("answers null when the account has no site", () => {
    expect(resolveSiteId([], "1", "1")).toBeNull();
  });
});

describe("withSite", () => {
  it("adds ?site= to links and keeps extra parameters", () => {
    expect(withSite("/content", 3)).toEqual({ pathname: "/content", search: "?site=3" });
    expect(withSite("/content", 3, { status: "review" })).toEqual({ pathname: "/content", search: "?status=review&site=3" });
    expect(withSite("/rules", null)).toEqual({ pathname: "/rules", search: "" });
  });
});
