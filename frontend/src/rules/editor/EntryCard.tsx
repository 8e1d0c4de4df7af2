/**
 * One entry of the tree: a sortable card (drag handle; move up / down; remove) that folds open to its
 * form — the fields every entry has (id, name, `if`), then the action's params form or the block's fields
 * and nested lists.
 */
import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { useEffect, useId, useRef } from "react";

import type { StepDraft } from "../draft";
import { entryFieldError, entryHasErrors, ownFields } from "../errors";
import { describeLogic, paramFacts } from "../graph";
import { ArrowDownIcon, ArrowUpIcon, ChevronIcon, GripIcon, TrashIcon } from "../icons";
import { FieldError } from "../ui";
import { ActionBody } from "./ActionBody";
import { ID_PATTERN, isControl } from "./blocks";
import { BlockBody, blockFacts } from "./BlockBody";
import { useTree } from "./context";
import { titleOf } from "./EntryList";
import { EntryWarnings } from "./Warnings";
import { LogicField } from "./LogicField";
import type { ListRef } from "./tree";

interface Props {
  entry: StepDraft;
  index: number;
  count: number;
  parent: ListRef;
  path: string;
  label: string;
  depth: number;
}

/** Fields an entry shows at their own input (the rest are listed under the form). */
const PLACED = new Set(["", "type", "name", "id", "if", "on_error", "retry", "retry.max", "retry.backoff", "timeout", "params"]);

export function EntryCard({ entry, index, count, parent, path, label, depth }: Props) {
  const id = useId();
  const tree = useTree();
  const titleRef = useRef<HTMLButtonElement>(null);
  const control = isControl(entry.type);
  const errors = tree.errorsByKey.get(entry.key);
  const invalid = entryHasErrors(errors);
  const warnings = tree.warningsByKey.get(entry.key);
  const warned = entryHasErrors(warnings);
  const open = tree.isOpen(entry) || invalid;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id: entry.key,
    data: { list: parent },
  });
  const style = { transform: CSS.Transform.toString(transform), transition };
  const title = titleOf(entry, tree.byType);
  const effectiveId = tree.ids.get(entry.key) ?? "";
  const err = (key: string) => entryFieldError(errors, key);
  const facts = control ? blockFacts(entry) : paramFacts(entry.params).slice(0, 4);
  const stage = entry.params?.stage;
  const disabled = entry.params?.enabled === false;
  const idError =
    entry.id && !ID_PATTERN.test(entry.id.trim())
      ? "Lower-case letters, digits, - and _, starting with a letter (at most 64)."
      : tree.duplicateIds.has(effectiveId)
        ? "Another entry has this id; ids are unique in the rule."
        : undefined;

  // A block just added takes the focus on its title (an action: on its Action select, in ActionBody).
  useEffect(() => {
    if (control && tree.focusKey === entry.key && titleRef.current) {
      titleRef.current.focus();
      tree.clearFocus();
    }
  }, [control, tree, entry.key]);

  return (
    <li
      ref={setNodeRef}
      style={style}
      className={`rl-step${control ? " rl-block" : ""}${isDragging ? " rl-step-dragging" : ""}${invalid ? " rl-step-invalid" : ""}${disabled ? " rl-step-disabled" : ""}`}
      data-testid="step"
      data-path={path}
      data-type={entry.type}
      data-id={effectiveId}
      aria-label={label}
    >
      <div className="rl-step-head">
        <button type="button" ref={setActivatorNodeRef} className="rl-handle" aria-label={`Reorder ${label}`} {...attributes} {...listeners}>
          <GripIcon />
        </button>
        <span className={`rl-step-num${control ? " rl-block-num" : ""}`} aria-hidden="true">
          {index + 1}
        </span>
        <button ref={titleRef} type="button" className="rl-step-title" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => tree.toggle(entry)}>
          <ChevronIcon open={open} />
          <span className="rl-step-name">{title}</span>
          <code className="rl-step-type">{entry.type}</code>
          {depth > 0 || entry.id ? <code className="rl-chip rl-entry-id">{effectiveId}</code> : null}
          {typeof stage === "number" && <span className="rl-chip">stage {stage}</span>}
          {disabled && <span className="rl-chip rl-chip-muted">disabled</span>}
          {entry.if ? <span className="rl-chip">if {describeLogic(entry.if, 40)}</span> : null}
          {!control && entry.on_error === "continue" && <span className="rl-chip">continues on error</span>}
          {!open && facts.length > 0 && <span className="muted small rl-step-facts">{facts.join(" · ")}</span>}
          {invalid && <span className="rl-chip rl-chip-danger">needs attention</span>}
          {warned && !invalid && (
            <span className="rl-chip rl-chip-warning" data-testid="entry-warning-chip">
              check
            </span>
          )}
        </button>
        <div className="rl-step-tools">
          <button
            type="button"
            className="btn btn-small btn-ghost btn-icon-sm"
            onClick={() => tree.move(entry.key, parent, index - 1)}
            disabled={index === 0}
            aria-label={`Move ${label} up`}
          >
            <ArrowUpIcon />
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost btn-icon-sm"
            onClick={() => tree.move(entry.key, parent, index + 1)}
            disabled={index === count - 1}
            aria-label={`Move ${label} down`}
          >
            <ArrowDownIcon />
          </button>
          <button type="button" className="btn btn-small btn-ghost btn-icon-sm rl-danger" onClick={() => tree.remove(entry.key)} aria-label={`Remove ${label}`}>
            <TrashIcon />
          </button>
        </div>
      </div>
      {open && (
        <div className="rl-step-body" id={`${id}-body`}>
          <EntryWarnings warnings={warnings} />
          {control ? <BlockBody entry={entry} path={path} depth={depth} /> : <ActionBody entry={entry} />}
          <details className="rl-entry-more" open={!!(entry.id || entry.if || err("id") || err("if") || idError)}>
            <summary>Id and run condition</summary>
            <div className="rl-form-row">
              <div className="field">
                <label htmlFor={`${id}-id`}>Id</label>
                <input
                  id={`${id}-id`}
                  className="rl-mono"
                  value={entry.id ?? ""}
                  placeholder={effectiveId}
                  maxLength={64}
                  spellCheck={false}
                  aria-invalid={err("id") || idError ? true : undefined}
                  aria-describedby={`${id}-id-help`}
                  onChange={(event) => tree.update(entry.key, { id: event.target.value })}
                  data-testid="entry-id"
                />
                <span className="muted small" id={`${id}-id-help`}>
                  Later steps read its output as <code>{`{"var": "steps.${effectiveId}.output.…"}`}</code>.
                </span>
                <FieldError id={`${id}-id-error`} message={err("id") ?? idError} />
              </div>
            </div>
            <LogicField
              label="Run only if (JSONLogic)"
              value={entry.if ?? null}
              onChange={(logic) => tree.update(entry.key, { if: logic })}
              error={err("if")}
              help="Empty: always. False: the step is skipped (and recorded as skipped)."
              testId="entry-if"
            />
          </details>
          {err("") && <FieldError id={`${id}-entry-error`} message={err("")} />}
          {ownFields(errors)
            .filter(([key]) => !PLACED.has(key) && !(control && isBlockField(key)))
            .map(([key, messages]) => (
              <FieldError key={key} id={`${id}-${key}-error`} message={`${key}: ${messages.join(" ")}`} />
            ))}
        </div>
      )}
    </li>
  );
}

/** Block fields BlockBody shows at their input or list. */
function isBlockField(key: string): boolean {
  return /^(condition|then|else|default|items|as|concurrency|do|join|branches(\.\d+)?|cases(\.\d+(\.(condition|do))?)?|for|seconds|event|prompt|rule|payload|wait|status|message)$/.test(key);
}
