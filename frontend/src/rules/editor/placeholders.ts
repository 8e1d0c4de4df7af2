/**
 * Placeholders in string params (`{object.text}`, `{payload.x}`, `{steps.<id>.output.<key>}`, `{item}`) and
 * their preview: the text with each placeholder filled from a sample of what the run's trigger carries.
 * Pure functions, no React.
 *
 * The server fills `{a.b.c}` from the run's trigger payload (`event`, `object_type`, `object`, `changes` for an
 * event; `payload` for a manual or webhook trigger) and leaves a placeholder it cannot fill as written.
 * `{steps.…}` and loop items are only known while the run goes.
 */
import type { StepDraft } from "../draft";
import type { Trigger } from "../types";
import { childLists } from "./blocks";

/** What the editor detects as a placeholder (wider than what the server fills, so typos are shown). */
const DETECT = /\{([A-Za-z_][\w-]*(?:\.[\w-]+)*)\}/g;
/** What the server fills (rules/context.py `PLACEHOLDER`, plus the ids `steps.<id>` may have). */
const FILLABLE = /^[a-z_]+(?:\.[a-z0-9_-]+)*$/;

export type Segment =
  | { kind: "text"; text: string }
  /** Filled from the sample: `value` is the text the server would put there. */
  | { kind: "filled"; text: string; path: string; value: string }
  /** Filled while the run goes (a step's output, the loop's item). */
  | { kind: "runtime"; text: string; path: string; reason: string }
  /** Not in the sample: the server leaves it as written (unless the trigger's payload has it, for `payload.…`). */
  | { kind: "unknown"; text: string; path: string; reason: string };

export interface PreviewOptions {
  /** Names a loop gives its item (`as`), besides `item`. */
  loopVars?: readonly string[];
  /** Ids of the rule's entries (a `{steps.<id>…}` naming no entry is flagged). */
  stepIds?: ReadonlySet<string>;
  /** The trigger takes a free-form payload (manual, webhook): unknown `payload.…` may still come. */
  openPayload?: boolean;
}

const DETECT_ONE = new RegExp(DETECT.source);

export function hasPlaceholders(text: string): boolean {
  return DETECT_ONE.test(text);
}

/** The text cut into plain text and placeholders, each with what the preview shows for it. */
export function previewTemplate(text: string, sample: Record<string, unknown>, options: PreviewOptions = {}): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(DETECT)) {
    const start = match.index ?? 0;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push(placeholder(match[0], match[1] as string, sample, options));
    last = start + match[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

function placeholder(text: string, path: string, sample: Record<string, unknown>, options: PreviewOptions): Segment {
  const parts = path.split(".");
  const root = parts[0] as string;
  const loopVars = new Set(["item", "item_index", ...(options.loopVars ?? [])]);
  if (root === "steps") {
    const id = parts[1];
    if (id && options.stepIds && !options.stepIds.has(id)) {
      return { kind: "unknown", text, path, reason: `no step has the id “${id}”: stays as written` };
    }
    return { kind: "runtime", text, path, reason: "filled when the run reaches this step" };
  }
  if (loopVars.has(root)) return { kind: "runtime", text, path, reason: "filled for each item when the run reaches this step" };
  if (!FILLABLE.test(path)) return { kind: "unknown", text, path, reason: "not a placeholder the server fills (lower-case names only): stays as written" };
  const found = lookup(sample, parts);
  if (found.ok) return { kind: "filled", text, path, value: pythonStr(found.value) };
  if (root === "payload" && options.openPayload) {
    return { kind: "unknown", text, path, reason: "filled when the trigger's payload has it; else stays as written" };
  }
  return { kind: "unknown", text, path, reason: "not in what the trigger carries: stays as written" };
}

function lookup(value: unknown, parts: readonly string[]): { ok: true; value: unknown } | { ok: false } {
  let node = value;
  for (const part of parts) {
    if (node === null || typeof node !== "object" || Array.isArray(node) || !(part in node)) return { ok: false };
    node = (node as Record<string, unknown>)[part];
  }
  return { ok: true, value: node };
}

/** How the server (Python's `str()`) writes a value into the text. */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
      .join(", ")}}`;
  }
  return pythonStr(value);
}

/**
 * What the server fills placeholders from, built from a conditions context (the Test panel's sample, or the
 * context of a real object it tested): an event's name, object and changes, or a manual / webhook payload.
 */
export function templateSample(trigger: Trigger, context: Record<string, unknown>): Record<string, unknown> {
  const event = (context.event ?? {}) as { name?: unknown; changes?: unknown };
  if (trigger.type === "event") {
    const name = typeof event.name === "string" && event.name ? event.name : (trigger.event ?? "");
    return { event: name, object_type: name.split(".")[0] ?? "", object: context.object ?? {}, changes: event.changes ?? {} };
  }
  return { payload: context.payload ?? {} };
}

/** Every name a for_each in the actions gives its item (`as`, and `<as>_index`). */
export function loopNames(actions: readonly StepDraft[]): string[] {
  const out = new Set<string>();
  const walk = (list: readonly StepDraft[]) =>
    list.forEach((entry) => {
      const name = entry.type === "for_each" ? entry.as?.trim() : undefined;
      if (name) out.add(name).add(`${name}_index`);
      for (const child of childLists(entry)) walk(child.list);
    });
  walk(actions);
  return [...out];
}
