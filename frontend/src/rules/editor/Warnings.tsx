/**
 * The saved rule's `warnings` (path → messages: saved, but probably a mistake, e.g. a condition on a field
 * the trigger's object doesn't have). They are mapped like the API's errors (`mapRuleErrors`) and shown at
 * their place in a warning style; they never block a save.
 */
import type { StepErrors, RuleErrors } from "../errors";
import { ownFields } from "../errors";
import "./extras.css";

/** A field of an entry, as a person reads it: `if` → "Run only if", `cases.1.condition` → "Case 2 condition". */
export function warningFieldLabel(key: string): string {
  if (key === "") return "";
  if (key === "if") return "Run only if";
  if (key === "condition") return "Condition";
  if (key === "items") return "Items";
  const kase = /^cases\.(\d+)\.condition$/.exec(key);
  if (kase) return `Case ${Number(kase[1]) + 1} condition`;
  return key;
}

/** One line per warning the editor has no other place for (rule fields, the actions list, the rest). */
export function otherWarnings(warnings: RuleErrors): string[] {
  const out: string[] = [];
  for (const [key, messages] of Object.entries(warnings.fields)) for (const m of messages) out.push(`${key}: ${m}`);
  for (const m of warnings.actions) out.push(`Actions: ${m}`);
  out.push(...warnings.other);
  return out;
}

export function WarningList({ messages, testId, title }: { messages: readonly string[]; testId: string; title?: string }) {
  if (!messages.length) return null;
  return (
    <div className="rl-inline-warning rl-warnings" role="status" data-testid={testId}>
      <strong>{title ?? (messages.length === 1 ? "Saved, but probably a mistake:" : "Saved, but probably mistakes:")}</strong>
      <ul>
        {messages.map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    </div>
  );
}

/** An entry's own warnings (not those of entries nested in it), each with its field. */
export function EntryWarnings({ warnings }: { warnings: StepErrors | undefined }) {
  const lines = ownFields(warnings).flatMap(([key, messages]) => messages.map((m) => (key ? `${warningFieldLabel(key)}: ${m}` : m)));
  return <WarningList messages={lines} testId="entry-warnings" />;
}
