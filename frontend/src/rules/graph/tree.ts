/**
 * Entries of the actions tree by path (`actions/1/then/0`, `actions/0/cases/1/do/2`,
 * `actions/2/branches/1/0`), and moving an entry within its list (the graph's drag-and-drop).
 */
import type { FlowEntry } from "../flowTypes";

type Segment = string | number;

function segments(path: string): Segment[] {
  const parts = path.split("/");
  if (parts[0] === "actions") parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The nested list an entry holds under `name` (+ the number after `cases`/`branches`). */
function childList(entry: FlowEntry | undefined, name: Segment, next: Segment | undefined): { list: readonly FlowEntry[] | undefined; used: number } {
  if (!entry) return { list: undefined, used: 1 };
  if (name === "cases" && typeof next === "number") return { list: entry.cases?.[next]?.do, used: 3 };
  if (name === "branches" && typeof next === "number") return { list: entry.branches?.[next], used: 2 };
  if (name === "then" || name === "else" || name === "do" || name === "default") return { list: entry[name], used: 1 };
  return { list: undefined, used: 1 };
}

/** The list at a list path (`actions`, `actions/1/then`). */
export function listAt(root: readonly FlowEntry[], listPath: string): readonly FlowEntry[] | undefined {
  const segs = segments(listPath);
  let list: readonly FlowEntry[] | undefined = root;
  let i = 0;
  while (list && i < segs.length) {
    const index = segs[i];
    if (typeof index !== "number") return undefined;
    const { list: inner, used } = childList(list[index], segs[i + 1]!, segs[i + 2]);
    list = inner;
    i += 1 + used;
  }
  return list;
}

export function entryAt(root: readonly FlowEntry[], path: string): FlowEntry | undefined {
  const at = path.lastIndexOf("/");
  const list = listAt(root, path.slice(0, at));
  return list?.[Number(path.slice(at + 1))];
}

/** Replace the list at `listPath` (copying the entries on the way down); other lists stay as they are. */
function withList<T extends FlowEntry>(root: readonly T[], segs: Segment[], change: (list: readonly T[]) => T[]): T[] {
  if (segs.length === 0) return change(root);
  const [index, name, next] = segs;
  if (typeof index !== "number" || !root[index]) return [...root];
  const entry = root[index]!;
  let updated: T;
  if (name === "cases" && typeof next === "number") {
    const cases = [...(entry.cases ?? [])];
    const c = cases[next];
    if (!c) return [...root];
    cases[next] = { ...c, do: withList((c.do ?? []) as readonly T[], segs.slice(4), change) };
    updated = { ...entry, cases };
  } else if (name === "branches" && typeof next === "number") {
    const branches = [...(entry.branches ?? [])];
    branches[next] = withList((branches[next] ?? []) as readonly T[], segs.slice(3), change);
    updated = { ...entry, branches };
  } else if (name === "then" || name === "else" || name === "do" || name === "default") {
    updated = { ...entry, [name]: withList((entry[name] ?? []) as readonly T[], segs.slice(2), change) };
  } else {
    return [...root];
  }
  const copy = [...root];
  copy[index] = updated;
  return copy;
}

/**
 * Move the entry at `fromPath` to the place of `toPath` in the same list (like arrayMove). Paths in
 * different lists, or out of range, leave the tree as it is (a copy).
 */
export function moveInTree<T extends FlowEntry>(root: readonly T[], fromPath: string, toPath: string): T[] {
  const from = fromPath.lastIndexOf("/");
  const to = toPath.lastIndexOf("/");
  const listPath = fromPath.slice(0, from);
  if (listPath !== toPath.slice(0, to)) return [...root];
  const a = Number(fromPath.slice(from + 1));
  const b = Number(toPath.slice(to + 1));
  return withList(root, segments(listPath), (list) => {
    const copy = [...list];
    if (a < 0 || b < 0 || a >= copy.length || b >= copy.length) return copy;
    const [moved] = copy.splice(a, 1);
    copy.splice(b, 0, moved!);
    return copy;
  });
}
