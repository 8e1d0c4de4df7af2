/** An action entry's form: the action type, its name, the params form from its JSON Schema, and on_error / retry / timeout. */
import { lazy, Suspense, useEffect, useId, useRef } from "react";

import type { StepDraft } from "../draft";
import { entryFieldError } from "../errors";
import { FieldError } from "../ui";
import { QUEUE_LABELS, useTree } from "./context";
import { takesSummary } from "./takes";

// The params forms (@rjsf + ajv) load with the first opened step, not with the editor.
const ParamsForm = lazy(() => import("./ParamsForm"));

export function ActionBody({ entry }: { entry: StepDraft }) {
  const id = useId();
  const tree = useTree();
  const typeSelect = useRef<HTMLSelectElement>(null);
  const action = tree.byType.get(entry.type);
  const errors = tree.errorsByKey.get(entry.key);
  const err = (key: string) => entryFieldError(errors, key);
  const retry = entry.retry ?? { max: 0, backoff: 2 };
  const update = (patch: Partial<StepDraft>) => tree.update(entry.key, patch);

  // A step just added: its Action select takes the focus (the Add button goes disabled under it).
  useEffect(() => {
    if (tree.focusKey !== entry.key || !typeSelect.current) return;
    typeSelect.current.focus();
    typeSelect.current.scrollIntoView?.({ block: "nearest" });
    tree.clearFocus();
  }, [tree, entry.key]);

  return (
    <>
      <div className="rl-form-row">
        <div className="field rl-grow">
          <label htmlFor={`${id}-type`}>Action</label>
          <select
            ref={typeSelect}
            id={`${id}-type`}
            value={entry.type}
            aria-invalid={err("type") ? true : undefined}
            aria-describedby={err("type") ? `${id}-type-error` : undefined}
            onChange={(event) => update({ type: event.target.value, params: {} })}
          >
            {!action && <option value={entry.type}>{entry.type || "(none)"} (unknown)</option>}
            {tree.grouped.map(([queue, actions]) => (
              <optgroup key={queue} label={QUEUE_LABELS[queue] ?? queue}>
                {actions.map((a) => (
                  <option key={a.type} value={a.type}>
                    {a.name} ({a.type})
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <FieldError id={`${id}-type-error`} message={err("type")} />
        </div>
        <div className="field rl-grow">
          <label htmlFor={`${id}-name`}>Step name</label>
          <input
            id={`${id}-name`}
            value={entry.name ?? ""}
            placeholder={action?.name ?? "optional"}
            maxLength={200}
            onChange={(event) => update({ name: event.target.value })}
          />
          <FieldError id={`${id}-name-error`} message={err("name")} />
        </div>
      </div>
      {action && (
        <p className="muted small rl-action-desc">
          {action.description} <span className="rl-chip">{action.cost}</span>
        </p>
      )}
      {action && takesSummary(action.params_schema, entry.params) && (
        <p className="small rl-action-takes" data-testid="takes">
          <strong>Takes:</strong> {takesSummary(action.params_schema, entry.params)}
        </p>
      )}
      <fieldset className="rl-params-fieldset">
        <legend>Parameters</legend>
        {action ? (
          <Suspense fallback={<p className="muted small">Loading the form…</p>}>
            <ParamsForm
              schema={action.params_schema}
              value={entry.params}
              onChange={(params) => update({ params })}
              errors={errors?.params ?? {}}
              idPrefix={`${entry.key}-params`}
            />
          </Suspense>
        ) : (
          <p className="muted small">Choose a known action to edit its parameters.</p>
        )}
      </fieldset>
      <div className="rl-form-row rl-step-policy">
        <div className="field">
          <label htmlFor={`${id}-onerror`}>If it fails</label>
          <select
            id={`${id}-onerror`}
            value={entry.on_error ?? "stop"}
            aria-invalid={err("on_error") ? true : undefined}
            onChange={(event) => update({ on_error: event.target.value as "stop" | "continue" })}
          >
            <option value="stop">Stop the run</option>
            <option value="continue">Continue with the next step</option>
          </select>
          <FieldError id={`${id}-onerror-error`} message={err("on_error")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-retries`}>Retries</label>
          <input
            id={`${id}-retries`}
            type="number"
            min={0}
            max={10}
            className="rl-input-narrow"
            value={retry.max}
            aria-invalid={err("retry.max") || err("retry") ? true : undefined}
            aria-describedby={err("retry.max") ? `${id}-retries-error` : undefined}
            onChange={(event) => update({ retry: { ...retry, max: toInt(event.target.value) } })}
          />
          <FieldError id={`${id}-retries-error`} message={err("retry.max") ?? err("retry")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-backoff`}>Backoff (s)</label>
          <input
            id={`${id}-backoff`}
            type="number"
            min={0}
            max={3600}
            step="any"
            className="rl-input-narrow"
            value={retry.backoff}
            aria-invalid={err("retry.backoff") ? true : undefined}
            onChange={(event) => update({ retry: { ...retry, backoff: Number(event.target.value) } })}
          />
          <FieldError id={`${id}-backoff-error`} message={err("retry.backoff")} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-timeout`}>Timeout (s)</label>
          <input
            id={`${id}-timeout`}
            type="number"
            min={1}
            max={86400}
            className="rl-input-narrow"
            placeholder="none"
            value={entry.timeout ?? ""}
            aria-invalid={err("timeout") ? true : undefined}
            aria-describedby={err("timeout") ? `${id}-timeout-error` : undefined}
            onChange={(event) => update({ timeout: event.target.value === "" ? null : toInt(event.target.value) })}
          />
          <FieldError id={`${id}-timeout-error`} message={err("timeout")} />
        </div>
      </div>
    </>
  );
}

export function toInt(value: string): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}
