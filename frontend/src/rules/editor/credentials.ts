/**
 * A rule's credentials: write-only secrets its steps use by name (a webhook's `secret_headers`). The API
 * returns only their names (`credential_names`); the editor keeps the changes of this session (a value sets
 * one, null removes it) and sends them with the next save as `credentials`. Pure functions.
 */
import type { StepDraft } from "../draft";
import { childLists, effectiveIds } from "./blocks";

export const CREDENTIAL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export type CredentialChanges = Record<string, string | null>;

/** The names the rule has after the next save. */
export function credentialNamesAfter(saved: readonly string[], changes: CredentialChanges): string[] {
  const names = new Set(saved);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) names.delete(name);
    else names.add(name);
  }
  return [...names].sort();
}

/** Why a new credential's name can't be added, or null. */
export function credentialNameProblem(name: string, existing: readonly string[]): string | null {
  if (!name) return "Give it a name.";
  if (!CREDENTIAL_NAME.test(name)) return "Lower-case letters, digits and _, starting with a letter (at most 64).";
  if (existing.includes(name)) return "The rule has a credential with this name already: replace its value instead.";
  return null;
}

/** Each credential name → where the steps use it ("step-2 (Authorization)"). */
export function credentialUsage(actions: readonly StepDraft[]): Map<string, string[]> {
  const ids = effectiveIds(actions);
  const out = new Map<string, string[]>();
  const walk = (list: readonly StepDraft[]) =>
    list.forEach((entry) => {
      const secret = entry.params?.secret_headers;
      if (secret && typeof secret === "object" && !Array.isArray(secret)) {
        for (const [header, name] of Object.entries(secret as Record<string, unknown>)) {
          if (typeof name === "string") out.set(name, [...(out.get(name) ?? []), `${ids.get(entry.key) ?? entry.type} (${header})`]);
        }
      }
      for (const child of childLists(entry)) walk(child.list);
    });
  walk(actions);
  return out;
}
