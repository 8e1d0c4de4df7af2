import { describe, expect, it } from "vitest";

import { ARTICLE_CSP, ARTICLE_SANDBOX, articleDocument } from "./articleDoc";

describe("the article frame", () => {
  it("never lets the article run script", () => {
    const flags = ARTICLE_SANDBOX.split(" ");
    expect(flags).not.toContain("allow-scripts");
    expect(flags).not.toContain("allow-forms");
    expect(flags).not.toContain("allow-top-navigation");
    expect(ARTICLE_CSP).toContain("default-src 'none'");
    expect(ARTICLE_CSP).not.toMatch(/script-src/);
  });

  it("wraps the HTML in a document with the policy, the stylesheet and new-tab links", () => {
    const doc = articleDocument("<h2>Cold brew</h2>", "light");
    expect(doc.startsWith("<!doctype html>")).toBe(true);
    expect(doc).toContain(`<meta http-equiv="Content-Security-Policy" content="${ARTICLE_CSP}">`);
    expect(doc).toContain('<base target="_blank">');
    expect(doc).toContain("<body><h2>Cold brew</h2></body>");
    expect(doc).toContain("color-scheme: light");
    expect(articleDocument("", "dark")).toContain("color-scheme: dark");
  });
});
