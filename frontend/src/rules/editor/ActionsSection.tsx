/**
 * The rule's actions as a tree: actions and control blocks (if, switch, for_each, parallel, wait,
 * call_rule, stop) with their nested lists, each entry folding open to its form; drag and drop within a
 * list and between lists (dnd-kit; keyboard: focus a handle, Space to pick up, arrows to move, Space to
 * drop), move up / down buttons, "Add" menus with actions, blocks and templates under every list, and a
 * JSON view kept in sync. The API's errors show at the entry they name, however deep.
 */
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
} from "@dnd-kit/core";
import { arrayMove, sortableKeyboardCoordinates } from "@dnd-kit/sortable";
import { useCallback, useId, useMemo, useState } from "react";

import type { StepDraft } from "../draft";
import type { RuleErrors, StepErrors } from "../errors";
import type { ActionType } from "../types";
import { FieldError } from "../ui";
import { countEntries, effectiveIds, isControl } from "./blocks";
import { queueOrder, TreeContext, type TreeEditor } from "./context";
import { EntryList, titleOf } from "./EntryList";
import { JsonView } from "./JsonView";
import "./blocks.css";
import { entryPaths, getList, insertEntry, isInside, locate, moveEntry, parentsOf, parseListId, removeEntry, ROOT, updateEntry, type ListRef } from "./tree";

interface Props {
  steps: StepDraft[];
  onChange: (steps: StepDraft[]) => void;
  /** Top-level moves and removals (their errors move with them); nested ones go through onChange. */
  onMove: (from: number, to: number) => void;
  onRemove: (index: number) => void;
  catalog: readonly ActionType[];
  errors: RuleErrors;
  /** Actions start folded for a saved rule (the preset has seven), open for a new one; blocks start open. */
  startOpen: boolean;
  /** The saved rule's warnings (`actions.1.if`: a condition on a field the trigger's object lacks), mapped like errors. */
  warnings?: RuleErrors;
}

type View = "visual" | "json";

export function ActionsSection({ steps, onChange, onMove, onRemove, catalog, errors, startOpen, warnings }: Props) {
  const id = useId();
  const [view, setView] = useState<View>("visual");
  const [openState, setOpenState] = useState<Map<string, boolean>>(() => new Map());
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const byType = useMemo(() => new Map(catalog.map((a) => [a.type, a])), [catalog]);
  const grouped = useMemo(() => {
    const groups = new Map<string, ActionType[]>();
    for (const action of catalog) groups.set(action.queue, [...(groups.get(action.queue) ?? []), action]);
    return [...groups.entries()].sort(([a], [b]) => queueOrder(a) - queueOrder(b));
  }, [catalog]);
  const ids = useMemo(() => effectiveIds(steps), [steps]);
  const parents = useMemo(() => parentsOf(steps), [steps]);
  const duplicateIds = useMemo(() => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const id of ids.values()) (seen.has(id) ? twice : seen).add(id);
    return twice;
  }, [ids]);
  // The API's errors name entries by path; pin them to the entries they named when they came, so they
  // stay with their entry through later moves (top-level moves remap `steps`, not `entries`).
  const errorsByKey = useMemo(() => resolveErrors(errors.entries, steps), [errors.entries]); // only for new errors
  const warningsByKey = useMemo(() => resolveErrors(warnings?.entries ?? {}, steps), [warnings?.entries]); // only for new warnings

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const update = useCallback<TreeEditor["update"]>(
    (key, patch) => onChange(updateEntry(steps, key, (entry) => (typeof patch === "function" ? patch(entry) : { ...entry, ...patch }))),
    [steps, onChange],
  );

  const tree: TreeEditor = {
    root: steps,
    catalog,
    byType,
    grouped,
    ids,
    duplicateIds,
    errorsByKey,
    warningsByKey,
    isOpen: (entry) => openState.get(entry.key) ?? (isControl(entry.type) || startOpen),
    toggle: (entry) => setOpenState((current) => new Map(current).set(entry.key, !(current.get(entry.key) ?? (isControl(entry.type) || startOpen)))),
    update,
    remove: (key) => {
      const where = locate(steps, key);
      if (where && where.parent.owner === null) onRemove(where.index);
      else onChange(removeEntry(steps, key));
    },
    move: (key, to, index) => {
      const where = locate(steps, key);
      if (!where) return;
      if (where.parent.owner === null && to.owner === null) {
        if (index >= 0 && index < steps.length && index !== where.index) onMove(where.index, index);
      } else onChange(moveEntry(steps, key, to, index));
    },
    insert: (to, index, entry) => {
      onChange(insertEntry(steps, to, index, entry));
      setOpenState((current) => new Map(current).set(entry.key, true));
      setFocusKey(entry.key);
    },
    focusKey,
    clearFocus: () => setFocusKey(null),
  };

  const describe = (key: string | number) => {
    const where = locate(steps, String(key));
    return where ? `${ids.get(where.entry.key)} (${titleOf(where.entry, byType)})` : "the step";
  };
  const target = (overId: string | number, overList: ListRef | undefined): { list: ListRef; index: number } | null => {
    const list = parseListId(String(overId));
    if (list) return { list, index: (getList(steps, list) ?? []).length };
    const where = locate(steps, String(overId));
    return where ? { list: overList ?? where.parent, index: where.index } : null;
  };
  const where = (list: ListRef) => (list.owner === null ? "the actions" : `${list.list.replace(/\.(\d+)/g, (_, n) => ` ${Number(n) + 1}`)} of ${ids.get(list.owner)}`);
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${describe(active.id)}.`,
    onDragOver: ({ active, over }) => {
      const t = over ? target(over.id, undefined) : null;
      return t ? `${describe(active.id)} is over position ${t.index + 1} in ${where(t.list)}.` : "";
    },
    onDragEnd: ({ active, over }) => {
      const t = over ? target(over.id, undefined) : null;
      return t ? `${describe(active.id)} dropped at position ${t.index + 1} in ${where(t.list)}.` : `${describe(active.id)} dropped.`;
    },
    onDragCancel: ({ active }) => `Moving ${describe(active.id)} was cancelled.`,
  };

  // Never into the dragged block itself; of the lists and entries under the pointer, the innermost wins.
  const collision: CollisionDetection = (args) => {
    const key = String(args.active.id);
    const allowed = args.droppableContainers.filter((c) => {
      const cid = String(c.id);
      if (cid === key) return true;
      const list = parseListId(cid) ?? parents.get(cid);
      return !!list && !isInside(parents, list, key);
    });
    const within = pointerWithin({ ...args, droppableContainers: allowed });
    if (within.length) {
      const area = (cid: string | number) => {
        const r = args.droppableRects.get(cid);
        return r ? r.width * r.height : Infinity;
      };
      return [...within].sort((a, b) => area(a.id) - area(b.id));
    }
    return closestCenter({ ...args, droppableContainers: allowed });
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const t = target(over.id, undefined);
    if (t) tree.move(String(active.id), t.list, t.index);
  };

  const total = countEntries(steps);
  return (
    <div className="rl-actions">
      {errors.actions.length > 0 && <FieldError id={`${id}-actions-error`} message={errors.actions.join(" ")} />}
      <div className="rl-view-toggle" role="group" aria-label="Actions view">
        <button type="button" className="btn btn-small" aria-pressed={view === "visual"} onClick={() => setView("visual")} aria-label="Actions as blocks" data-testid="actions-visual-toggle">
          Visual
        </button>
        <button type="button" className="btn btn-small" aria-pressed={view === "json"} onClick={() => setView("json")} aria-label="Actions as JSON" data-testid="actions-json-toggle">
          JSON
        </button>
        <span className="muted small">
          {total} {total === 1 ? "entry" : "entries"}
        </span>
      </div>
      {view === "json" ? (
        <JsonView steps={steps} onChange={onChange} />
      ) : (
        <TreeContext.Provider value={tree}>
          {steps.length === 0 && <p className="rl-actions-empty muted">No actions yet. Add the first one below; steps run in order, one after another.</p>}
          <DndContext
            sensors={sensors}
            collisionDetection={collision}
            onDragEnd={onDragEnd}
            accessibility={{
              announcements,
              screenReaderInstructions: {
                draggable:
                  "To move a step, press Space on its handle, move it with the arrow keys (also into and out of blocks), and press Space again to drop it. Escape cancels.",
              },
            }}
          >
            <EntryList target={ROOT} path="actions" list={steps} listName={null} depth={0} />
          </DndContext>
        </TreeContext.Provider>
      )}
    </div>
  );
}

/** Errors by dotted entry path → by the key of the entry at that path now. */
export function resolveErrors(entries: Record<string, StepErrors>, steps: readonly StepDraft[]): Map<string, StepErrors> {
  const paths = entryPaths(steps);
  const out = new Map<string, StepErrors>();
  for (const [path, errors] of Object.entries(entries)) {
    const key = paths.get(path);
    if (key) out.set(key, errors);
  }
  return out;
}

export { arrayMove };
