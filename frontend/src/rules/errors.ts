/**
 * The API answers a bad rule with 400 and messages keyed by dotted paths (`trigger.cron`,
 * `actions.1.params.url`, `actions.0.retry.max`, `conditions` with a `conditions/and/1/>: …`
 * message). `mapRuleErrors` sorts them to the place in the editor that shows each one:
 * rule fields, trigger fields, the conditions (with the node path), each step's own fields, and
 * each step's params as an @rjsf `ErrorSchema` (`{url: {__errors: [...]}}`).
 *
 * Entries nested in control blocks (issue 14) have longer paths (`actions.2.then.0.params.url`,
 * `actions.1.do.0.type`, `actions.0.cases.1.condition`, `actions.3.branches.1.0.timeout`): each is kept
 * under its entry's path in `entries` (the editor finds the entry there), and under its top-level step
 * with the rest of the path as the field (`then.0.params.url`), so the step is marked and the summary lists it.
 */
import type { FieldErrors } from "../api/client";
import { splitConditionMessage } from "./conditions";

/** An @rjsf ErrorSchema: nested by property / array index, messages under `__errors`. */
export interface ErrorSchema {
  __errors?: string[];
  [key: string]: ErrorSchema | string[] | undefined;
}

export interface StepErrors {
  /** `type`, `name`, `on_error`, `timeout`, `retry`, `retry.max`, `retry.backoff`, `params` (root), or the step itself (`""`). */
  fields: Record<string, string[]>;
  params: ErrorSchema;
}

export interface ConditionError {
  /** The API's node path (`conditions/and/1/>`), when the message names one. */
  path: string | null;
  message: string;
}

export interface RuleErrors {
  /** Rule and trigger fields by their API key: `name`, `mode`, `max_runs`, `trigger.cron`, `trigger.event`, … */
  fields: Record<string, string[]>;
  conditions: ConditionError[];
  /** Errors about the whole list (`actions`: "must be a non-empty list of steps"). */
  actions: string[];
  steps: Record<number, StepErrors>;
  /** Every entry's errors (top-level and nested) by its dotted path: `actions.2`, `actions.2.then.0`. */
  entries: Record<string, StepErrors>;
  /** `detail`, `non_field_errors` and keys the editor has no field for. */
  other: string[];
  count: number;
}

const GENERAL_KEYS = new Set(["detail", "non_field_errors"]);
const REQUIRED = /^'([^']+)' is a required property$/;

export function emptyRuleErrors(): RuleErrors {
  return { fields: {}, conditions: [], actions: [], steps: {}, entries: {}, other: [], count: 0 };
}

/** Rule-level keys the editor shows at a field. */
export const RULE_FIELD_KEYS = new Set([
  "name",
  "description",
  "site",
  "is_active",
  "is_shadow",
  "mode",
  "max_runs",
  "mode_scope",
  "allow_self_trigger",
  "budget_per_run",
  "trigger",
  "trigger.type",
  "trigger.cron",
  "trigger.timezone",
  "trigger.catch_up",
  "trigger.event",
  "trigger.fields",
]);

export function mapRuleErrors(errors: FieldErrors): RuleErrors {
  const out = emptyRuleErrors();
  for (const [key, messages] of Object.entries(errors)) {
    out.count += messages.length;
    if (GENERAL_KEYS.has(key)) {
      out.other.push(...messages);
      continue;
    }
    if (key === "conditions" || key.startsWith("conditions.")) {
      for (const message of messages) out.conditions.push(splitConditionMessage(message));
      continue;
    }
    if (key === "actions") {
      out.actions.push(...messages);
      continue;
    }
    const step = /^actions\.(\d+)(?:\.(.*))?$/.exec(key);
    if (step) {
      const index = Number(step[1]);
      const { entryPath, rest: field } = splitEntryPath(key);
      const top = (out.steps[index] ??= { fields: {}, params: {} });
      out.entries[`actions.${index}`] = top;
      if (entryPath === `actions.${index}`) {
        placeStepError(top, field, messages);
      } else {
        const target = (out.entries[entryPath] ??= { fields: {}, params: {} });
        placeStepError(target, field, messages);
        // the top-level step is marked too, and the summary reads "Step 3 · then.0.params.url"
        (top.fields[key.slice(`actions.${index}.`.length)] ??= []).push(...messages);
      }
      continue;
    }
    if (RULE_FIELD_KEYS.has(key) || key.startsWith("trigger.") || key === "credentials" || key.startsWith("credentials.")) {
      (out.fields[key] ??= []).push(...messages);
      continue;
    }
    out.other.push(...messages.map((message) => `${key}: ${message}`));
  }
  return out;
}

function placeStepError(target: StepErrors, rest: string, messages: readonly string[]): void {
  if (rest === "params" || rest.startsWith("params.")) {
    const path = rest === "params" ? [] : rest.slice("params.".length).split(".");
    for (const message of messages) {
      // JSON Schema reports a missing property at its parent; show it at the property's own input.
      const required = path.length === 0 ? REQUIRED.exec(message) : null;
      addToSchema(target.params, required ? [required[1] as string] : path, [message]);
    }
    (target.fields.params ??= []).push(...messages);
  } else {
    (target.fields[rest] ??= []).push(...messages);
  }
}

const LIST_NAMES = new Set(["then", "else", "do", "default"]);
const INDEX = /^\d+$/;

/**
 * A dotted error key → the path of the deepest entry it names and the field inside that entry:
 * `actions.2.then.0.params.url` → `actions.2.then.0` + `params.url`; `actions.0.cases.1.condition` →
 * `actions.0` + `cases.1.condition`; `actions.3.branches.1.0.timeout` → `actions.3.branches.1.0` + `timeout`.
 */
export function splitEntryPath(key: string): { entryPath: string; rest: string } {
  const parts = key.split(".");
  let end = 2; // "actions", "<i>"
  for (;;) {
    const [a, b, c, d] = parts.slice(end);
    if (a !== undefined && LIST_NAMES.has(a) && b !== undefined && INDEX.test(b)) end += 2;
    else if (a === "cases" && b !== undefined && INDEX.test(b) && c === "do" && d !== undefined && INDEX.test(d)) end += 4;
    else if (a === "branches" && b !== undefined && INDEX.test(b) && c !== undefined && INDEX.test(c)) end += 3;
    else break;
  }
  return { entryPath: parts.slice(0, end).join("."), rest: parts.slice(end).join(".") };
}

/** Put messages at a path inside an ErrorSchema: `["headers", "X-Key"]` → `{headers: {"X-Key": {__errors}}}`. */
export function addToSchema(schema: ErrorSchema, path: readonly string[], messages: readonly string[]): void {
  let node = schema;
  for (const segment of path) {
    const next = node[segment];
    if (next === undefined || Array.isArray(next)) {
      const created: ErrorSchema = {};
      node[segment] = created;
      node = created;
    } else {
      node = next;
    }
  }
  node.__errors = [...(node.__errors ?? []), ...messages];
}

/** Messages for a rule field, or undefined. */
export function fieldError(errors: RuleErrors, key: string): string | undefined {
  const messages = errors.fields[key];
  return messages?.length ? messages.join(" ") : undefined;
}

/** Messages for a step field (`retry.max` also shows `retry`'s own messages). */
export function stepFieldError(errors: RuleErrors, index: number, key: string): string | undefined {
  const fields = errors.steps[index]?.fields;
  if (!fields) return undefined;
  const messages = [...(fields[key] ?? [])];
  return messages.length ? messages.join(" ") : undefined;
}

/** True when a step has any error (to open it and mark it in the list). */
export function stepHasErrors(errors: RuleErrors, index: number): boolean {
  const step = errors.steps[index];
  return !!step && Object.values(step.fields).some((messages) => messages.length > 0);
}

/** Step errors move with their step when the user reorders steps before saving again. */
export function reorderStepErrors(errors: RuleErrors, from: number, to: number): RuleErrors {
  const order = Object.keys(errors.steps).length ? [...Array(Math.max(from, to, ...Object.keys(errors.steps).map(Number)) + 1).keys()] : [];
  if (!order.length) return errors;
  const [moved] = order.splice(from, 1);
  order.splice(to, 0, moved as number);
  const steps: Record<number, StepErrors> = {};
  order.forEach((oldIndex, newIndex) => {
    const step = errors.steps[oldIndex];
    if (step) steps[newIndex] = step;
  });
  return { ...errors, steps };
}

/** Step errors after removing step `index`. */
export function removeStepErrors(errors: RuleErrors, index: number): RuleErrors {
  const steps: Record<number, StepErrors> = {};
  for (const [key, value] of Object.entries(errors.steps)) {
    const i = Number(key);
    if (i < index) steps[i] = value;
    else if (i > index) steps[i - 1] = value;
  }
  return { ...errors, steps };
}

/** One entry's messages for a field (`""` is the entry itself), or undefined. */
export function entryFieldError(step: StepErrors | undefined, key: string): string | undefined {
  const messages = step?.fields[key];
  return messages?.length ? messages.join(" ") : undefined;
}

/** True when an entry (or, for a top-level step, anything inside it) has an error. */
export function entryHasErrors(step: StepErrors | undefined): boolean {
  return !!step && Object.values(step.fields).some((messages) => messages.length > 0);
}

/** An entry's fields that belong to itself (not to entries nested in it), e.g. to list the ones without an input. */
export function ownFields(step: StepErrors | undefined): [string, string[]][] {
  return Object.entries(step?.fields ?? {}).filter(([key]) => key === "" || splitEntryPath(`actions.0.${key}`).entryPath === "actions.0");
}
