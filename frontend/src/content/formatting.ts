/** The HTML editor's formatting buttons: wrap the selection in tags. Pure (text in, one change out). */

export type Format = "bold" | "italic" | "h2" | "h3" | "paragraph" | "list" | "link" | "quote";

export interface FormatChange {
  from: number;
  to: number;
  insert: string;
  /** The selection afterwards (absolute offsets in the new text). */
  selection: { anchor: number; head: number };
}

export const FORMATS: readonly { format: Format; label: string; text: string }[] = [
  { format: "bold", label: "Bold", text: "B" },
  { format: "italic", label: "Italic", text: "I" },
  { format: "h2", label: "Heading 2", text: "H2" },
  { format: "h3", label: "Heading 3", text: "H3" },
  { format: "paragraph", label: "Paragraph", text: "¶" },
  { format: "list", label: "Bulleted list", text: "• List" },
  { format: "quote", label: "Quote", text: "❝" },
  { format: "link", label: "Link", text: "Link" },
];

const WRAP: Partial<Record<Format, string>> = {
  bold: "strong",
  italic: "em",
  h2: "h2",
  h3: "h3",
  paragraph: "p",
  quote: "blockquote",
};

const PLACEHOLDER: Record<Format, string> = {
  bold: "bold text",
  italic: "italic text",
  h2: "Heading",
  h3: "Heading",
  paragraph: "Paragraph text.",
  list: "List item",
  link: "link text",
  quote: "Quoted text.",
};

/** The change that applies `format` to `text[from:to]`; an empty selection gets a placeholder, selected. */
export function applyFormat(text: string, from: number, to: number, format: Format): FormatChange {
  const start = Math.min(from, to);
  const end = Math.max(from, to);
  const selected = text.slice(start, end) || PLACEHOLDER[format];
  if (format === "link") {
    const href = "https://";
    const insert = `<a href="${href}">${selected}</a>`;
    const hrefAt = start + '<a href="'.length;
    return { from: start, to: end, insert, selection: { anchor: hrefAt, head: hrefAt + href.length } };
  }
  if (format === "list") {
    const items = selected
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => `  <li>${line}</li>`);
    const insert = `<ul>\n${items.join("\n")}\n</ul>`;
    return { from: start, to: end, insert, selection: { anchor: start, head: start + insert.length } };
  }
  const tag = WRAP[format] ?? "span";
  const open = `<${tag}>`;
  const insert = `${open}${selected}</${tag}>`;
  const inner = start + open.length;
  return { from: start, to: end, insert, selection: { anchor: inner, head: inner + selected.length } };
}
