/**
 * Pure operations on the actions tree. A list is named by a `ListRef`: the key of the entry that owns it
 * (null for the rule's top-level `actions`) and its path below that entry (`then`, `else`, `do`, `default`,
 * `cases.1.do`, `branches.0`). Keys don't change when entries move, so a drag that takes an entry out of a
 * list above its target still lands where it was dropped. The API's dotted paths (`actions.2.then.0`)
 * convert both ways (`refOfListPath`, `entryPaths`).
 */
import { arrayMove } from "@dnd-kit/sortable";

import type { StepDraft } from "../draft";
import { childLists } from "./blocks";

export interface ListRef {
  owner: string | null;
  list: string;
}

export const ROOT: ListRef = { owner: null, list: "actions" };

/** A string id for a list (dnd-kit container ids, React keys). */
export function listId(ref: ListRef): string {
  return ref.owner === null ? "list:actions" : `list:${ref.owner}:${ref.list}`;
}

export function parseListId(id: string): ListRef | null {
  if (id === "list:actions") return ROOT;
  const match = /^list:([^:]+):(.+)$/.exec(id);
  return match ? { owner: match[1] as string, list: match[2] as string } : null;
}

type Node = Record<string, unknown> | unknown[];

function getIn(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function setIn<T>(root: T, segments: readonly string[], value: unknown): T {
  if (segments.length === 0) return value as T;
  const [head, ...rest] = segments as [string, ...string[]];
  const node = (root ?? {}) as Node;
  const child = setIn((node as Record<string, unknown>)[head], rest, value);
  if (Array.isArray(node)) return node.map((item, i) => (String(i) === head ? child : item)) as T;
  return { ...node, [head]: child } as T;
}

/** Where an entry is: its list, index and dotted API path. */
export interface Location {
  entry: StepDraft;
  parent: ListRef;
  index: number;
  path: string;
}

export function locate(actions: readonly StepDraft[], key: string): Location | null {
  const walk = (list: readonly StepDraft[], parent: ListRef, prefix: string): Location | null => {
    for (const [index, entry] of list.entries()) {
      const path = `${prefix}.${index}`;
      if (entry.key === key) return { entry, parent, index, path };
      for (const child of childLists(entry)) {
        const found = walk(child.list, { owner: entry.key, list: child.suffix }, `${path}.${child.suffix}`);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(actions, ROOT, "actions");
}

/** Every entry's key → the list it is in (for many look-ups at once, e.g. while dragging). */
export function parentsOf(actions: readonly StepDraft[]): Map<string, ListRef> {
  const out = new Map<string, ListRef>();
  const walk = (list: readonly StepDraft[], parent: ListRef) =>
    list.forEach((entry) => {
      out.set(entry.key, parent);
      for (const child of childLists(entry)) walk(child.list, { owner: entry.key, list: child.suffix });
    });
  walk(actions, ROOT);
  return out;
}

/** Every entry's dotted API path → its key. */
export function entryPaths(actions: readonly StepDraft[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (list: readonly StepDraft[], prefix: string) =>
    list.forEach((entry, index) => {
      const path = `${prefix}.${index}`;
      out.set(path, entry.key);
      for (const child of childLists(entry)) walk(child.list, `${path}.${child.suffix}`);
    });
  walk(actions, "actions");
  return out;
}

/** A dotted list path (`actions`, `actions.2.then`, `actions.0.cases.1.do`) → its ListRef. */
export function refOfListPath(actions: readonly StepDraft[], path: string): ListRef | null {
  if (path === "actions") return ROOT;
  const paths = entryPaths(actions);
  for (const [entryPath, key] of paths) {
    if (path.startsWith(`${entryPath}.`)) {
      const suffix = path.slice(entryPath.length + 1);
      const entry = locate(actions, key)?.entry;
      if (entry && childLists(entry).some((c) => c.suffix === suffix)) return { owner: key, list: suffix };
    }
  }
  return null;
}

export function getList(actions: readonly StepDraft[], ref: ListRef): StepDraft[] | null {
  if (ref.owner === null) return [...actions];
  const owner = locate(actions, ref.owner)?.entry;
  const list = owner ? getIn(owner, ref.list.split(".")) : undefined;
  if (Array.isArray(list)) return list as StepDraft[];
  // `else` / `default` not written yet: an empty list
  return owner && childLists(owner).some((c) => c.suffix === ref.list) ? [] : null;
}

/** The tree with one entry replaced by `fn(entry)`. */
export function updateEntry(actions: readonly StepDraft[], key: string, fn: (entry: StepDraft) => StepDraft): StepDraft[] {
  return actions.map((entry) => {
    if (entry.key === key) return fn(entry);
    let next = entry;
    for (const child of childLists(entry)) {
      const updated = updateEntry(child.list, key, fn);
      if (updated.some((e, i) => e !== child.list[i])) next = setIn(next, child.suffix.split("."), updated);
    }
    return next;
  });
}

export function setList(actions: readonly StepDraft[], ref: ListRef, list: StepDraft[]): StepDraft[] {
  if (ref.owner === null) return list;
  return updateEntry(actions, ref.owner, (owner) => setIn(owner, ref.list.split("."), list));
}

export function insertEntry(actions: readonly StepDraft[], ref: ListRef, index: number, entry: StepDraft): StepDraft[] {
  const list = getList(actions, ref);
  if (!list) return [...actions];
  const at = Math.max(0, Math.min(index, list.length));
  return setList(actions, ref, [...list.slice(0, at), entry, ...list.slice(at)]);
}

export function removeEntry(actions: readonly StepDraft[], key: string): StepDraft[] {
  const where = locate(actions, key);
  if (!where) return [...actions];
  const list = getList(actions, where.parent) ?? [];
  return setList(actions, where.parent, list.filter((e) => e.key !== key));
}

/** Whether the list `ref` is inside entry `key` (or is one of its own lists): nothing moves into itself. */
export function isInside(actions: readonly StepDraft[] | Map<string, ListRef>, ref: ListRef, key: string): boolean {
  const parents = actions instanceof Map ? actions : parentsOf(actions);
  let owner = ref.owner;
  while (owner !== null) {
    if (owner === key) return true;
    owner = parents.get(owner)?.owner ?? null;
  }
  return false;
}

/**
 * Move entry `key` to position `index` of list `to` (the index it has afterwards). Within one list this is
 * an array move; between lists the entry leaves its list and is inserted. Moving a block into itself does nothing.
 */
export function moveEntry(actions: readonly StepDraft[], key: string, to: ListRef, index: number): StepDraft[] {
  const from = locate(actions, key);
  if (!from || isInside(actions, to, key)) return [...actions];
  if (listId(from.parent) === listId(to)) {
    const list = getList(actions, to) ?? [];
    const target = Math.max(0, Math.min(index, list.length - 1));
    return target === from.index ? [...actions] : setList(actions, to, arrayMove(list, from.index, target));
  }
  return insertEntry(removeEntry(actions, key), to, index, from.entry);
}

/** Give a tree parsed from JSON the keys of the tree it replaces, entry by entry at the same path (open blocks stay open). */
export function reuseKeys(previous: readonly StepDraft[], next: StepDraft[]): StepDraft[] {
  const old = entryPaths(previous);
  const used = new Set<string>();
  const walk = (list: StepDraft[], prefix: string): StepDraft[] =>
    list.map((entry, index) => {
      const path = `${prefix}.${index}`;
      const key = old.get(path);
      let next: StepDraft = key && !used.has(key) ? { ...entry, key } : entry;
      if (key) used.add(key);
      for (const child of childLists(next)) next = setIn(next, child.suffix.split("."), walk(child.list, `${path}.${child.suffix}`));
      return next;
    });
  return walk(next, "actions");
}

/** The entry that runs just before the end of list `ref`: its last entry, else (empty) the one before its block, outwards. */
export function entryBeforeEnd(actions: readonly StepDraft[], ref: ListRef): StepDraft | null {
  const list = getList(actions, ref) ?? [];
  return list.length ? (list[list.length - 1] ?? null) : beforeBlock(actions, ref);
}

function beforeBlock(actions: readonly StepDraft[], ref: ListRef): StepDraft | null {
  if (ref.owner === null) return null;
  const owner = locate(actions, ref.owner);
  if (!owner) return null;
  if (owner.index > 0) return (getList(actions, owner.parent) ?? [])[owner.index - 1] ?? null;
  return beforeBlock(actions, owner.parent);
}
