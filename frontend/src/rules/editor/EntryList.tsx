/**
 * One list of the tree (the rule's actions, or a block's then / else / case / default / do / branch): a
 * sortable container (entries drag within it and between lists, an empty list takes drops too) with its
 * entries and its Add menu.
 */
import { useDroppable } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";

import type { StepDraft } from "../draft";
import { AddMenu } from "./AddMenu";
import { useTree } from "./context";
import { EntryCard } from "./EntryCard";
import { entryBeforeEnd, listId, type ListRef } from "./tree";

interface Props {
  target: ListRef;
  /** Dotted API path of the list: `actions`, `actions.0.then`, `actions.1.branches.0`. */
  path: string;
  list: StepDraft[];
  /** Null for the top level; else the list and its block's id: "Then of step-1". */
  listName: string | null;
  depth: number;
  /** The message of the list itself (`actions.0.then: must not be empty`). */
  error?: string;
}

export function EntryList({ target, path, list, listName, depth, error }: Props) {
  const tree = useTree();
  const { setNodeRef, isOver } = useDroppable({ id: listId(target), data: { list: target } });
  const top = listName === null;
  const before = entryBeforeEnd(tree.root, target);

  return (
    <div className={`rl-list${top ? " rl-list-top" : ""}`} data-testid="list" data-path={path}>
      {error && (
        <p className="rl-field-error" role="alert">
          {error}
        </p>
      )}
      <SortableContext id={listId(target)} items={list.map((e) => e.key)} strategy={verticalListSortingStrategy}>
        <ol
          ref={setNodeRef}
          className={`rl-steps${list.length === 0 ? " rl-steps-empty" : ""}${isOver ? " rl-steps-over" : ""}`}
          aria-label={top ? "Actions, in the order they run" : listName}
        >
          {list.length === 0 && !top && <li className="rl-empty-drop muted small">Empty: add a step below or drop one here.</li>}
          {list.map((entry, index) => (
            <EntryCard
              key={entry.key}
              entry={entry}
              index={index}
              count={list.length}
              parent={target}
              path={`${path}.${index}`}
              label={`${top ? `step ${index + 1}` : (tree.ids.get(entry.key) ?? `step ${index + 1}`)} (${titleOf(entry, tree.byType)})`}
              depth={depth}
            />
          ))}
        </ol>
      </SortableContext>
      <AddMenu target={target} path={path} count={list.length} lastId={before ? (tree.ids.get(before.key) ?? null) : null} listName={listName} />
    </div>
  );
}

/** The title an entry shows: its name, else its action's or block's name. */
export function titleOf(entry: StepDraft, byType: Map<string, { name: string }>): string {
  if (entry.name?.trim()) return entry.name.trim();
  const names: Record<string, string> = {
    if: "If / else",
    switch: "Switch",
    for_each: "For each",
    parallel: "Parallel",
    call_rule: "Call a rule",
    stop: "Stop",
  };
  if (entry.type === "wait") return entry.for === "approval" ? "Wait for approval" : entry.for === "event" ? "Wait for an event" : "Wait";
  return names[entry.type] ?? byType.get(entry.type)?.name ?? (entry.type || "(no type)");
}
