/**
 * The rule editor's state besides the draft: credential changes (sent with the next save), the saved
 * rule's credential names and warnings, and the sample the placeholder preview fills from (the last
 * conditions test, else the trigger's sample context).
 */
import { useCallback, useMemo, useState } from "react";

import { sampleContext } from "../conditions";
import { mapRuleErrors, type RuleErrors } from "../errors";
import type { EventType, Rule, RulePayload, Trigger } from "../types";
import { credentialNamesAfter, type CredentialChanges } from "./credentials";
import type { RuleExtras } from "./extras";
import { templateSample } from "./placeholders";

type Saved = Pick<Rule, "credential_names" | "warnings"> | null;

export type PayloadWithCredentials = RulePayload & { credentials?: CredentialChanges };

export function useEditorExtras(saved: Saved, trigger: Trigger, events: readonly EventType[], site: { id: number; domain: string } | null) {
  const [changes, setChanges] = useState<CredentialChanges>({});
  const [names, setNames] = useState<string[]>(() => [...(saved?.credential_names ?? [])]);
  const [warnings, setWarnings] = useState<RuleErrors>(() => mapRuleErrors(saved?.warnings ?? {}));
  const [tested, setTested] = useState<{ context: Record<string, unknown>; label: string; trigger: string } | null>(null);
  const changed = Object.keys(changes).length > 0;
  const triggerKey = `${trigger.type}:${trigger.event ?? ""}`;

  const extras = useMemo<RuleExtras>(() => {
    const openPayload = trigger.type !== "event";
    const sample =
      tested && tested.trigger === triggerKey
        ? { values: templateSample(trigger, tested.context), label: tested.label, openPayload }
        : {
            values: templateSample(trigger, sampleContext(trigger, events, site)),
            label: trigger.type === "event" ? `a sample ${trigger.event || "event"} (test the conditions for real values)` : "an empty sample payload",
            openPayload,
          };
    return { credentialNames: credentialNamesAfter(names, changes), sample };
  }, [names, changes, tested, triggerKey, trigger, events, site]);

  /** After a save or a restore: the rule's names and warnings now; the changes were sent. */
  const adopt = useCallback((rule: Saved) => {
    setChanges({});
    setNames([...(rule?.credential_names ?? [])]);
    setWarnings(mapRuleErrors(rule?.warnings ?? {}));
  }, []);

  return {
    /** Credential changes not saved yet (name → value, or null to remove). */
    changes,
    setChanges,
    /** The saved rule's credential names. */
    names,
    changed,
    warnings,
    extras,
    adopt,
    discard: useCallback(() => setChanges({}), []),
    onSample: useCallback((context: Record<string, unknown>, label: string) => setTested({ context, label, trigger: triggerKey }), [triggerKey]),
    /** The save's body: the draft's payload plus the changed credentials. */
    withCredentials: (payload: RulePayload): PayloadWithCredentials => (changed ? { ...payload, credentials: changes } : payload),
  };
}
