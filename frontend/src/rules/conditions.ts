/**
 * Conditions: JSONLogic (what the API stores) ↔ react-querybuilder's query (what the visual builder
 * edits). Pure functions, no React.
 *
 * - Fields come from the chosen event's catalog entry; each is typed (number / boolean / text) so
 *   `formatQuery(…, "jsonlogic")` writes `1000`, not `"1000"`, for numeric fields.
 * - A JSONLogic rule the builder cannot show exactly (an operator it doesn't know, `var` defaults,
 *   arithmetic …) does not survive `logicToQuery` → `queryToLogic`; `visualSupport` says so, and the
 *   editor keeps it in raw mode instead of silently dropping parts of it.
 * - API paths (`conditions/and/1/>`) map to query paths (`[1]`) so errors and test results show on
 *   the rule they name.
 */
import type { FullField, FullOption, RuleGroupType, RuleType } from "react-querybuilder";
import { formatQuery } from "react-querybuilder/formatQuery";
import { parseJsonLogic } from "react-querybuilder/parseJsonLogic";

import { deepEqual } from "./json";
import type { EventType, JsonLogic, Trigger } from "./types";

export { deepEqual };

export type FieldKind = "number" | "boolean" | "text";

/** Object fields of the domain models (and run events) that hold numbers. */
const NUMERIC_OBJECT_FIELDS = new Set([
  "id",
  "site",
  "volume",
  "difficulty",
  "cluster",
  "idea",
  "content",
  "position",
  "word_count",
  "seo_score",
  "target_word_count",
  "total_credits_used",
  "rule",
]);
const BOOLEAN_OBJECT_FIELDS = new Set(["disabled"]);
const NUMERIC_PATHS = new Set(["site.id", "account.id", "event.depth"]);

/** The type of a context path, e.g. `object.volume` → number. */
export function fieldKind(path: string): FieldKind {
  if (NUMERIC_PATHS.has(path)) return "number";
  const match = /^object\.(\w+)$/.exec(path);
  const leaf = match?.[1] ?? (path.startsWith("event.changes.") ? path.split(".")[2] : undefined);
  if (leaf && NUMERIC_OBJECT_FIELDS.has(leaf)) return "number";
  if (leaf && BOOLEAN_OBJECT_FIELDS.has(leaf)) return "boolean";
  return "text";
}

const OPERATORS: Record<FieldKind, FullOption<string>[]> = {
  number: [
    { name: "=", value: "=", label: "=" },
    { name: "!=", value: "!=", label: "≠" },
    { name: ">", value: ">", label: ">" },
    { name: ">=", value: ">=", label: "≥" },
    { name: "<", value: "<", label: "<" },
    { name: "<=", value: "<=", label: "≤" },
    { name: "between", value: "between", label: "between" },
    { name: "notBetween", value: "notBetween", label: "not between" },
    { name: "in", value: "in", label: "is one of" },
    { name: "notIn", value: "notIn", label: "is not one of" },
    { name: "null", value: "null", label: "is empty" },
    { name: "notNull", value: "notNull", label: "is not empty" },
  ],
  text: [
    { name: "=", value: "=", label: "equals" },
    { name: "!=", value: "!=", label: "does not equal" },
    { name: "contains", value: "contains", label: "contains" },
    { name: "doesNotContain", value: "doesNotContain", label: "does not contain" },
    { name: "in", value: "in", label: "is one of" },
    { name: "notIn", value: "notIn", label: "is not one of" },
    { name: "null", value: "null", label: "is empty" },
    { name: "notNull", value: "notNull", label: "is not empty" },
  ],
  boolean: [
    { name: "=", value: "=", label: "is" },
    { name: "!=", value: "!=", label: "is not" },
  ],
};

/** A builder field for a context path. */
export function makeField(path: string): FullField {
  const kind = fieldKind(path);
  const base: FullField = { name: path, value: path, label: path, operators: OPERATORS[kind] };
  if (kind === "number") return { ...base, inputType: "number", defaultValue: 0 };
  if (kind === "boolean") return { ...base, valueEditorType: "checkbox", defaultValue: true, defaultOperator: "=" };
  return base;
}

/** Context paths any trigger's conditions can read. */
const COMMON_PATHS = ["site.id", "site.domain", "account.id", "now"];

/**
 * The fields the builder offers for a trigger: the event's catalog fields (the object's fields,
 * `event.name`, …; `event.changes` is split into old/new per watched field), the common context
 * for other triggers, plus every path the current conditions already use.
 */
export function fieldsFor(trigger: Trigger, events: readonly EventType[], logic: unknown, extra: readonly string[] = []): FullField[] {
  const paths: string[] = [];
  const event = trigger.type === "event" ? events.find((e) => e.name === trigger.event) : undefined;
  if (event) {
    for (const path of event.fields) {
      if (path === "event.changes") {
        const changed = event.name.endsWith(".status_changed") ? ["status"] : (trigger.fields ?? []);
        for (const name of changed) paths.push(`event.changes.${name}.old`, `event.changes.${name}.new`);
      } else {
        paths.push(path);
      }
    }
  } else {
    if (trigger.type === "manual" || trigger.type === "webhook") paths.push("payload");
    paths.push(...COMMON_PATHS);
  }
  paths.push(...collectVars(logic), ...extra);
  return [...new Set(paths)].map(makeField);
}

/** Every `var` name in a JSONLogic expression. */
export function collectVars(logic: unknown): string[] {
  const out = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === "object") {
      for (const [op, args] of Object.entries(node)) {
        if (op === "var") {
          const name = Array.isArray(args) ? args[0] : args;
          if (typeof name === "string" && name) out.add(name);
        } else walk(args);
      }
    }
  };
  walk(logic);
  return [...out];
}

export const EMPTY_QUERY: RuleGroupType = { combinator: "and", rules: [] };

/** JSONLogic → builder query (null / `{}` → an empty group). */
export function logicToQuery(logic: unknown, fields: FullField[]): RuleGroupType {
  if (logic === null || logic === undefined || isEmptyObject(logic)) return { ...EMPTY_QUERY, rules: [] };
  return parseJsonLogic(logic as Parameters<typeof parseJsonLogic>[0], { fields });
}

/** Builder query → JSONLogic (an empty query → null: the rule always fires). */
export function queryToLogic(query: RuleGroupType, fields: FullField[]): JsonLogic | null {
  const out = formatQuery(query, { format: "jsonlogic", fields, parseNumbers: "strict-limited" }) as unknown;
  if (out === false || out === null || out === undefined || isEmptyObject(out)) return null;
  const logic = out as JsonLogic;
  // A single condition needs no `and` around it: `{">": …}` reads better than `{"and": [{">": …}]}`.
  const keys = Object.keys(logic);
  if (keys.length === 1 && (keys[0] === "and" || keys[0] === "or")) {
    const items = logic[keys[0] as string];
    if (Array.isArray(items) && items.length === 1 && isObject(items[0])) return items[0] as JsonLogic;
  }
  return logic;
}

export interface VisualSupport {
  ok: boolean;
  query: RuleGroupType;
  reason?: string;
}

/** Whether the builder can show `logic` exactly (it round-trips unchanged), and the query if so. */
export function visualSupport(logic: unknown, fields: FullField[]): VisualSupport {
  if (logic === null || logic === undefined || isEmptyObject(logic)) return { ok: true, query: { ...EMPTY_QUERY, rules: [] } };
  if (!isObject(logic)) return { ok: false, query: EMPTY_QUERY, reason: "The conditions are not a JSONLogic object." };
  let query: RuleGroupType;
  try {
    query = logicToQuery(logic, fields);
  } catch {
    return { ok: false, query: EMPTY_QUERY, reason: "The visual builder cannot read these conditions." };
  }
  const back = queryToLogic(query, fields);
  if (!deepEqual(canonical(back), canonical(logic))) {
    return {
      ok: false,
      query,
      reason: "These conditions use JSONLogic the visual builder cannot show exactly; edit them as JSON.",
    };
  }
  return { ok: true, query };
}

/** Parse the raw-mode textarea: JSON text → JSONLogic (empty text → null). */
export function parseLogicText(text: string): { ok: true; logic: JsonLogic | null } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "null") return { ok: true, logic: null };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value) && !Array.isArray(value)) return { ok: false, error: "Conditions must be a JSONLogic object (or null)." };
  if (isObject(value) && Object.keys(value).length > 1)
    return { ok: false, error: "A JSONLogic operation has exactly one key, e.g. {\">\": [{\"var\": \"object.volume\"}, 1000]}." };
  return { ok: true, logic: value as JsonLogic };
}

export function logicToText(logic: unknown): string {
  return logic === null || logic === undefined ? "" : JSON.stringify(logic, null, 2);
}

// --- paths ---------------------------------------------------------------------------------------

/** `conditions/and/1/>: message` → the path and the message. */
export function splitConditionMessage(message: string): { path: string | null; message: string } {
  const match = /^(conditions(?:\/[^\s:]+)*):\s*(.*)$/s.exec(message);
  return match ? { path: match[1] as string, message: match[2] as string } : { path: null, message };
}

const GROUP_OPS = new Set(["and", "or"]);

/**
 * The builder path (indexes into nested `rules`) of the node an API path names:
 * `conditions/and/1/>` → [1]; `conditions/and/0/or/2` → [0, 2]; a single comparison at the root → [0].
 * Null when the path is outside what the builder shows.
 */
export function logicPathToQueryPath(logic: unknown, path: string): number[] | null {
  const segments = path.split("/");
  if (segments[0] !== "conditions" || !isObject(logic)) return null;
  let node: unknown = logic;
  const out: number[] = [];
  let rootIsGroup = isGroupNode(node);
  let i = 1;
  // A negated root group: {"!": {"and": [...]}} is the builder's root group with `not`.
  if (!rootIsGroup && opOf(node) === "!" && segments[1] === "!" && segments[2] === "0") {
    const inner = argsOf(node)[0];
    if (isGroupNode(inner)) {
      node = inner;
      rootIsGroup = true;
      i = 3;
    }
  }
  if (!rootIsGroup) return [0];
  while (i + 1 < segments.length) {
    const op = segments[i] as string;
    const index = Number(segments[i + 1]);
    if (!GROUP_OPS.has(op) || opOf(node) !== op || !Number.isInteger(index)) break;
    const child = argsOf(node)[index];
    if (child === undefined) return null;
    out.push(index);
    node = child;
    i += 2;
    if (opOf(node) === "!" && segments[i] === "!" && segments[i + 1] === "0" && isGroupNode(argsOf(node)[0])) {
      node = argsOf(node)[0];
      i += 2;
    }
    if (!isGroupNode(node)) break;
  }
  return out;
}

/** Walk a query by path: the rule or group at [1, 0]. */
export function nodeAt(query: RuleGroupType, path: number[]): RuleType | RuleGroupType | null {
  let node: RuleType | RuleGroupType = query;
  for (const index of path) {
    if (!("rules" in node)) return null;
    const next: RuleType | RuleGroupType | string | undefined = node.rules[index];
    if (next === undefined || typeof next === "string") return null;
    node = next;
  }
  return node;
}

export type NodeOutcome = "true" | "false" | "error";

/**
 * Per builder node (by id), what the test trace says: the comparison was true, false, or failed.
 * Groups are included too (their `and`/`or` result).
 */
export function traceOutcomes(
  logic: unknown,
  query: RuleGroupType,
  trace: readonly { path: string; result?: unknown; error?: string }[],
): Map<string, NodeOutcome> {
  const out = new Map<string, NodeOutcome>();
  for (const entry of trace) {
    const qpath = logicPathToQueryPath(logic, entry.path);
    if (qpath === null) continue;
    const node = nodeAt(query, qpath);
    if (!node?.id) continue;
    out.set(node.id, entry.error !== undefined ? "error" : entry.result ? "true" : "false");
  }
  return out;
}

// --- sample context ------------------------------------------------------------------------------

/** A sample context for "Test": the event's fields with placeholder values of the right type. */
export function sampleContext(trigger: Trigger, events: readonly EventType[], site?: { id: number; domain: string } | null) {
  const event = trigger.type === "event" ? events.find((e) => e.name === trigger.event) : undefined;
  const sample: Record<string, Record<string, unknown>> = {};
  if (event) {
    const object: Record<string, unknown> = {};
    for (const path of event.fields) {
      if (!path.startsWith("object.")) continue;
      const name = path.slice("object.".length);
      const kind = fieldKind(path);
      object[name] = kind === "number" ? (name === "site" ? (site?.id ?? 1) : 0) : kind === "boolean" ? false : "";
    }
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    const watched = event.name.endsWith(".status_changed") ? ["status"] : (trigger.fields ?? []);
    for (const name of watched) changes[name] = { old: object[name] ?? null, new: object[name] ?? null };
    sample.event = { name: event.name, changes };
    sample.object = object;
  } else {
    sample.payload = {};
  }
  return sample;
}

// --- helpers -------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isEmptyObject(value: unknown): boolean {
  return (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
}

function opOf(node: unknown): string | null {
  if (!isObject(node)) return null;
  const keys = Object.keys(node);
  return keys.length === 1 ? (keys[0] as string) : null;
}

function argsOf(node: unknown): unknown[] {
  const op = opOf(node);
  if (op === null) return [];
  const args = (node as Record<string, unknown>)[op];
  return Array.isArray(args) ? args : [args];
}

function isGroupNode(node: unknown): boolean {
  const op = opOf(node);
  return op !== null && GROUP_OPS.has(op);
}

/** Normalise what JSONLogic treats as the same: `{"!": x}` ≡ `{"!": [x]}`; `"1000"` stays a string. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const unary = (key === "!" || key === "!!" || key === "var") && !Array.isArray(inner);
      out[key] = canonical(unary ? [inner] : inner);
    }
    return out;
  }
  return value;
}
