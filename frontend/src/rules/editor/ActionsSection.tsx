/**
 * The ordered steps of a rule: drag-and-drop reordering (dnd-kit; keyboard: focus the handle,
 * Space to pick up, arrows to move, Space to drop), a type picker from the action catalog, a params
 * form per step from its JSON Schema, and on_error / retry / timeout per step.
 */
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from "@dnd-kit/core";
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState } from "react";

import { stepFieldError, stepHasErrors, type RuleErrors } from "../errors";
import { newKey, type StepDraft } from "../draft";
import { paramFacts } from "../graph";
import { ArrowDownIcon, ArrowUpIcon, ChevronIcon, GripIcon, PlusIcon, TrashIcon } from "../icons";
import type { ActionType } from "../types";
import { FieldError } from "../ui";

// The params forms (@rjsf + ajv) load with the first opened step, not with the editor.
const ParamsForm = lazy(() => import("./ParamsForm"));

interface Props {
  steps: StepDraft[];
  onChange: (steps: StepDraft[]) => void;
  onMove: (from: number, to: number) => void;
  onRemove: (index: number) => void;
  catalog: readonly ActionType[];
  errors: RuleErrors;
  /** Steps start folded for a saved rule (the preset has seven), open for a new one. */
  startOpen: boolean;
}

const QUEUE_LABELS: Record<string, string> = { local: "Built-in", ai: "AI (uses credits)", publish: "Publishing" };

export function ActionsSection({ steps, onChange, onMove, onRemove, catalog, errors, startOpen }: Props) {
  const id = useId();
  const [open, setOpen] = useState<Set<string>>(() => new Set(startOpen ? steps.map((s) => s.key) : []));
  const [adding, setAdding] = useState("");
  // The step just added: its Action select takes the focus (the Add button goes disabled under it).
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const byType = useMemo(() => new Map(catalog.map((a) => [a.type, a])), [catalog]);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const grouped = useMemo(() => {
    const groups = new Map<string, ActionType[]>();
    for (const action of catalog) groups.set(action.queue, [...(groups.get(action.queue) ?? []), action]);
    return [...groups.entries()].sort(([a], [b]) => order(a) - order(b));
  }, [catalog]);

  const nameOf = (step: StepDraft, index: number) => `step ${index + 1} (${step.name || byType.get(step.type)?.name || step.type})`;
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${describe(active.id)}.`,
    onDragOver: ({ active, over }) => (over ? `${describe(active.id)} is over position ${indexOf(over.id) + 1} of ${steps.length}.` : ""),
    onDragEnd: ({ active, over }) => (over ? `${describe(active.id)} dropped at position ${indexOf(over.id) + 1}.` : `${describe(active.id)} dropped.`),
    onDragCancel: ({ active }) => `Moving ${describe(active.id)} was cancelled.`,
  };
  function indexOf(key: string | number) {
    return steps.findIndex((s) => s.key === key);
  }
  function describe(key: string | number) {
    const index = indexOf(key);
    const step = steps[index];
    return step ? nameOf(step, index) : "the step";
  }

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = indexOf(active.id);
    const to = indexOf(over.id);
    if (from >= 0 && to >= 0) onMove(from, to);
  };

  const update = (index: number, patch: Partial<StepDraft>) => onChange(steps.map((s, i) => (i === index ? { ...s, ...patch } : s)));

  const add = () => {
    if (!adding) return;
    const step: StepDraft = { key: newKey(), type: adding, params: {}, on_error: "stop" };
    onChange([...steps, step]);
    setOpen((current) => new Set([...current, step.key]));
    setAdding("");
    setFocusKey(step.key);
  };

  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <div className="rl-actions">
      {errors.actions.length > 0 && <FieldError id={`${id}-actions-error`} message={errors.actions.join(" ")} />}
      {steps.length === 0 ? (
        <p className="rl-actions-empty muted">No actions yet. Add the first one below; steps run in order, one after another.</p>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={onDragEnd}
          accessibility={{
            announcements,
            screenReaderInstructions: {
              draggable: "To reorder a step, press Space on its handle, move it with the arrow keys, and press Space again to drop it. Escape cancels.",
            },
          }}
        >
          <SortableContext items={steps.map((s) => s.key)} strategy={verticalListSortingStrategy}>
            <ol className="rl-steps" aria-label="Actions, in the order they run">
              {steps.map((step, index) => (
                <SortableStep
                  key={step.key}
                  step={step}
                  index={index}
                  count={steps.length}
                  action={byType.get(step.type)}
                  catalog={grouped}
                  open={open.has(step.key) || stepHasErrors(errors, index)}
                  onToggle={() => toggle(step.key)}
                  onUpdate={(patch) => update(index, patch)}
                  onMove={(to) => onMove(index, to)}
                  onRemove={() => onRemove(index)}
                  errors={errors}
                  label={nameOf(step, index)}
                  focusOnOpen={step.key === focusKey}
                  onFocused={() => setFocusKey(null)}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}
      <div className="rl-add-action">
        <label htmlFor={`${id}-add`} className="visually-hidden">
          Action to add
        </label>
        <select id={`${id}-add`} value={adding} onChange={(event) => setAdding(event.target.value)}>
          <option value="">Choose an action to add…</option>
          {grouped.map(([queue, actions]) => (
            <optgroup key={queue} label={QUEUE_LABELS[queue] ?? queue}>
              {actions.map((action) => (
                <option key={action.type} value={action.type}>
                  {action.name} ({action.type})
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <button type="button" className="btn" onClick={add} disabled={!adding}>
          <PlusIcon /> Add action
        </button>
        {adding && byType.get(adding) && <span className="muted small rl-add-desc">{byType.get(adding)?.description}</span>}
      </div>
    </div>
  );
}

function order(queue: string): number {
  return ["local", "ai", "publish"].indexOf(queue) + 1 || 9;
}

interface StepProps {
  step: StepDraft;
  index: number;
  count: number;
  action: ActionType | undefined;
  catalog: [string, ActionType[]][];
  open: boolean;
  onToggle: () => void;
  onUpdate: (patch: Partial<StepDraft>) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
  errors: RuleErrors;
  label: string;
  /** Move the focus to this step's Action select once it is open (a step just added). */
  focusOnOpen?: boolean;
  onFocused?: () => void;
}

function SortableStep({ step, index, count, action, catalog, open, onToggle, onUpdate, onMove, onRemove, errors, label, focusOnOpen, onFocused }: StepProps) {
  const id = useId();
  const typeSelect = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (!focusOnOpen || !open || !typeSelect.current) return;
    typeSelect.current.focus();
    typeSelect.current.scrollIntoView?.({ block: "nearest" });
    onFocused?.();
  }, [focusOnOpen, open, onFocused]);
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: step.key });
  const style = { transform: CSS.Transform.toString(transform), transition };
  const invalid = stepHasErrors(errors, index);
  const err = (key: string) => stepFieldError(errors, index, key);
  const paramsErrors = errors.steps[index]?.params ?? {};
  const facts = paramFacts(step.params).slice(0, 4);
  const title = step.name || action?.name || step.type;
  const retry = step.retry ?? { max: 0, backoff: 2 };
  const stage = step.params?.stage;
  const disabled = step.params?.enabled === false;

  return (
    <li
      ref={setNodeRef}
      style={style}
      className={`rl-step${isDragging ? " rl-step-dragging" : ""}${invalid ? " rl-step-invalid" : ""}${disabled ? " rl-step-disabled" : ""}`}
      data-testid="step"
      aria-label={label}
    >
      <div className="rl-step-head">
        <button
          type="button"
          ref={setActivatorNodeRef}
          className="rl-handle"
          aria-label={`Reorder ${label}`}
          {...attributes}
          {...listeners}
        >
          <GripIcon />
        </button>
        <span className="rl-step-num" aria-hidden="true">
          {index + 1}
        </span>
        <button type="button" className="rl-step-title" aria-expanded={open} aria-controls={`${id}-body`} onClick={onToggle}>
          <ChevronIcon open={open} />
          <span className="rl-step-name">{title}</span>
          <code className="rl-step-type">{step.type}</code>
          {typeof stage === "number" && <span className="rl-chip">stage {stage}</span>}
          {disabled && <span className="rl-chip rl-chip-muted">disabled</span>}
          {step.on_error === "continue" && <span className="rl-chip">continues on error</span>}
          {!open && facts.length > 0 && <span className="muted small rl-step-facts">{facts.join(" · ")}</span>}
          {invalid && <span className="rl-chip rl-chip-danger">needs attention</span>}
        </button>
        <div className="rl-step-tools">
          <button type="button" className="btn btn-small btn-ghost btn-icon-sm" onClick={() => onMove(index - 1)} disabled={index === 0} aria-label={`Move ${label} up`}>
            <ArrowUpIcon />
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost btn-icon-sm"
            onClick={() => onMove(index + 1)}
            disabled={index === count - 1}
            aria-label={`Move ${label} down`}
          >
            <ArrowDownIcon />
          </button>
          <button type="button" className="btn btn-small btn-ghost btn-icon-sm rl-danger" onClick={onRemove} aria-label={`Remove ${label}`}>
            <TrashIcon />
          </button>
        </div>
      </div>
      {open && (
        <div className="rl-step-body" id={`${id}-body`}>
          <div className="rl-form-row">
            <div className="field rl-grow">
              <label htmlFor={`${id}-type`}>Action</label>
              <select
                ref={typeSelect}
                id={`${id}-type`}
                value={step.type}
                aria-invalid={err("type") ? true : undefined}
                aria-describedby={err("type") ? `${id}-type-error` : undefined}
                onChange={(event) => onUpdate({ type: event.target.value, params: {} })}
              >
                {!action && <option value={step.type}>{step.type} (unknown)</option>}
                {catalog.map(([queue, actions]) => (
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
                value={step.name ?? ""}
                placeholder={action?.name ?? "optional"}
                maxLength={200}
                onChange={(event) => onUpdate({ name: event.target.value })}
              />
              <FieldError id={`${id}-name-error`} message={err("name")} />
            </div>
          </div>
          {action && (
            <p className="muted small rl-action-desc">
              {action.description} <span className="rl-chip">{action.cost}</span>
            </p>
          )}
          <fieldset className="rl-params-fieldset">
            <legend>Parameters</legend>
            {action ? (
              <Suspense fallback={<p className="muted small">Loading the form…</p>}>
                <ParamsForm
                  schema={action.params_schema}
                  value={step.params}
                  onChange={(params) => onUpdate({ params })}
                  errors={paramsErrors}
                  idPrefix={`${step.key}-params`}
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
                value={step.on_error ?? "stop"}
                aria-invalid={err("on_error") ? true : undefined}
                onChange={(event) => onUpdate({ on_error: event.target.value as "stop" | "continue" })}
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
                onChange={(event) => onUpdate({ retry: { ...retry, max: toInt(event.target.value) } })}
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
                onChange={(event) => onUpdate({ retry: { ...retry, backoff: Number(event.target.value) } })}
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
                value={step.timeout ?? ""}
                aria-invalid={err("timeout") ? true : undefined}
                aria-describedby={err("timeout") ? `${id}-timeout-error` : undefined}
                onChange={(event) => onUpdate({ timeout: event.target.value === "" ? null : toInt(event.target.value) })}
              />
              <FieldError id={`${id}-timeout-error`} message={err("timeout")} />
            </div>
          </div>
          {err("") && <FieldError id={`${id}-step-error`} message={err("")} />}
          {Object.entries(errors.steps[index]?.fields ?? {})
            .filter(([key]) => !["type", "name", "on_error", "retry", "retry.max", "retry.backoff", "timeout", "params", ""].includes(key))
            .map(([key, messages]) => (
              <FieldError key={key} id={`${id}-${key}-error`} message={`${key}: ${messages.join(" ")}`} />
            ))}
        </div>
      )}
    </li>
  );
}

function toInt(value: string): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

export { arrayMove };
