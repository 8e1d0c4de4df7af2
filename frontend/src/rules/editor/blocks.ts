/**
 * The rule language of issue 14 as the editor sees it: which `type` values are control blocks, a fresh
 * entry of each kind, the nested lists of an entry, the conversions API ⇄ draft (nothing the editor has no
 * field for is dropped), and the ids the server generates for entries without one
 * (`step-<n>` at the top, `<parent id>-<list>-<n>` inside, e.g. `step-2-then-1`, `par-branches-1-2`).
 */
import type { CaseDraft, StepDraft } from "../draft";
import type { ActionStep, JsonLogic } from "../types";

export const CONTROL_TYPES = ["if", "switch", "for_each", "parallel", "wait", "call_rule", "stop"] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];

export function isControl(type: string): type is ControlType {
  return (CONTROL_TYPES as readonly string[]).includes(type);
}

let counter = 0;
/** A client-side key for React lists and drag and drop (never sent). */
export function newKey(): string {
  counter += 1;
  return `step-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

export type BlockKind = "if" | "switch" | "for_each" | "parallel" | "wait_duration" | "wait_event" | "wait_approval" | "call_rule" | "stop";

export const BLOCK_KINDS: { kind: BlockKind; label: string; description: string }[] = [
  { kind: "if", label: "If / else", description: "Run one list or the other, by a condition." },
  { kind: "switch", label: "Switch", description: "Run the first case whose condition holds, else the default." },
  { kind: "for_each", label: "For each", description: "Run steps once per item of a list." },
  { kind: "parallel", label: "Parallel", description: "Run branches at the same time." },
  { kind: "wait_duration", label: "Wait for a time", description: "Pause the run for a number of seconds." },
  { kind: "wait_event", label: "Wait for an event", description: "Pause until an event comes (or a timeout)." },
  { kind: "wait_approval", label: "Wait for approval", description: "Pause until a person approves or rejects." },
  { kind: "call_rule", label: "Call a rule", description: "Run another rule of the account as a child run." },
  { kind: "stop", label: "Stop", description: "End the run here, completed or failed." },
];

export const CONTROL_LABELS: Record<ControlType, string> = {
  if: "If / else",
  switch: "Switch",
  for_each: "For each",
  parallel: "Parallel",
  wait: "Wait",
  call_rule: "Call a rule",
  stop: "Stop",
};

export function newAction(type: string): StepDraft {
  return { key: newKey(), type, params: {}, on_error: "stop" };
}

export function newCase(): CaseDraft {
  return { key: newKey(), condition: null, do: [] };
}

export function newBlock(kind: BlockKind): StepDraft {
  const base = { key: newKey(), params: {} };
  switch (kind) {
    case "if":
      return { ...base, type: "if", condition: null, then: [], else: [] };
    case "switch":
      return { ...base, type: "switch", cases: [newCase()], default: [] };
    case "for_each":
      return { ...base, type: "for_each", items: { var: "object.keywords" }, as: "item", concurrency: 1, do: [] };
    case "parallel":
      return { ...base, type: "parallel", branches: [[], []], join: "all" };
    case "wait_duration":
      return { ...base, type: "wait", for: "duration", seconds: 60 };
    case "wait_event":
      return { ...base, type: "wait", for: "event", event: "", condition: null, timeout: 3600 };
    case "wait_approval":
      return { ...base, type: "wait", for: "approval", prompt: "", timeout: 86400 };
    case "call_rule":
      return { ...base, type: "call_rule", rule: null, payload: {}, wait: true };
    case "stop":
      return { ...base, type: "stop", status: "completed", message: "" };
  }
}

/** One nested list of an entry: its path below the entry (`then`, `cases.1.do`, `branches.0`). */
export interface ChildList {
  suffix: string;
  label: string;
  list: StepDraft[];
  /** The part of a generated id: `then`, `cases-2`, `branches-1` (1-based). */
  idPart: string;
}

export function childLists(entry: StepDraft): ChildList[] {
  switch (entry.type) {
    case "if":
      return [
        { suffix: "then", label: "Then", list: entry.then ?? [], idPart: "then" },
        { suffix: "else", label: "Else", list: entry.else ?? [], idPart: "else" },
      ];
    case "switch":
      return [
        ...(entry.cases ?? []).map((c, i) => ({ suffix: `cases.${i}.do`, label: `Case ${i + 1}`, list: c.do, idPart: `cases-${i + 1}` })),
        { suffix: "default", label: "Default", list: entry.default ?? [], idPart: "default" },
      ];
    case "for_each":
      return [{ suffix: "do", label: "Do", list: entry.do ?? [], idPart: "do" }];
    case "parallel":
      return (entry.branches ?? []).map((b, i) => ({ suffix: `branches.${i}`, label: `Branch ${i + 1}`, list: b, idPart: `branches-${i + 1}` }));
    default:
      return [];
  }
}

// --- API ⇄ draft ---------------------------------------------------------------------------------

const COMMON = ["type", "id", "name", "if"];
const KNOWN: Record<string, string[]> = {
  action: ["params", "on_error", "retry", "timeout"],
  if: ["condition", "then", "else"],
  switch: ["cases", "default"],
  for_each: ["items", "as", "concurrency", "do"],
  parallel: ["branches", "join"],
  wait: ["for", "seconds", "event", "condition", "timeout", "prompt"],
  call_rule: ["rule", "payload", "wait"],
  stop: ["status", "message"],
};

type Raw = Record<string, unknown>;

function asList(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}

export function toDraftEntries(list: readonly unknown[]): StepDraft[] {
  return list.map((raw) => toDraftEntry((raw ?? {}) as Raw));
}

/** An entry of a rule's `actions` (any depth) → its draft. */
export function toDraftEntry(raw: Raw): StepDraft {
  const type = typeof raw.type === "string" ? raw.type : "";
  const known = new Set([...COMMON, ...(KNOWN[isControl(type) ? type : "action"] ?? [])]);
  const extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !known.has(k)));
  const own = Object.fromEntries(Object.entries(raw).filter(([k]) => known.has(k)));
  const entry: StepDraft = { ...(own as unknown as StepDraft), key: newKey(), type, params: {} };
  if (Object.keys(extra).length) entry.extra = extra;
  if (!isControl(type)) {
    entry.params = { ...((raw.params as Record<string, unknown> | undefined) ?? {}) };
    return entry;
  }
  if (raw.then !== undefined) entry.then = toDraftEntries(asList(raw.then));
  if (raw.else !== undefined) entry.else = toDraftEntries(asList(raw.else));
  if (raw.do !== undefined) entry.do = toDraftEntries(asList(raw.do));
  if (raw.default !== undefined) entry.default = toDraftEntries(asList(raw.default));
  if (raw.cases !== undefined)
    entry.cases = asList(raw.cases).map((c) => ({ key: newKey(), condition: (c.condition ?? null) as JsonLogic | null, do: toDraftEntries(asList(c.do)) }));
  if (raw.branches !== undefined) entry.branches = (Array.isArray(raw.branches) ? raw.branches : []).map((b) => toDraftEntries(asList(b)));
  return entry;
}

/** An action entry as the API takes it. */
export function cleanAction(step: ActionStep): ActionStep {
  const out: ActionStep = { type: step.type, params: step.params ?? {} };
  if (step.name?.trim()) out.name = step.name.trim();
  out.on_error = step.on_error ?? "stop";
  if (step.retry && (step.retry.max > 0 || step.retry.backoff !== 2)) out.retry = { max: step.retry.max, backoff: step.retry.backoff };
  if (step.timeout !== null && step.timeout !== undefined && !Number.isNaN(step.timeout)) out.timeout = step.timeout;
  return out;
}

function set(out: Raw, key: string, value: unknown) {
  if (value !== undefined && value !== null && !(typeof value === "number" && Number.isNaN(value))) out[key] = value;
}

/** Any entry (action or control block, with its nested lists) as the API takes it. */
export function cleanEntry(entry: StepDraft): Raw {
  const out: Raw = { ...(entry.extra ?? {}) };
  if (entry.id?.trim()) out.id = entry.id.trim();
  if (!isControl(entry.type)) Object.assign(out, cleanAction(entry));
  else {
    out.type = entry.type;
    if (entry.name?.trim()) out.name = entry.name.trim();
    Object.assign(out, controlFields(entry));
  }
  if (entry.if !== undefined && entry.if !== null) out.if = entry.if;
  return out;
}

function controlFields(e: StepDraft): Raw {
  const out: Raw = {};
  const list = (items: StepDraft[] | undefined) => (items ?? []).map(cleanEntry);
  switch (e.type) {
    case "if":
      out.condition = e.condition ?? null;
      out.then = list(e.then);
      if (e.else !== undefined) out.else = list(e.else);
      break;
    case "switch":
      out.cases = (e.cases ?? []).map((c) => ({ condition: c.condition ?? null, do: list(c.do) }));
      if (e.default !== undefined) out.default = list(e.default);
      break;
    case "for_each":
      out.items = e.items ?? null;
      set(out, "as", e.as === "" ? undefined : e.as);
      set(out, "concurrency", e.concurrency);
      out.do = list(e.do);
      break;
    case "parallel":
      out.branches = (e.branches ?? []).map((b) => list(b));
      set(out, "join", e.join);
      break;
    case "wait":
      out.for = e.for ?? "duration";
      if (out.for === "duration") set(out, "seconds", e.seconds);
      if (out.for === "event") {
        out.event = e.event ?? "";
        set(out, "condition", e.condition);
      }
      if (out.for === "approval") out.prompt = e.prompt ?? "";
      if (out.for !== "duration") set(out, "timeout", e.timeout);
      break;
    case "call_rule":
      out.rule = e.rule ?? null;
      set(out, "payload", e.payload);
      set(out, "wait", e.wait);
      break;
    case "stop":
      out.status = e.status ?? "completed";
      if (e.message) out.message = e.message;
      break;
  }
  return out;
}

// --- ids -----------------------------------------------------------------------------------------

/** Each entry's id (its own, or the one the server generates) by draft key. */
export function effectiveIds(actions: readonly StepDraft[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (list: readonly StepDraft[], idFor: (n: number) => string) =>
    list.forEach((entry, i) => {
      const id = entry.id?.trim() || idFor(i + 1);
      out.set(entry.key, id);
      for (const child of childLists(entry)) walk(child.list, (n) => `${id}-${child.idPart}-${n}`);
    });
  walk(actions, (n) => `step-${n}`);
  return out;
}

/** Entries in the whole tree (the API limits the total). */
export function countEntries(actions: readonly StepDraft[]): number {
  return actions.reduce((sum, entry) => sum + 1 + childLists(entry).reduce((s, c) => s + countEntries(c.list), 0), 0);
}

/** The pattern the API requires of an explicit id. */
export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** Whether an action type is used anywhere in the tree (e.g. a webhook step inside a block). */
export function usesActionType(actions: readonly StepDraft[], type: string): boolean {
  return actions.some((entry) => entry.type === type || childLists(entry).some((c) => usesActionType(c.list, type)));
}
