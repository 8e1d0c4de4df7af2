/** The ledger's filters: read from and written to the URL, sent to the API, and the CSV export's address. */
import type { LedgerKind } from "./types";

export const LEDGER_KINDS: readonly LedgerKind[] = ["debit", "credit", "reservation", "release"];

export const KIND_LABELS: Record<LedgerKind, string> = {
  debit: "Charge",
  credit: "Top-up",
  reservation: "Hold",
  release: "Release",
};

export interface LedgerFilters {
  operation: string;
  kind: LedgerKind | "";
  since: string; // YYYY-MM-DD (UTC day) or ""
  until: string;
  run: string;
}

export const NO_FILTERS: LedgerFilters = { operation: "", kind: "", since: "", until: "", run: "" };

/** The URL's query parameter for each filter (`run` is the API's `run_id`). */
const PARAMS: Record<keyof LedgerFilters, string> = {
  operation: "operation",
  kind: "kind",
  since: "since",
  until: "until",
  run: "run",
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseFilters(params: URLSearchParams): LedgerFilters {
  const kind = params.get(PARAMS.kind) ?? "";
  const date = (value: string | null) => (value && DATE.test(value) ? value : "");
  return {
    operation: (params.get(PARAMS.operation) ?? "").trim(),
    kind: (LEDGER_KINDS as readonly string[]).includes(kind) ? (kind as LedgerKind) : "",
    since: date(params.get(PARAMS.since)),
    until: date(params.get(PARAMS.until)),
    run: (params.get(PARAMS.run) ?? "").trim(),
  };
}

/** Write `changes` into the URL's parameters; any change of a filter goes back to the first page. */
export function withFilters(current: URLSearchParams, changes: Partial<LedgerFilters>): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const [key, value] of Object.entries(changes) as [keyof LedgerFilters, string][]) {
    if (value) next.set(PARAMS[key], value);
    else next.delete(PARAMS[key]);
  }
  next.delete("page");
  return next;
}

export function hasFilters(filters: LedgerFilters): boolean {
  return Object.values(filters).some(Boolean);
}

/** The API's query for these filters (empty ones left out). */
export function apiQuery(filters: LedgerFilters) {
  return {
    operation: filters.operation || undefined,
    kind: filters.kind || undefined,
    since: filters.since || undefined,
    until: filters.until || undefined,
    run_id: filters.run || undefined,
  };
}

export const EXPORT_PATH = "/api/v1/credits/ledger/export/";

/** The CSV export of the filtered ledger (a plain GET: the browser downloads it with the session cookie). */
export function exportUrl(filters: LedgerFilters): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(apiQuery(filters))) if (value) search.set(key, value);
  const qs = search.toString();
  return qs ? `${EXPORT_PATH}?${qs}` : EXPORT_PATH;
}

/** `generate_image_prompts` → "Generate image prompts". */
export function operationLabel(operation: string): string {
  const text = operation.replace(/[_-]+/g, " ").trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : operation;
}
