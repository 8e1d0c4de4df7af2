/**
 * A JSONLogic expression as JSON text (a block's condition, a loop's items, an entry's `if`). The value
 * changes only when the text parses; until then the parse error shows under the field.
 */
import { useEffect, useId, useState } from "react";

import { deepEqual } from "../json";
import { FieldError } from "../ui";

interface Props {
  label: string;
  value: unknown;
  onChange: (value: never) => void;
  error?: string;
  help?: string;
  testId?: string;
  /** Accept any JSON value (a loop's items may be a list), not only an operation object. */
  anyJson?: boolean;
  rows?: number;
}

function toText(value: unknown): string {
  return value === null || value === undefined ? "" : JSON.stringify(value);
}

/** JSON text → the value, or the problem. Empty text is null. */
export function parseJsonLogic(text: string, anyJson = false): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (anyJson) return { ok: true, value };
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, error: 'Expected a JSONLogic object, e.g. {"<": [{"var": "object.word_count"}, 800]}.' };
  if (Object.keys(value).length !== 1) return { ok: false, error: "A JSONLogic operation has exactly one key." };
  return { ok: true, value };
}

export function LogicField({ label, value, onChange, error, help, testId, anyJson, rows = 2 }: Props) {
  const id = useId();
  const [text, setText] = useState(() => toText(value));
  const [problem, setProblem] = useState<string | null>(null);

  // The value changed elsewhere (the JSON view, a template): show it, unless the text already means it.
  useEffect(() => {
    const parsed = parseJsonLogic(text, anyJson);
    if (!parsed.ok || !deepEqual(parsed.value, value ?? null)) {
      setText(toText(value));
      setProblem(null);
    }
  }, [value]); // only when the value changes

  const message = problem ?? error;
  return (
    <div className="field rl-logic-field">
      <label htmlFor={`${id}-logic`}>{label}</label>
      <textarea
        id={`${id}-logic`}
        className="rl-textarea rl-mono"
        rows={rows}
        value={text}
        spellCheck={false}
        placeholder='{"==": [{"var": "object.status"}, "new"]}'
        aria-invalid={message ? true : undefined}
        aria-describedby={`${help ? `${id}-help ` : ""}${message ? `${id}-error` : ""}`.trim() || undefined}
        data-testid={testId}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          const parsed = parseJsonLogic(next, anyJson);
          if (parsed.ok) {
            setProblem(null);
            if (!deepEqual(parsed.value, value ?? null)) onChange(parsed.value as never);
          } else setProblem(parsed.error);
        }}
      />
      {help && (
        <span className="muted small" id={`${id}-help`}>
          {help}
        </span>
      )}
      <FieldError id={`${id}-error`} message={message ?? undefined} />
    </div>
  );
}
