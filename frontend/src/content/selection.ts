/** Row selection for the review list: a set of ids limited to the rows on screen. Pure functions. */
import { useCallback, useState } from "react";

export type Selection = ReadonlySet<number>;

export function toggleOne(selection: Selection, id: number): Selection {
  const next = new Set(selection);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Select every visible row, or clear them all when all are already selected. */
export function toggleAll(selection: Selection, visible: readonly number[]): Selection {
  return allSelected(selection, visible) ? new Set() : new Set(visible);
}

export function allSelected(selection: Selection, visible: readonly number[]): boolean {
  return visible.length > 0 && visible.every((id) => selection.has(id));
}

/** Some but not all visible rows selected: the header checkbox shows "mixed". */
export function someSelected(selection: Selection, visible: readonly number[]): boolean {
  return visible.some((id) => selection.has(id)) && !allSelected(selection, visible);
}

/** Drop ids that are no longer on screen (after approve, paging or a refetch). */
export function prune(selection: Selection, visible: readonly number[]): Selection {
  const keep = [...selection].filter((id) => visible.includes(id));
  return keep.length === selection.size ? selection : new Set(keep);
}

/** Selected ids in the order the rows are shown (stable request bodies). */
export function selectedIds(selection: Selection, visible: readonly number[]): number[] {
  return visible.filter((id) => selection.has(id));
}

/** The selection hook used by the list; `scope` (status/page/site) resets it when it changes. */
export function useRowSelection(visible: readonly number[], scope: string) {
  const [state, setState] = useState<{ scope: string; ids: Selection }>({ scope, ids: new Set() });
  const current = state.scope === scope ? prune(state.ids, visible) : new Set<number>();
  const ids = selectedIds(current, visible);
  const update = useCallback(
    (change: (ids: Selection) => Selection) => setState((s) => ({ scope, ids: change(s.scope === scope ? s.ids : new Set()) })),
    [scope],
  );
  return {
    ids,
    isSelected: (id: number) => current.has(id),
    all: allSelected(current, visible),
    some: someSelected(current, visible),
    toggle: (id: number) => update((s) => toggleOne(s, id)),
    toggleAll: () => update((s) => toggleAll(prune(s, visible), visible)),
    clear: () => update(() => new Set()),
  };
}
