import { describe, expect, it } from "vitest";

import { charLength, countWords, htmlText, lengthHint, META_DESCRIPTION_RANGE, META_TITLE_RANGE } from "./seo";

describe("lengthHint", () => {
  it("says when a meta field is not set", () => {
    expect(lengthHint("", META_TITLE_RANGE)).toEqual({ length: 0, tone: "empty", text: "Not set · recommended 50–60 characters" });
    expect(lengthHint("   ", META_DESCRIPTION_RANGE).tone).toBe("empty");
    expect(lengthHint(undefined, META_TITLE_RANGE).length).toBe(0);
  });

  it("marks meta titles against 50–60 characters, bounds included", () => {
    expect(lengthHint("x".repeat(49), META_TITLE_RANGE)).toMatchObject({ tone: "short", text: "49 characters · short, recommended 50–60" });
    expect(lengthHint("x".repeat(50), META_TITLE_RANGE).tone).toBe("ok");
    expect(lengthHint("x".repeat(60), META_TITLE_RANGE)).toMatchObject({
      tone: "ok",
      text: "60 characters · within the recommended 50–60",
    });
    expect(lengthHint("x".repeat(61), META_TITLE_RANGE)).toMatchObject({
      tone: "long",
      text: "61 characters · may be cut off in search results, recommended 50–60",
    });
  });

  it("marks meta descriptions against 120–160 characters", () => {
    expect(lengthHint("x".repeat(119), META_DESCRIPTION_RANGE).tone).toBe("short");
    expect(lengthHint("x".repeat(120), META_DESCRIPTION_RANGE).tone).toBe("ok");
    expect(lengthHint("x".repeat(160), META_DESCRIPTION_RANGE).tone).toBe("ok");
    expect(lengthHint("x".repeat(161), META_DESCRIPTION_RANGE).tone).toBe("long");
    expect(lengthHint("x", META_DESCRIPTION_RANGE).text).toBe("1 character · short, recommended 120–160");
  });

  it("counts characters as people do: code points, outer spaces ignored", () => {
    expect(charLength("  café  ")).toBe(4);
    expect(charLength("☕️ brew")).toBe(7);
    expect(charLength("𝒜")).toBe(1);
  });
});

describe("countWords", () => {
  it("counts the visible words of an HTML body the way the server does", () => {
    expect(countWords("")).toBe(0);
    expect(countWords("<h2>Cold brew</h2><p>Steep it for <strong>twelve</strong> hours.</p>")).toBe(7);
    expect(countWords("<p>one</p><p>two</p>")).toBe(2);
    expect(countWords("<ul><li>don't</li><li>well-known</li></ul>")).toBe(2);
  });

  it("never counts script or style text (and parsing runs nothing)", () => {
    (window as unknown as { __ran?: boolean }).__ran = false;
    const html = '<p>Safe words</p><script>window.__ran = true</script><style>p{}</style><img src=x onerror="window.__ran=true">';
    expect(countWords(html)).toBe(2);
    expect(htmlText(html)).not.toContain("window");
    expect((window as unknown as { __ran?: boolean }).__ran).toBe(false);
  });
});
