/** The keyword list's filters, sort and page, kept in the URL; and "paste many" parsing. Pure functions. */
import { KEYWORD_INTENTS, KEYWORD_STATUSES, type KeywordIntent, type KeywordStatus } from "./types";

export const SORTABLE = ["text", "volume", "difficulty", "intent", "status", "created_at"] as const;
export type SortField = (typeof SORTABLE)[number];
export const DEFAULT_ORDERING = "-volume";

export interface KeywordFilters {
  status: KeywordStatus | null;
  cluster: number | null;
  intent: KeywordIntent | null;
  volumeMin: string;
  volumeMax: string;
  disabled: boolean | null;
  search: string;
  ordering: string;
  page: number;
}

/** URL parameter of each filter (`?status=new&vmin=100&q=brew&sort=-volume&page=2`). */
export const PARAMS = {
  status: "status",
  cluster: "cluster",
  intent: "intent",
  volumeMin: "vmin",
  volumeMax: "vmax",
  disabled: "disabled",
  search: "q",
  ordering: "sort",
  page: "page",
} as const satisfies Record<keyof KeywordFilters, string>;

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function positiveInt(value: string | null): number | null {
  return value !== null && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : null;
}

function validOrdering(value: string | null): string {
  const field = value?.replace(/^-/, "") ?? "";
  return (SORTABLE as readonly string[]).includes(field) ? (value as string) : DEFAULT_ORDERING;
}

export function readFilters(params: URLSearchParams): KeywordFilters {
  const disabled = params.get(PARAMS.disabled);
  return {
    status: oneOf(params.get(PARAMS.status), KEYWORD_STATUSES),
    cluster: positiveInt(params.get(PARAMS.cluster)),
    intent: oneOf(params.get(PARAMS.intent), KEYWORD_INTENTS),
    volumeMin: params.get(PARAMS.volumeMin) ?? "",
    volumeMax: params.get(PARAMS.volumeMax) ?? "",
    disabled: disabled === "true" ? true : disabled === "false" ? false : null,
    search: params.get(PARAMS.search) ?? "",
    ordering: validOrdering(params.get(PARAMS.ordering)),
    page: positiveInt(params.get(PARAMS.page)) ?? 1,
  };
}

/** True when any filter (not sort or page) narrows the list. */
export function isFiltered(filters: KeywordFilters): boolean {
  return (
    filters.status !== null ||
    filters.cluster !== null ||
    filters.intent !== null ||
    filters.volumeMin !== "" ||
    filters.volumeMax !== "" ||
    filters.disabled !== null ||
    filters.search.trim() !== ""
  );
}

/** New URL parameters with some filters changed; any change but the page itself goes back to page 1. */
export function withFilters(params: URLSearchParams, changes: Partial<Record<keyof KeywordFilters, string | null>>) {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes) as [keyof KeywordFilters, string | null][]) {
    const name = PARAMS[key];
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
  }
  if (!("page" in changes)) next.delete(PARAMS.page);
  return next;
}

/** Every filter cleared (the site, sort and anything else kept). */
export function clearedFilters(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of ["status", "cluster", "intent", "volumeMin", "volumeMax", "disabled", "search", "page"] as const) {
    next.delete(PARAMS[key]);
  }
  return next;
}

/** The list endpoint's query for these filters. */
export function toQuery(site: number, filters: KeywordFilters, pageSize: number) {
  // A number as the API takes it; anything else as typed, so the API's message names what is wrong.
  const volume = (value: string): number | undefined => {
    const text = value.trim();
    if (text === "") return undefined;
    return (/^\d+$/.test(text) ? Number(text) : text) as number;
  };
  return {
    site,
    status: filters.status ?? undefined,
    cluster: filters.cluster ?? undefined,
    intent: filters.intent ?? undefined,
    volume_min: volume(filters.volumeMin),
    volume_max: volume(filters.volumeMax),
    disabled: filters.disabled ?? undefined,
    search: filters.search.trim() || undefined,
    ordering: filters.ordering,
    page: filters.page,
    page_size: pageSize,
  };
}

/** Clicking a column: sort by it (numbers and dates biggest first), then the other way round. */
export function nextOrdering(current: string, field: SortField): string {
  if (current === field) return `-${field}`;
  if (current === `-${field}`) return field;
  return field === "volume" || field === "difficulty" || field === "created_at" ? `-${field}` : field;
}

export function sortDirection(current: string, field: SortField): "ascending" | "descending" | "none" {
  if (current === field) return "ascending";
  if (current === `-${field}`) return "descending";
  return "none";
}

// --- paste many ----------------------------------------------------------------------------------

export interface PastedRow {
  /** Line of the pasted text (from 1). */
  line: number;
  row: Record<string, string>;
}

const COLUMNS = ["text", "volume", "difficulty", "intent"] as const;

/**
 * One keyword per line, optionally `keyword,volume,difficulty,intent` (comma, tab or semicolon).
 * Blank lines and a header line (`keyword,…`) are skipped. The API validates the values.
 */
export function parsePasted(text: string): PastedRow[] {
  const rows: PastedRow[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const cells = line.split(/[,\t;]/).map((cell) => cell.trim());
    if (rows.length === 0 && /^(keyword|text)$/i.test(cells[0] ?? "")) return;
    const row: Record<string, string> = {};
    cells.slice(0, COLUMNS.length).forEach((cell, i) => {
      const column = COLUMNS[i];
      if (column && cell !== "") row[column] = column === "intent" ? cell.toLowerCase() : cell;
    });
    if (cells.length > COLUMNS.length) row.unexpected_extra_columns = cells.slice(COLUMNS.length).join(",");
    if (row.text === undefined) row.text = "";
    rows.push({ line: index + 1, row });
  });
  return rows;
}

export interface RowProblem {
  /** CSV line or pasted line (from 1). */
  line: number;
  field: string;
  message: string;
}

/**
 * A bulk 400's field errors (`keywords.2.volume`, `rows.3.text`) as problems per line. `toLine` turns the
 * API's row key (index from 0 for `keywords`, CSV line for `rows`) into the line the person sees.
 */
export function rowProblems(
  fieldErrors: Record<string, string[]>,
  prefix: "keywords" | "rows",
  toLine: (key: number) => number,
): RowProblem[] {
  const problems: RowProblem[] = [];
  const pattern = new RegExp(`^${prefix}\\.(\\d+)\\.(.+)$`);
  for (const [key, messages] of Object.entries(fieldErrors)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const line = toLine(Number(match[1]));
    const field = (match[2] ?? "").replace(/\.\d+$/, "");
    for (const message of messages) problems.push({ line, field, message });
  }
  return problems.sort((a, b) => a.line - b.line);
}
