/**
 * What the rule editor knows beyond the actions tree, for the params forms deep inside it: the rule's
 * credential names (for a webhook's secret headers) and a sample of what its trigger carries (for the
 * placeholder preview). Provided by the rule editor page.
 */
import { createContext, useContext } from "react";

export interface RuleExtras {
  /** The credentials the rule has after the next save (saved ones, minus removed, plus added). */
  credentialNames: readonly string[];
  /** What placeholders are filled from (see `templateSample`), and where that sample comes from. */
  sample: { values: Record<string, unknown>; label: string; openPayload: boolean };
}

export const RuleExtrasContext = createContext<RuleExtras>({
  credentialNames: [],
  sample: { values: {}, label: "no sample", openPayload: true },
});

export function useRuleExtras(): RuleExtras {
  return useContext(RuleExtrasContext);
}
