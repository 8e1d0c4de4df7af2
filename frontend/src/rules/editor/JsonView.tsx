/**
 * The actions as JSON, in sync with the tree both ways: edits in the tree rewrite the text, and text that
 * parses (and has the tree's shape) replaces the tree at once, keeping each entry's key by its path.
 * Until it parses, the problem shows under the text and the tree stays as it was.
 */
import { useEffect, useId, useState } from "react";

import type { StepDraft } from "../draft";
import { deepEqual } from "../json";
import { FieldError } from "../ui";
import { cleanEntry, isControl, toDraftEntries } from "./blocks";
import { reuseKeys } from "./tree";

/** The tree's shape (lists where lists go, entries with a type); the API judges everything else. */
export function shapeProblem(value: unknown, path = "actions"): string | null {
  if (!Array.isArray(value)) return `${path} must be a list of steps.`;
  for (const [i, entry] of value.entries()) {
    const at = `${path}.${i}`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return `${at} must be an object with a "type".`;
    const e = entry as Record<string, unknown>;
    if (typeof e.type !== "string") return `${at}.type must be a string.`;
    if (!isControl(e.type)) continue;
    for (const name of ["then", "else", "do", "default"]) {
      if (e[name] === undefined) continue;
      const problem = shapeProblem(e[name], `${at}.${name}`);
      if (problem) return problem;
    }
    if (e.cases !== undefined) {
      if (!Array.isArray(e.cases)) return `${at}.cases must be a list.`;
      for (const [c, item] of e.cases.entries()) {
        if (item === null || typeof item !== "object" || Array.isArray(item)) return `${at}.cases.${c} must be an object with "condition" and "do".`;
        const problem = shapeProblem((item as Record<string, unknown>).do ?? [], `${at}.cases.${c}.do`);
        if (problem) return problem;
      }
    }
    if (e.branches !== undefined) {
      if (!Array.isArray(e.branches)) return `${at}.branches must be a list of lists.`;
      for (const [b, branch] of e.branches.entries()) {
        const problem = shapeProblem(branch, `${at}.branches.${b}`);
        if (problem) return problem;
      }
    }
  }
  return null;
}

export function actionsToJson(steps: readonly StepDraft[]): unknown[] {
  return steps.map(cleanEntry);
}

/** JSON text → a tree (keys reused from `previous`), or the problem. */
export function parseActionsText(text: string, previous: readonly StepDraft[]): { ok: true; steps: StepDraft[] } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  const problem = shapeProblem(value);
  if (problem) return { ok: false, error: problem };
  return { ok: true, steps: reuseKeys(previous, toDraftEntries(value as unknown[])) };
}

export function JsonView({ steps, onChange }: { steps: StepDraft[]; onChange: (steps: StepDraft[]) => void }) {
  const id = useId();
  const [text, setText] = useState(() => JSON.stringify(actionsToJson(steps), null, 2));
  const [problem, setProblem] = useState<string | null>(null);

  // The tree changed elsewhere: show it, unless the text already says the same.
  useEffect(() => {
    let same = false;
    try {
      same = deepEqual(JSON.parse(text), actionsToJson(steps));
    } catch {
      same = false;
    }
    if (!same && problem === null) setText(JSON.stringify(actionsToJson(steps), null, 2));
  }, [steps]); // only when the tree changes

  return (
    <div className="field rl-actions-json">
      <label htmlFor={`${id}-json`}>Actions as JSON</label>
      <textarea
        id={`${id}-json`}
        className="rl-textarea rl-mono"
        rows={Math.min(30, Math.max(8, text.split("\n").length + 1))}
        value={text}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-help${problem ? ` ${id}-error` : ""}`}
        data-testid="actions-json"
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          const parsed = parseActionsText(next, steps);
          if (!parsed.ok) {
            setProblem(parsed.error);
            return;
          }
          setProblem(null);
          if (!deepEqual(actionsToJson(parsed.steps), actionsToJson(steps))) onChange(parsed.steps);
        }}
      />
      <span className="muted small" id={`${id}-help`}>
        The same steps as the visual editor: a change here shows there as soon as the JSON is valid, and the other way round.
      </span>
      <FieldError id={`${id}-error`} message={problem ?? undefined} />
    </div>
  );
}
