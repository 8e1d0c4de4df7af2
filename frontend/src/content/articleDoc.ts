/**
 * The document the reader's sandboxed iframe shows: the article HTML inside a small stylesheet.
 *
 * The HTML is untrusted (written by an AI provider, edited by people). The server sanitizes it with
 * nh3; this is the second layer: the frame is sandboxed WITHOUT `allow-scripts` (nothing in it can
 * run, whatever the HTML says) and the document carries a Content-Security-Policy that allows
 * nothing but images and inline styles. Pure.
 */
import type { Theme } from "../shell/theme";

/** Scripts never: `allow-same-origin` only lets the reader measure the height; links open in a new tab. */
export const ARTICLE_SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

export const ARTICLE_CSP =
  "default-src 'none'; img-src http: https: data: blob:; media-src http: https:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

const PALETTE: Record<Theme, { text: string; muted: string; bg: string; border: string; link: string; code: string }> = {
  light: { text: "#1a1d23", muted: "#5f6673", bg: "#ffffff", border: "#e2e5ea", link: "#4f46e5", code: "#f3f4f6" },
  dark: { text: "#e8eaef", muted: "#9aa2b1", bg: "#171a21", border: "#2a2f3a", link: "#a5b4fc", code: "#20242d" },
};

export function articleStyles(theme: Theme): string {
  const c = PALETTE[theme];
  return `
:root { color-scheme: ${theme}; }
html { background: ${c.bg}; }
body { margin: 0; padding: 0.25rem 0 0.5rem; color: ${c.text}; background: ${c.bg};
  font: 17px/1.7 Georgia, "Iowan Old Style", "Times New Roman", serif; overflow-wrap: anywhere; }
h1, h2, h3, h4, h5, h6 { font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  line-height: 1.3; margin: 1.6em 0 0.5em; }
h1 { font-size: 1.7em; } h2 { font-size: 1.4em; } h3 { font-size: 1.17em; }
body > :first-child { margin-top: 0; }
p, ul, ol, blockquote, figure, table, pre { margin: 0 0 1em; }
a { color: ${c.link}; }
img { max-width: 100%; height: auto; border-radius: 6px; }
figure { margin-left: 0; margin-right: 0; }
figcaption { color: ${c.muted}; font-size: 0.88em; }
blockquote { border-left: 3px solid ${c.border}; padding-left: 1em; color: ${c.muted}; margin-left: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; background: ${c.code};
  border-radius: 4px; }
code { padding: 0.1em 0.3em; }
pre { padding: 0.8em 1em; overflow-x: auto; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; width: 100%; display: block; overflow-x: auto; }
th, td { border: 1px solid ${c.border}; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
hr { border: 0; border-top: 1px solid ${c.border}; margin: 2em 0; }
`;
}

/** A whole HTML document for `<iframe srcdoc>`. */
export function articleDocument(html: string, theme: Theme): string {
  return [
    "<!doctype html>",
    '<html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${ARTICLE_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<base target="_blank">',
    `<style>${articleStyles(theme)}</style>`,
    "</head><body>",
    html,
    "</body></html>",
  ].join("");
}
