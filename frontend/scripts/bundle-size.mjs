// Print the gzipped size of the JavaScript the first page load needs (the entry script in
// dist/index.html plus the chunks it preloads) and fail when it passes the budget.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = Number(process.env.INITIAL_JS_BUDGET_KB ?? 300);
const dist = process.env.FRONTEND_DIST ?? new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const urls = [...html.matchAll(/<(?:script[^>]*type="module"[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+)"/g)].map(
  (m) => m[1],
);
let total = 0;
for (const url of urls) {
  const file = join(dist, url.replace(/^\/static\//, ""));
  const gz = gzipSync(readFileSync(file)).length;
  total += gz;
  console.log(`  ${url}  ${(gz / 1024).toFixed(1)} KB gz`);
}
console.log(`initial JS: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (urls.length === 0 || total / 1024 > BUDGET_KB) {
  console.error(urls.length === 0 ? "no entry script found in dist/index.html" : "initial JS is over budget");
  process.exit(1);
}
