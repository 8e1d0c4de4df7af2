/** Pure helpers of the event journal page: filters in the URL, times, changes and objects in words. */
import type { EventCausation, EventRecord, FieldChange } from "./types";

// --- filters ---------------------------------------------------------------------------------------

export const SINCE_OPTIONS = [
  { value: "1h", label: "Last hour", ms: 3600_000, words: "the last hour" },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000, words: "the last 24 hours" },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000, words: "the last 7 days" },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000, words: "the last 30 days" },
] as const;

export type SinceToken = (typeof SINCE_OPTIONS)[number]["value"];
export const DEFAULT_SINCE: SinceToken = "7d";

/** Journal entries that are not model events (the trigger catalog lists those). */
export const SYSTEM_EVENTS = [
  { name: "webhook.received", description: "A signed webhook call reached a rule" },
  { name: "schedule.fired", description: "A rule's schedule fired" },
  { name: "run.completed", description: "A run completed" },
  { name: "run.failed", description: "A run failed" },
] as const;

export const CUSTOM_PREFIX = "custom.";

export interface JournalFilters {
  event: string;
  since: SinceToken;
  /** "site": the chosen site only; "all": every site of the account. */
  scope: "site" | "all";
  objectType: string;
  objectId: number | null;
}

export function parseSince(value: string | null): SinceToken {
  return SINCE_OPTIONS.some((o) => o.value === value) ? (value as SinceToken) : DEFAULT_SINCE;
}

export function readFilters(params: URLSearchParams): JournalFilters {
  const id = params.get("object_id");
  return {
    event: (params.get("event") ?? "").trim(),
    since: parseSince(params.get("since")),
    scope: params.get("scope") === "all" ? "all" : "site",
    objectType: (params.get("object_type") ?? "").trim(),
    objectId: id && /^\d+$/.test(id) ? Number(id) : null,
  };
}

/** The ISO time `token` ago from `now`. */
export function sinceIso(token: SinceToken, now = Date.now()): string {
  const option = SINCE_OPTIONS.find((o) => o.value === token) ?? SINCE_OPTIONS[2];
  return new Date(now - option.ms).toISOString();
}

export function sinceWords(token: SinceToken): string {
  return (SINCE_OPTIONS.find((o) => o.value === token) ?? SINCE_OPTIONS[2]).words;
}

/** `custom.` plus a name: letters, digits, `_`, `-` and `.` (as the API names custom events). */
export function customEventName(typed: string): string | null {
  const name = typed.trim().replace(/^custom\./, "");
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) ? `${CUSTOM_PREFIX}${name}` : null;
}

/** The `cursor` of a page's `next` URL (absolute or relative). */
export function cursorOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined;
  try {
    return new URL(next, "http://localhost").searchParams.get("cursor") ?? undefined;
  } catch {
    return undefined;
  }
}

// --- times -----------------------------------------------------------------------------------------

const exact = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

export { timeAgo } from "../shell/format";

export function exactTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : exact.format(date);
}

// --- changes ---------------------------------------------------------------------------------------

const MAX_VALUE = 40;

function clip(text: string, max = MAX_VALUE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One value as a person reads it: `new`, `1,200`, `yes`, `empty`. */
export function valueInWords(value: unknown): string {
  if (value === null || value === undefined || value === "") return "empty";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return Number.isFinite(value) ? value.toLocaleString("en-US") : String(value);
  if (typeof value === "string") return clip(value.replace(/\s+/g, " "));
  return clip(JSON.stringify(value));
}

function isChange(value: unknown): value is FieldChange {
  return value !== null && typeof value === "object" && "old" in value && "new" in value;
}

/** Text too long to read in a table cell (an article's HTML): its change is said as "changed". */
function isLongText(value: unknown): boolean {
  return typeof value === "string" && value.length > 60;
}

/** `{"status": {"old": "new", "new": "mapped"}}` → `["status: new → mapped"]`; long text says "changed". */
export function changesInWords(changes: Record<string, unknown> | null | undefined): string[] {
  return Object.entries(changes ?? {}).map(([field, change]) =>
    !isChange(change)
      ? `${field}: ${valueInWords(change)}`
      : isLongText(change.old) || isLongText(change.new)
        ? `${field}: changed`
        : `${field}: ${valueInWords(change.old)} → ${valueInWords(change.new)}`,
  );
}

// --- objects ---------------------------------------------------------------------------------------

const LABEL_KEYS = ["text", "title", "name", "keyword", "domain", "prompt", "message"] as const;

export interface ObjectSummary {
  /** `keyword #5`, `rule #3`, or "" when the event has no object. */
  ref: string;
  /** A short human label of the object (its text, title or name), or "". */
  label: string;
  /** The rule the event concerns (webhook deliveries, schedule fires, runs). */
  ruleId: number | null;
  /** The run the event concerns (`run.completed`, `run.failed`). */
  runId: string | null;
}

function numberOr(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

export function summarizeObject(record: Pick<EventRecord, "event" | "object_type" | "object_id" | "object">): ObjectSummary {
  const obj = record.object ?? {};
  const label = LABEL_KEYS.map((key) => obj[key]).find((v): v is string => typeof v === "string" && v.trim() !== "") ?? "";
  const runId = typeof obj.run_id === "string" ? obj.run_id : null;
  const ruleId = numberOr(obj.rule) ?? numberOr(obj.rule_id);
  let ref = "";
  if (record.object_type && record.object_id !== null && record.object_id !== undefined) ref = `${record.object_type} #${record.object_id}`;
  else if (runId) ref = runId;
  else if (ruleId !== null) ref = `rule #${ruleId}`;
  else if (record.object_type) ref = record.object_type;
  let extra = label;
  if (!extra && typeof obj.scheduled_for === "string") extra = `for ${exactTime(obj.scheduled_for)}`;
  return { ref, label: clip(extra.replace(/\s+/g, " "), 60), ruleId, runId };
}

// --- causation -------------------------------------------------------------------------------------

export type Cause =
  | { kind: "run"; runId: string; root: string | null }
  | { kind: "rerun"; runId: string }
  | { kind: "root"; text: string }
  | { kind: "none" };

/** `manual:5` → "Run now (rule #5)", `webhook:3` → "Webhook call (rule #3)"; event names stay. */
export function rootInWords(root: string): string {
  const match = /^(manual|webhook|schedule|scheduled):(\d+)$/.exec(root);
  if (!match) return root;
  const kind = match[1] === "manual" ? "Run now" : match[1] === "webhook" ? "Webhook call" : "Schedule";
  return `${kind} (rule #${match[2]})`;
}

/** What caused an event: the run whose change it was, else its root event; "none" when it is a root itself. */
export function causeOf(event: string, causation: EventCausation | null | undefined): Cause {
  const c = causation ?? {};
  const root = typeof c.root_event === "string" && c.root_event !== "" ? c.root_event : null;
  if (c.parent_run_id) return { kind: "run", runId: c.parent_run_id, root: root && root !== event ? rootInWords(root) : null };
  const rerun = root ? /^rerun:(\S+)$/.exec(root)?.[1] : undefined;
  if (rerun) return { kind: "rerun", runId: rerun };
  if (root && root !== event) return { kind: "root", text: rootInWords(root) };
  return { kind: "none" };
}
