/**
 * The workflow visualizer: the rule as a graph (@xyflow/react, laid out by dagre) with branches, loops
 * and parallel branches, and a run's step states on the nodes (loop progress, the branch taken, waiting
 * approvals with their Approve / Reject). Clicking a node opens its details. With `onReorder` (the
 * editor), entry nodes can be dragged onto another place in their list. Lazily loaded by the editor's
 * Workflow tab and the run page.
 */
import { applyNodeChanges, Background, Controls, MarkerType, ReactFlow, useReactFlow, useStore, type Edge, type Node, type NodeChange } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";

import { useThemeContext } from "../shell/theme";
import { programOf, type FlowRunDetail } from "./flowTypes";
import { buildGraph, layoutGraph, nodeIdForPath, type RuleShape } from "./graph";
import "./graph/flow.css";
import { EDGE_TYPES } from "./graph/edges";
import { NodeDetails } from "./graph/NodeDetails";
import { GraphRunContext, NODE_TYPES, type FlowData } from "./graph/nodes";
import { dropTarget, siblingPath } from "./graph/reorder";
import { entryAt, listAt } from "./graph/tree";
import type { ActionType } from "./types";

interface Props {
  rule: RuleShape;
  run: FlowRunDetail | null;
  catalog: readonly ActionType[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Shown above the graph, e.g. which run is overlaid. */
  caption?: ReactNode;
  /** Drag-and-drop on the graph (and Move up/down in a node's details): move the entry at `fromPath` to `toPath`'s place in the same list. */
  onReorder?: (fromPath: string, toPath: string) => void;
}

const EDGE_COLORS: Record<string, string> = {
  done: "var(--success)",
  active: "var(--primary)",
  failed: "var(--danger)",
  waiting: "var(--warning)",
  idle: "var(--border-strong)",
  "not-taken": "var(--border)",
};

export default function WorkflowView({ rule, run, catalog, selected, onSelect, caption, onReorder }: Props) {
  const { theme } = useThemeContext();
  const model = useMemo(() => buildGraph(rule, run, catalog), [rule, run, catalog]);
  const layout = useMemo(() => layoutGraph(model), [model]);
  const reorderable = !!onReorder && !model.fromRun;
  const laidNodes: Node<FlowData>[] = useMemo(
    () => [
      ...layout.boxes.map((box) => ({
        id: box.id,
        type: "loopBox",
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        data: { kind: "join" as const, title: box.label, subtitle: "", facts: [] },
        draggable: false,
        connectable: false,
        selectable: false,
        focusable: false,
        zIndex: -1,
      })),
      ...layout.nodes.map((node) => {
        const draggable = reorderable && node.data.listPath !== undefined && (listAt(rule.actions, node.data.listPath)?.length ?? 0) > 1;
        return {
          id: node.id,
          type: node.data.kind,
          position: node.position,
          width: node.width,
          height: node.height,
          data: { ...node.data, selected: node.id === selected, draggable },
          draggable,
          connectable: false,
          selectable: false,
        };
      }),
    ],
    [layout, selected, reorderable, rule.actions],
  );
  // Positions move while a node is dragged; every new layout puts them back.
  const [nodes, setNodes] = useState(laidNodes);
  useEffect(() => setNodes(laidNodes), [laidNodes]);
  const onNodesChange = useCallback((changes: NodeChange<Node<FlowData>>[]) => setNodes((current) => applyNodeChanges(changes, current)), []);
  const onNodeDragStop = useCallback(
    (_: unknown, dragged: Node<FlowData>) => {
      const target = dropTarget(dragged, layout.nodes);
      setNodes(laidNodes);
      if (target && dragged.data.path) onReorder?.(dragged.data.path, target);
    },
    [layout.nodes, laidNodes, onReorder],
  );

  const edges: Edge[] = useMemo(
    () =>
      layout.edges.map((e) => {
        const color = EDGE_COLORS[e.status ?? "idle"];
        const strong = e.status && e.status !== "idle" && e.status !== "not-taken";
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          label: e.loopBack ? undefined : e.label,
          animated: e.animated,
          type: e.loopBack ? "loop" : "smoothstep",
          sourceHandle: e.loopBack ? "loop-out" : undefined,
          targetHandle: e.loopBack ? "loop-in" : undefined,
          data: e.loopBack ? { routeX: e.routeX, label: e.label } : undefined,
          className: `rl-edge-${e.status ?? "idle"}${e.unreachable ? " rl-edge-unreachable" : ""}`,
          style: { stroke: color, strokeWidth: strong ? 2.5 : 1.5, ...(e.status === "not-taken" || e.unreachable ? { strokeDasharray: "4 4" } : {}) },
          markerEnd: { type: MarkerType.ArrowClosed, color },
          labelStyle: { fontSize: 11, fill: e.status === "not-taken" ? "var(--text-muted)" : "var(--text)", fontWeight: strong ? 650 : 400 },
          labelBgStyle: { fill: "var(--surface)" },
        };
      }),
    [layout],
  );
  // A wide graph on a narrow screen is drawn smaller: the box is only as tall as the drawing at that scale.
  const boxRef = useRef<HTMLDivElement>(null);
  const boxWidth = useBoxWidth(boxRef);
  const scale = boxWidth ? Math.min(1, Math.max(0.2, (boxWidth - 16) / layout.width)) : 1;
  const height = Math.min(Math.max(layout.height * scale + 48, 320), 2400);
  const selectedNode = model.nodes.find((n) => n.id === selected) ?? null;
  const source = model.fromRun ? (programOf(run) ?? rule.actions) : rule.actions;
  const selectedPath = selectedNode?.data.path;
  const move = useMemo(() => {
    if (!reorderable || !selectedPath) return undefined;
    const up = siblingPath(source, selectedPath, -1);
    const down = siblingPath(source, selectedPath, 1);
    return {
      canMove: { up: up !== null, down: down !== null },
      onMove: (direction: -1 | 1) => {
        const to = direction < 0 ? up : down;
        if (to) {
          onReorder?.(selectedPath, to);
          // The moved entry has a new path (and node id): keep it selected.
          onSelect(nodeIdForPath(to));
        }
      },
    };
  }, [reorderable, selectedPath, source, onReorder, onSelect]);

  return (
    <GraphRunContext.Provider value={{ runId: run?.run_id ?? null }}>
      <div className="rl-workflow">
        {caption && <div className="rl-workflow-caption">{caption}</div>}
        {reorderable && <p className="muted small rl-workflow-hint">Drag a step onto another step of its list to reorder (or use Move up / down in its details).</p>}
        <div className={`rl-workflow-body${selectedNode ? " rl-workflow-with-details" : ""}`}>
          <div className="rl-flow" ref={boxRef} style={{ height }} data-testid="workflow-graph" role="group" aria-label="Workflow graph">
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={NODE_TYPES}
              edgeTypes={EDGE_TYPES}
              onNodesChange={onNodesChange}
              onNodeDragStop={onNodeDragStop}
              fitView
              fitViewOptions={FIT_OPTIONS}
              minZoom={0.2}
              maxZoom={1.5}
              onNodeClick={(_, node) => {
                if (node.type === "loopBox" || node.type === "join") return;
                onSelect(node.id === selected ? null : node.id);
              }}
              nodesDraggable={reorderable}
              nodesConnectable={false}
              nodesFocusable={false}
              edgesFocusable={false}
              elementsSelectable={false}
              zoomOnScroll={false}
              preventScrolling={false}
              panOnScroll={false}
              proOptions={{ hideAttribution: true }}
              colorMode={theme}
            >
              <Background gap={20} size={1} />
              <Controls showInteractive={false} position="bottom-right" />
              <FitView watch={`${selectedNode ? "details" : "full"}:${layout.nodes.length}:${layout.height}`} />
            </ReactFlow>
          </div>
          {selectedNode && (
            <NodeDetails
              key={selectedNode.id}
              node={selectedNode.data}
              id={selectedNode.id}
              rule={rule}
              run={run}
              entry={selectedPath ? entryAt(source, selectedPath) : undefined}
              onClose={() => onSelect(null)}
              onMove={move?.onMove}
              canMove={move?.canMove}
            />
          )}
        </div>
      </div>
    </GraphRunContext.Provider>
  );
}

const FIT_OPTIONS = { padding: 0.08, maxZoom: 1 };

function useBoxWidth(ref: RefObject<HTMLDivElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    const box = ref.current;
    if (!box || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => setWidth(entries[0]?.contentRect.width ?? null));
    observer.observe(box);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** Fit the graph again when its box changes size (the details panel opens or closes, a phone turns) or the graph changes. */
function FitView({ watch }: { watch: string }) {
  const flow = useReactFlow();
  const width = useStore((state) => state.width);
  const height = useStore((state) => state.height);
  useEffect(() => {
    const frame = window.requestAnimationFrame(() => void flow.fitView(FIT_OPTIONS));
    return () => window.cancelAnimationFrame(frame);
  }, [watch, width, height, flow]);
  return null;
}
