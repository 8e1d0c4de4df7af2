/** A wait block's fields: for a duration (seconds), an event (name, condition, timeout) or a person's approval (prompt, timeout). */
import { useId, type ReactNode } from "react";

import type { StepDraft } from "../draft";
import { entryFieldError } from "../errors";
import { FieldError } from "../ui";
import { toInt } from "./ActionBody";
import { useTree } from "./context";
import { LogicField } from "./LogicField";

type WaitFor = "duration" | "event" | "approval";

/** The fields a wait keeps when it changes kind (the others would be refused by the API). */
function switchKind(entry: StepDraft, kind: WaitFor): StepDraft {
  const { seconds: _s, event: _e, condition: _c, prompt: _p, timeout: _t, ...rest } = entry;
  if (kind === "duration") return { ...rest, for: kind, seconds: 60 };
  if (kind === "event") return { ...rest, for: kind, event: "", condition: null, timeout: 3600 };
  return { ...rest, for: kind, prompt: "", timeout: 86400 };
}

export function WaitFields({ entry, nameField }: { entry: StepDraft; nameField: ReactNode }) {
  const id = useId();
  const tree = useTree();
  const err = (key: string) => entryFieldError(tree.errorsByKey.get(entry.key), key);
  const update = (patch: Partial<StepDraft>) => tree.update(entry.key, patch);
  const kind: WaitFor = entry.for ?? "duration";
  const blockId = tree.ids.get(entry.key) ?? "";

  const number = (key: "seconds" | "timeout", label: string, help: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="number"
        min={1}
        className="rl-input-narrow"
        value={entry[key] ?? ""}
        aria-invalid={err(key) ? true : undefined}
        aria-describedby={`${id}-${key}-help`}
        onChange={(event) => update({ [key]: event.target.value === "" ? null : toInt(event.target.value) })}
        data-testid={`wait-${key}`}
      />
      <span className="muted small" id={`${id}-${key}-help`}>
        {help}
      </span>
      <FieldError id={`${id}-${key}-error`} message={err(key)} />
    </div>
  );

  return (
    <div className="rl-block-body">
      <div className="rl-form-row">
        {nameField}
        <div className="field">
          <label htmlFor={`${id}-for`}>Wait for</label>
          <select id={`${id}-for`} value={kind} onChange={(event) => tree.update(entry.key, (e) => switchKind(e, event.target.value as WaitFor))}>
            <option value="duration">a time</option>
            <option value="event">an event</option>
            <option value="approval">a person's approval</option>
          </select>
          <FieldError id={`${id}-for-error`} message={err("for")} />
        </div>
        {kind === "duration" && number("seconds", "Seconds", "Survives restarts and deploys.")}
      </div>
      {kind === "event" && (
        <>
          <div className="rl-form-row">
            <div className="field rl-grow">
              <label htmlFor={`${id}-event`}>Event</label>
              <input
                id={`${id}-event`}
                className="rl-mono"
                value={entry.event ?? ""}
                placeholder="e.g. content.published or custom.reviewed"
                spellCheck={false}
                aria-invalid={err("event") ? true : undefined}
                onChange={(event) => update({ event: event.target.value })}
                data-testid="wait-event"
              />
              <FieldError id={`${id}-event-error`} message={err("event")} />
            </div>
            {number("timeout", "Timeout (s)", "Then the run goes on with output timed_out.")}
          </div>
          <LogicField label="Only an event where (JSONLogic)" value={entry.condition ?? null} onChange={(condition) => update({ condition })} error={err("condition")} />
        </>
      )}
      {kind === "approval" && (
        <div className="rl-form-row">
          <div className="field rl-grow">
            <label htmlFor={`${id}-prompt`}>Question for the approver</label>
            <textarea
              id={`${id}-prompt`}
              className="rl-textarea"
              rows={2}
              value={entry.prompt ?? ""}
              placeholder="e.g. Publish these articles?"
              aria-invalid={err("prompt") ? true : undefined}
              onChange={(event) => update({ prompt: event.target.value })}
              data-testid="wait-prompt"
            />
            <span className="muted small">
              Later steps read the answer as <code>{`{"var": "steps.${blockId}.output.decision"}`}</code> (approved, rejected or timed_out).
            </span>
            <FieldError id={`${id}-prompt-error`} message={err("prompt")} />
          </div>
          {number("timeout", "Timeout (s)", "Unanswered by then: timed_out.")}
        </div>
      )}
    </div>
  );
}
