/** SEO hints for the reader's panel: meta lengths against the recommended ranges, words of an HTML body. Pure. */

export interface Range {
  min: number;
  max: number;
}

/** What search engines show without cutting: titles of 50–60 characters, descriptions of 120–160. */
export const META_TITLE_RANGE: Range = { min: 50, max: 60 };
export const META_DESCRIPTION_RANGE: Range = { min: 120, max: 160 };

export type LengthTone = "empty" | "short" | "ok" | "long";

export interface LengthHint {
  length: number;
  tone: LengthTone;
  /** "55 characters · within the recommended 50–60" */
  text: string;
}

/** Characters as a person counts them (code points, surrounding spaces ignored). */
export function charLength(value: string | null | undefined): number {
  return [...(value ?? "").trim()].length;
}

export function lengthHint(value: string | null | undefined, range: Range): LengthHint {
  const length = charLength(value);
  const recommended = `recommended ${range.min}–${range.max}`;
  if (length === 0) return { length, tone: "empty", text: `Not set · ${recommended} characters` };
  const count = `${length} ${length === 1 ? "character" : "characters"}`;
  if (length < range.min) return { length, tone: "short", text: `${count} · short, ${recommended}` };
  if (length > range.max) return { length, tone: "long", text: `${count} · may be cut off in search results, ${recommended}` };
  return { length, tone: "ok", text: `${count} · within the ${recommended}` };
}

/** Visible text of an HTML fragment, parsed inertly (DOMParser runs no script and loads nothing). */
export function htmlText(html: string): string {
  if (!html) return "";
  if (typeof DOMParser === "undefined") return html.replace(/<[^>]*>/g, " ");
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  doc.querySelectorAll("script, style, template").forEach((node) => node.remove());
  // Block elements separate words even without spaces between their tags.
  doc.querySelectorAll("p, div, li, h1, h2, h3, h4, h5, h6, br, td, th, figcaption, blockquote, pre").forEach((node) =>
    node.append(" "),
  );
  return doc.body.textContent ?? "";
}

/** Words the way the server counts them (`count_words`: runs of letters, digits, `'` and `-`). */
export function countWords(html: string): number {
  return htmlText(html).match(/[\p{L}\p{N}_'-]+/gu)?.length ?? 0;
}
