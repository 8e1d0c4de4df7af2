/**
 * The editor's working copy of a rule ("draft") and the conversions around it:
 * API rule → draft, draft → the body the API takes, and reading a rule file for import (the server exports).
 */
import { cleanAction, cleanEntry, newKey, toDraftEntries } from "./editor/blocks";
import type { ActionStep, JsonLogic, Rule, RuleMode, RulePayload, Trigger } from "./types";

/**
 * One entry of the actions tree (issue 14): an action (`type`, `params`, `on_error`, `retry`, `timeout`) or a
 * control block (`if`, `switch`, `for_each`, `parallel`, `wait`, `call_rule`, `stop`) with its own fields and
 * nested lists. Control blocks keep an empty `params` in the draft (never sent), so every entry is an ActionStep.
 */
export interface StepDraft extends ActionStep {
  /** Stable client-side key for drag and drop and React lists (never sent). */
  key: string;
  id?: string;
  /** JSONLogic: the entry runs only when it holds (else it is recorded skipped). */
  if?: JsonLogic | null;
  condition?: JsonLogic | null;
  then?: StepDraft[];
  else?: StepDraft[];
  cases?: CaseDraft[];
  default?: StepDraft[];
  items?: unknown;
  as?: string;
  concurrency?: number | null;
  do?: StepDraft[];
  branches?: StepDraft[][];
  join?: "all" | "any";
  for?: "duration" | "event" | "approval";
  seconds?: number | null;
  event?: string;
  prompt?: string;
  rule?: number | null;
  payload?: Record<string, unknown> | null;
  wait?: boolean;
  status?: "completed" | "failed";
  message?: string;
  /** Keys the editor has no field for (kept and sent, so the API can judge them). */
  extra?: Record<string, unknown>;
}

export interface CaseDraft {
  key: string;
  condition: JsonLogic | null;
  do: StepDraft[];
}

export interface RuleDraft extends Omit<RulePayload, "actions" | "budget_per_run"> {
  /** Text field: "" means no budget. */
  budget_per_run: string;
  actions: StepDraft[];
}

export { newKey };

export function emptyDraft(siteId: number | null): RuleDraft {
  return {
    name: "",
    description: "",
    site: siteId,
    is_active: true,
    is_shadow: false,
    mode: "single",
    max_runs: 10,
    mode_scope: "rule",
    allow_self_trigger: false,
    budget_per_run: "",
    trigger: { type: "manual" },
    conditions: null,
    actions: [],
  };
}

/**
 * The mode a new rule starts with for its trigger: event rules queue (events come in bursts, and the API's
 * default for an event rule without a mode is `queued`); the others run one at a time.
 */
export function defaultModeFor(trigger: Pick<Trigger, "type">): RuleMode {
  return trigger.type === "event" ? "queued" : "single";
}

/**
 * The draft with a new trigger. A new rule whose mode nobody picked yet follows the trigger's default mode;
 * a saved rule, or a mode chosen by hand, stays as it is.
 */
export function withTrigger(draft: RuleDraft, trigger: Trigger, { followMode }: { followMode: boolean }): RuleDraft {
  return followMode ? { ...draft, trigger, mode: defaultModeFor(trigger) } : { ...draft, trigger };
}

export function ruleToDraft(rule: Pick<Rule, keyof RulePayload>): RuleDraft {
  return {
    name: rule.name,
    description: rule.description ?? "",
    site: rule.site ?? null,
    is_active: rule.is_active ?? true,
    is_shadow: rule.is_shadow ?? false,
    mode: rule.mode ?? "single",
    max_runs: rule.max_runs ?? 10,
    mode_scope: rule.mode_scope ?? "rule",
    allow_self_trigger: rule.allow_self_trigger ?? false,
    budget_per_run: rule.budget_per_run ?? "",
    trigger: { ...rule.trigger },
    conditions: rule.conditions ?? null,
    actions: toDraftEntries(rule.actions ?? []),
  };
}

/** Only the keys the API accepts for the trigger's type (it rejects the others). */
export function cleanTrigger(trigger: Trigger): Trigger {
  switch (trigger.type) {
    case "schedule": {
      const out: Trigger = { type: "schedule", cron: (trigger.cron ?? "").trim() };
      if (trigger.timezone) out.timezone = trigger.timezone;
      if (trigger.catch_up) out.catch_up = trigger.catch_up;
      return out;
    }
    case "event":
      return { type: "event", event: trigger.event ?? "", fields: [...(trigger.fields ?? [])] };
    default:
      return { type: trigger.type };
  }
}

/** An action entry as the API takes it (control blocks: see `cleanEntry`). */
export const cleanStep = cleanAction;

/** The body for POST/PUT rules/. */
export function draftToPayload(draft: RuleDraft): RulePayload {
  const budget = draft.budget_per_run.trim();
  return {
    name: draft.name.trim(),
    description: draft.description,
    site: draft.site,
    is_active: draft.is_active,
    is_shadow: draft.is_shadow,
    mode: draft.mode,
    max_runs: draft.max_runs,
    mode_scope: draft.mode_scope,
    allow_self_trigger: draft.allow_self_trigger,
    budget_per_run: budget === "" ? null : budget,
    trigger: cleanTrigger(draft.trigger),
    conditions: draft.conditions,
    // control blocks have no params: the payload type predates them
    actions: draft.actions.map(cleanEntry) as unknown as ActionStep[],
  };
}

/** Whether two drafts would save the same rule (keys and unused trigger fields don't count). */
export function sameRule(a: RuleDraft, b: RuleDraft): boolean {
  return stableStringify(draftToPayload(a)) === stableStringify(draftToPayload(b));
}

export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// --- export / import -----------------------------------------------------------------------------

export function exportFileName(rule: { name: string; id?: number }): string {
  const slug = rule.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
  return `rule-${slug || rule.id || "export"}.json`;
}

export type ImportResult = { ok: true; rules: Record<string, unknown>[] } | { ok: false; error: string };

/**
 * A rule file (one rule object, or a list of them) → the rules for POST rules/import/. A site that isn't one
 * of the account's sites becomes the current site. The API drops what it computes itself (ids, counters),
 * validates everything else, and its errors are shown as they come.
 */
export function parseImport(text: string, currentSite: number | null, knownSites: readonly number[]): ImportResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `The file is not valid JSON: ${(error as Error).message}` };
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return { ok: false, error: "The file holds no rules." };
  const rules: Record<string, unknown>[] = [];
  for (const [index, item] of items.entries()) {
    const where = items.length > 1 ? `Rule ${index + 1}: ` : "";
    if (item === null || typeof item !== "object" || Array.isArray(item)) return { ok: false, error: `${where}expected a rule object.` };
    const source = item as Record<string, unknown>;
    if (typeof source.name !== "string" || !source.trigger || !Array.isArray(source.actions)) {
      return { ok: false, error: `${where}a rule needs "name", "trigger" and "actions".` };
    }
    const out: Record<string, unknown> = { ...source };
    const site = out.site;
    if (!(site === null || (typeof site === "number" && knownSites.includes(site)))) out.site = currentSite;
    rules.push(out);
  }
  return { ok: true, rules };
}

export interface ImportErrors {
  /** Messages per rule of the file (its index), each "where: message". */
  byRule: Record<number, string[]>;
  /** Messages about the whole import (the rule limit, the request). */
  other: string[];
}

/** An import's 400 (`rules.<i>.<field path>`, flattened) → each rule's messages, in words a person reads. */
export function importErrors(fieldErrors: Record<string, string[]>): ImportErrors {
  const out: ImportErrors = { byRule: {}, other: [] };
  for (const [key, messages] of Object.entries(fieldErrors)) {
    const match = /^rules\.(\d+)(?:\.(.+))?$/.exec(key);
    if (!match) {
      out.other.push(...messages.map((m) => (key === "detail" || key === "non_field_errors" || key === "rules" ? m : `${key}: ${m}`)));
      continue;
    }
    const index = Number(match[1]);
    const where = readablePath(match[2] ?? "");
    (out.byRule[index] ??= []).push(...messages.map((m) => (where ? `${where}: ${m}` : m)));
  }
  return out;
}

/** "actions.0.params.url" → "step 1 · params.url"; "trigger.cron" stays; "non_field_errors" → "". */
function readablePath(path: string): string {
  if (path === "non_field_errors" || path === "detail") return "";
  const step = /^actions\.(\d+)(?:\.(.+))?$/.exec(path);
  if (step) return `step ${Number(step[1]) + 1}${step[2] ? ` · ${step[2]}` : ""}`;
  return path;
}
