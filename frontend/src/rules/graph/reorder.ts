/** Drag-and-drop on the graph: which sibling a dropped node lands on, and the neighbours of an entry. */
import type { FlowEntry } from "../flowTypes";
import type { GraphNode } from "./model";
import { listAt } from "./tree";

interface Box {
  id: string;
  data: GraphNode["data"];
  position: { x: number; y: number };
  width?: number | null;
  height?: number | null;
}

function center(box: Box) {
  return { x: box.position.x + (box.width ?? 0) / 2, y: box.position.y + (box.height ?? 0) / 2 };
}

/**
 * The path of the entry a dragged node was dropped on: the sibling (same list) nearest to where it was let
 * go, if that is nearer than its own place and close enough to count as "on it". Null: no move.
 */
export function dropTarget(dragged: Box, laid: readonly Box[]): string | null {
  const list = dragged.data.listPath;
  if (list === undefined || !dragged.data.path) return null;
  const at = center(dragged);
  let best: { path: string; distance: number } | null = null;
  for (const node of laid) {
    if (node.data.listPath !== list || !node.data.path) continue;
    const c = center(node);
    if (Math.abs(at.x - c.x) > (node.width ?? 0)) continue;
    const reach = (node.height ?? 0) / 2 + 24;
    const distance = Math.abs(at.y - c.y);
    if (distance > reach && node.id !== dragged.id) continue;
    if (!best || distance < best.distance) best = { path: node.data.path, distance };
  }
  return best && best.path !== dragged.data.path ? best.path : null;
}

/** The path of the entry before (-1) or after (1) this one in its list, or null at either end. */
export function siblingPath(root: readonly FlowEntry[], path: string, direction: -1 | 1): string | null {
  const at = path.lastIndexOf("/");
  const listPath = path.slice(0, at);
  const position = Number(path.slice(at + 1)) + direction;
  const list = listAt(root, listPath);
  if (!list || position < 0 || position >= list.length) return null;
  return `${listPath}/${position}`;
}
