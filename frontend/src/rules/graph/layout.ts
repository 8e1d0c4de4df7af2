/** Node sizes and the layout (dagre, top to bottom), plus the boxes around loop bodies and their back edges. */
import dagre from "@dagrejs/dagre";

import type { GraphEdge, GraphModel, GraphNode, NodeKind } from "./model";

export const NODE_WIDTH = 300;
export const JOIN_WIDTH = 150;
export const NODE_HEIGHTS: Record<NodeKind, number> = {
  trigger: 92,
  conditions: 84,
  action: 112,
  if: 96,
  switch: 96,
  for_each: 104,
  parallel: 96,
  wait: 96,
  call_rule: 96,
  stop: 84,
  join: 34,
};
export const RUN_EXTRA_HEIGHT = 30;
/** A body node that ran more than once shows its instances by status on one more line. */
export const COUNTS_EXTRA_HEIGHT = 22;
/** Room for one waiting approval's prompt, note and buttons. */
export const APPROVAL_HEIGHT = 172;

const BOX_PAD_X = 16;
const BOX_PAD_TOP = 36;
const BOX_PAD_BOTTOM = 12;

export interface Positioned extends GraphNode {
  position: { x: number; y: number };
  width: number;
  height: number;
}

export interface LoopBox {
  id: string;
  loopId: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidEdge extends GraphEdge {
  /** Loop back edges: the x of their vertical run, right of the loop's box. */
  routeX?: number;
}

export function nodeWidth(node: GraphNode): number {
  return node.data.kind === "join" ? JOIN_WIDTH : NODE_WIDTH;
}

export function nodeHeight(node: GraphNode): number {
  const { data } = node;
  let height = NODE_HEIGHTS[data.kind];
  if (data.kind === "join") return height;
  if (data.overlay) height += RUN_EXTRA_HEIGHT;
  if (data.overlay && data.overlay.instances > 1 && data.kind !== "for_each") height += COUNTS_EXTRA_HEIGHT;
  height += Math.min(data.approvals?.length ?? 0, 2) * APPROVAL_HEIGHT;
  return height;
}

/** Top-left positions from dagre (top to bottom by default), the loop boxes, and the size of the whole drawing. */
export function layoutGraph(model: GraphModel, direction: "TB" | "LR" = "TB") {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 40, ranksep: 44, marginx: 16, marginy: 16 });
  // (A loop box sits in the rank gap above its body: 36 of the 44 px.)
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of model.nodes) g.setNode(node.id, { width: nodeWidth(node), height: nodeHeight(node) });
  for (const e of model.edges) if (!e.loopBack) g.setEdge(e.source, e.target, { weight: e.tight ? 10 : 1 });
  dagre.layout(g, { constraints: model.order });
  const nodes: Positioned[] = model.nodes.map((node) => {
    const box = g.node(node.id);
    const width = nodeWidth(node);
    const height = nodeHeight(node);
    return { ...node, width, height, position: { x: box.x - width / 2, y: box.y - height / 2 } };
  });
  const boxes = loopBoxes(model, nodes);
  const edges: LaidEdge[] = model.edges.map((e) => {
    if (!e.loopBack) return e;
    const box = boxes.find((b) => b.loopId === e.target);
    return { ...e, routeX: box ? box.x + box.width + 14 : undefined };
  });
  const graph = g.graph();
  const right = Math.max(graph.width ?? NODE_WIDTH, ...boxes.map((b) => b.x + b.width + 48));
  return { nodes, edges, boxes, width: right, height: graph.height ?? 200 };
}

/** A box around each loop's body (inner loops first, so an outer box holds the inner boxes too). */
function loopBoxes(model: GraphModel, nodes: Positioned[]): LoopBox[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const boxes: LoopBox[] = [];
  for (const loop of model.loops) {
    const rects = loop.members.map((id) => byId.get(id)).filter((n): n is Positioned => !!n).map((n) => ({ x: n.position.x, y: n.position.y, width: n.width, height: n.height }));
    for (const inner of boxes) if (loop.members.includes(inner.loopId)) rects.push(inner);
    if (rects.length === 0) continue;
    const left = Math.min(...rects.map((r) => r.x)) - BOX_PAD_X;
    const top = Math.min(...rects.map((r) => r.y)) - BOX_PAD_TOP;
    const right = Math.max(...rects.map((r) => r.x + r.width)) + BOX_PAD_X;
    const bottom = Math.max(...rects.map((r) => r.y + r.height)) + BOX_PAD_BOTTOM;
    boxes.push({ id: loop.id, loopId: loop.loopId, label: loop.label, x: left, y: top, width: right - left, height: bottom - top });
  }
  return boxes;
}
