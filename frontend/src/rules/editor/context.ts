/** What every entry of the actions tree editor shares: the catalog, ids, errors, open state and the tree operations. */
import { createContext, useContext } from "react";

import type { StepDraft } from "../draft";
import type { StepErrors } from "../errors";
import type { ActionType } from "../types";
import type { ListRef } from "./tree";

export interface TreeEditor {
  root: StepDraft[];
  catalog: readonly ActionType[];
  byType: Map<string, ActionType>;
  /** The action catalog grouped by queue, in display order. */
  grouped: [string, ActionType[]][];
  /** Each entry's id (its own or the generated one) by key. */
  ids: Map<string, string>;
  /** Ids more than one entry has (the API refuses them). */
  duplicateIds: Set<string>;
  /** The API's errors by entry key. */
  errorsByKey: Map<string, StepErrors>;
  /** The saved rule's warnings by entry key (saved, but probably a mistake: shown, not blocking). */
  warningsByKey: Map<string, StepErrors>;
  isOpen: (entry: StepDraft) => boolean;
  toggle: (entry: StepDraft) => void;
  update: (key: string, patch: Partial<StepDraft> | ((entry: StepDraft) => StepDraft)) => void;
  remove: (key: string) => void;
  move: (key: string, to: ListRef, index: number) => void;
  insert: (to: ListRef, index: number, entry: StepDraft) => void;
  /** The entry just added: it takes the focus once shown. */
  focusKey: string | null;
  clearFocus: () => void;
}

export const TreeContext = createContext<TreeEditor | null>(null);

export function useTree(): TreeEditor {
  const tree = useContext(TreeContext);
  if (!tree) throw new Error("useTree outside the actions editor");
  return tree;
}

export const QUEUE_LABELS: Record<string, string> = { local: "Built-in", ai: "AI (uses credits)", publish: "Publishing" };

export function queueOrder(queue: string): number {
  return ["local", "ai", "publish"].indexOf(queue) + 1 || 9;
}
