/** A loop's back edge: from the end of its body, up along the right of the loop's box, into the loop node. */
import { BaseEdge, EdgeLabelRenderer, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";

export type LoopEdgeData = { routeX?: number; label?: string };

const LoopBackEdge = memo(function LoopBackEdge({ id, sourceX, sourceY, targetX, targetY, data, style, markerEnd }: EdgeProps<Edge<LoopEdgeData>>) {
  const x = Math.max(data?.routeX ?? Math.max(sourceX, targetX) + 24, sourceX + 12, targetX + 12);
  const r = 8;
  const path = [
    `M ${sourceX} ${sourceY}`,
    `H ${x - r}`,
    `Q ${x} ${sourceY} ${x} ${sourceY - r}`,
    `V ${targetY + r}`,
    `Q ${x} ${targetY} ${x - r} ${targetY}`,
    `H ${targetX}`,
  ].join(" ");
  return (
    <>
      <BaseEdge id={id} path={path} style={{ ...style, strokeDasharray: "6 4" }} markerEnd={markerEnd} />
      {data?.label && (
        <EdgeLabelRenderer>
          <span
            className="rl-loop-edge-label"
            style={{ transform: `translate(4px, -50%) translate(${x}px, ${(sourceY + targetY) / 2}px)` }}
          >
            ↻ {data.label}
          </span>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

export const EDGE_TYPES = { loop: LoopBackEdge };
