import { describe, expect, it } from "vitest";

import { applyFormat } from "./formatting";

function apply(text: string, from: number, to: number, format: Parameters<typeof applyFormat>[3]) {
  const change = applyFormat(text, from, to, format);
  const result = text.slice(0, change.from) + change.insert + text.slice(change.to);
  return { result, selected: result.slice(change.selection.anchor, change.selection.head) };
}

describe("applyFormat", () => {
  it("wraps the selection in a tag and keeps the words selected", () => {
    expect(apply("<p>brew it cold</p>", 3, 7, "bold")).toEqual({ result: "<p><strong>brew</strong> it cold</p>", selected: "brew" });
    expect(apply("Ratios", 0, 6, "h2")).toEqual({ result: "<h2>Ratios</h2>", selected: "Ratios" });
    expect(apply("abc", 3, 0, "italic").result).toBe("<em>abc</em>"); // a backwards selection
  });

  it("inserts a selected placeholder when nothing is selected", () => {
    expect(apply("<p></p>", 3, 3, "bold")).toEqual({ result: "<p><strong>bold text</strong></p>", selected: "bold text" });
    expect(apply("", 0, 0, "quote")).toEqual({ result: "<blockquote>Quoted text.</blockquote>", selected: "Quoted text." });
  });

  it("makes a list item of every selected line", () => {
    expect(apply("grind\n\n steep \nfilter", 0, 21, "list").result).toBe(
      "<ul>\n  <li>grind</li>\n  <li>steep</li>\n  <li>filter</li>\n</ul>",
    );
  });

  it("makes a link with its URL selected for typing", () => {
    expect(apply("see the guide", 8, 13, "link")).toEqual({
      result: 'see the <a href="https://">guide</a>',
      selected: "https://",
    });
  });
});
