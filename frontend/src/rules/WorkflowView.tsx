/**
 * The workflow visualizer: the rule as a graph (@xyflow/react, laid out by dagre), with a run's
 * step states on the action nodes; clicking a node opens its details (params; in a run: result,
 * error and the step's log lines). Lazily loaded by the editor's Workflow tab and the run page.
 */
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, useReactFlow, useStore, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo, type ReactNode } from "react";

import { useThemeContext } from "../shell/theme";
import { useRunLogs } from "./api";
import { buildGraph, layoutGraph, type FlowNodeData, type RuleShape } from "./graph";
import { ClockIcon, CoinsIcon, RetryIcon, TriggerIcon, XIcon } from "./icons";
import type { ActionType, RunDetail } from "./types";
import { exactTime, formatCreditsShort, formatDuration, JsonBlock, StatusBadge, statusLabel } from "./ui";

type FlowData = FlowNodeData & { selected?: boolean };

interface Props {
  rule: RuleShape;
  run: RunDetail | null;
  catalog: readonly ActionType[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Shown above the graph, e.g. which run is overlaid. */
  caption?: ReactNode;
}

const EDGE_COLORS: Record<string, string> = { done: "var(--success)", active: "var(--primary)", failed: "var(--danger)", idle: "var(--border-strong)" };

export default function WorkflowView({ rule, run, catalog, selected, onSelect, caption }: Props) {
  const { theme } = useThemeContext();
  const model = useMemo(() => buildGraph(rule, run, catalog), [rule, run, catalog]);
  const layout = useMemo(() => layoutGraph(model), [model]);
  const nodes: Node<FlowData>[] = useMemo(
    () =>
      layout.nodes.map((node) => ({
        id: node.id,
        type: node.data.kind,
        position: node.position,
        width: node.width,
        height: node.height,
        data: { ...node.data, selected: node.id === selected },
        draggable: false,
        connectable: false,
        selectable: false,
      })),
    [layout, selected, onSelect],
  );
  const edges: Edge[] = useMemo(
    () =>
      layout.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        label: e.label,
        animated: e.animated,
        type: "smoothstep",
        style: { stroke: EDGE_COLORS[e.status ?? "idle"], strokeWidth: e.status && e.status !== "idle" ? 2.5 : 1.5 },
        markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_COLORS[e.status ?? "idle"] },
        labelStyle: { fontSize: 11, fill: "var(--text-muted)" },
        labelBgStyle: { fill: "var(--surface)" },
      })),
    [layout],
  );
  const height = Math.min(Math.max(layout.height + 48, 320), 1600);
  const selectedNode = model.nodes.find((n) => n.id === selected) ?? null;

  return (
    <div className="rl-workflow">
      {caption && <div className="rl-workflow-caption">{caption}</div>}
      <div className={`rl-workflow-body${selectedNode ? " rl-workflow-with-details" : ""}`}>
        <div className="rl-flow" style={{ height }} data-testid="workflow-graph" role="group" aria-label="Workflow graph">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            fitView
            fitViewOptions={FIT_OPTIONS}
            minZoom={0.25}
            maxZoom={1.5}
            onNodeClick={(_, node) => onSelect(node.id === selected ? null : node.id)}
            nodesDraggable={false}
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
        {selectedNode && <NodeDetails node={selectedNode.data} id={selectedNode.id} rule={rule} run={run} onClose={() => onSelect(null)} />}
      </div>
    </div>
  );
}

const FIT_OPTIONS = { padding: 0.08, maxZoom: 1 };

/** Fit the graph again when its box changes width (the details panel opens or closes) or the graph changes. */
function FitView({ watch }: { watch: string }) {
  const flow = useReactFlow();
  const width = useStore((state) => state.width);
  useEffect(() => {
    const frame = window.requestAnimationFrame(() => void flow.fitView(FIT_OPTIONS));
    return () => window.cancelAnimationFrame(frame);
  }, [watch, width, flow]);
  return null;
}

// --- nodes ---------------------------------------------------------------------------------------

function Shell({ data, id, children, className }: { data: FlowData; id: string; children: ReactNode; className: string }) {
  const status = data.overlay?.status ?? (data.passed ? "passed" : "idle");
  return (
    <>
      {data.kind !== "trigger" && <Handle type="target" position={Position.Top} isConnectable={false} />}
      <button
        type="button"
        className={`rl-node ${className} rl-node-${status}${data.selected ? " rl-node-selected" : ""}${data.disabled ? " rl-node-disabled" : ""}`}
        // No onClick here: the click (mouse, or Enter/Space on the focused button) bubbles to the
        // node, whose onNodeClick selects it.
        aria-pressed={data.selected}
        aria-label={`${data.kind === "action" ? `${data.badge}: ` : ""}${data.title}${data.overlay ? `, ${statusLabel(data.overlay.status)}` : ""}. Show details`}
        data-testid={`node-${id}`}
        data-status={data.overlay?.status ?? ""}
      >
        {children}
      </button>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </>
  );
}

const TriggerNode = memo(function TriggerNode({ data, id }: NodeProps<Node<FlowData>>) {
  return (
    <Shell data={data} id={id} className="rl-node-trigger">
      <span className="rl-node-kind">
        <TriggerIcon type={data.title.toLowerCase()} size={14} /> Trigger · {data.title}
      </span>
      <span className="rl-node-title">{data.subtitle}</span>
      {data.facts.length > 0 && <span className="rl-node-facts">{data.facts.join(" · ")}</span>}
    </Shell>
  );
});

const ConditionsNode = memo(function ConditionsNode({ data, id }: NodeProps<Node<FlowData>>) {
  return (
    <Shell data={data} id={id} className="rl-node-conditions">
      <span className="rl-node-kind">◇ Conditions{data.passed ? " · passed" : ""}</span>
      <span className="rl-node-title rl-mono">{data.subtitle}</span>
    </Shell>
  );
});

const ActionNode = memo(function ActionNode({ data, id }: NodeProps<Node<FlowData>>) {
  const o = data.overlay;
  return (
    <Shell data={data} id={id} className="rl-node-action">
      <span className="rl-node-kind">
        <span className="rl-node-badge">{data.badge}</span>
        {data.queue && <span className={`rl-node-queue rl-queue-${data.queue}`}>{data.queue}</span>}
        {data.disabled && <span className="rl-node-queue">disabled</span>}
        {data.onError === "continue" && <span className="rl-node-queue">continue on error</span>}
        {o && <StatusBadge status={o.status} size="small" />}
      </span>
      <span className="rl-node-title">{data.title}</span>
      <span className="rl-node-sub rl-mono">{data.subtitle}</span>
      {data.facts.length > 0 && <span className="rl-node-facts">{data.facts.join(" · ")}</span>}
      {o && (
        <span className="rl-node-run" data-testid={`node-${id}-run`}>
          <span title={`Attempts (${o.maxRetries} retries allowed)`}>
            <RetryIcon size={11} /> {o.attempts}
          </span>
          <span title="Duration">
            <ClockIcon size={11} /> {formatDuration(o.durationSeconds)}
          </span>
          <span title="Credits used">
            <CoinsIcon size={11} /> {formatCreditsShort(o.credits)}
          </span>
          <span title="Items in → out">
            {o.inputCount}→{o.outputCount}
          </span>
        </span>
      )}
    </Shell>
  );
});

const NODE_TYPES = { trigger: TriggerNode, conditions: ConditionsNode, action: ActionNode };

// --- details -------------------------------------------------------------------------------------

function NodeDetails({ node, id, rule, run, onClose }: { node: FlowNodeData; id: string; rule: RuleShape; run: RunDetail | null; onClose: () => void }) {
  const step = node.kind === "action" && run ? run.steps.find((s) => s.index === node.index) : undefined;
  const params = node.kind === "action" ? (step?.params ?? rule.actions[node.index ?? 0]?.params) : undefined;
  return (
    <aside className="rl-node-details" aria-label={`Details: ${node.title}`} data-testid="node-details">
      <header>
        <div>
          <span className="muted small">{node.kind === "action" ? node.badge : node.kind === "trigger" ? "Trigger" : "Conditions"}</span>
          <h3>{node.title}</h3>
        </div>
        <button type="button" className="btn btn-small btn-ghost btn-icon-sm" onClick={onClose} aria-label="Close details">
          <XIcon />
        </button>
      </header>
      {node.kind === "trigger" && (
        <>
          <dl className="rl-facts">
            <dt>Type</dt>
            <dd>{rule.trigger.type}</dd>
            <dt>Summary</dt>
            <dd>{node.subtitle}</dd>
          </dl>
          {run && (
            <>
              <h4>This run</h4>
              <dl className="rl-facts">
                <dt>Started by</dt>
                <dd>{run.causation?.event || run.trigger_type}</dd>
                <dt>Root event</dt>
                <dd>{run.causation?.root_event || "–"}</dd>
                <dt>Depth</dt>
                <dd>{run.causation?.depth ?? 0}</dd>
              </dl>
              <h4>Trigger payload</h4>
              <JsonBlock value={run.trigger_payload} maxHeight={260} label="Trigger payload" />
            </>
          )}
        </>
      )}
      {node.kind === "conditions" && (
        <>
          <p className="small">{node.subtitle}</p>
          <JsonBlock value={rule.conditions} maxHeight={260} label="Conditions (JSONLogic)" />
          {run && <p className="muted small">The conditions passed: the run was started.</p>}
        </>
      )}
      {node.kind === "action" && (
        <>
          <dl className="rl-facts">
            <dt>Action</dt>
            <dd className="rl-mono">{node.actionType}</dd>
            <dt>If it fails</dt>
            <dd>{node.onError === "continue" ? "continue with the next step" : "stop the run"}</dd>
            {step && (
              <>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={step.status} size="small" />
                </dd>
                <dt>Attempts</dt>
                <dd>
                  {step.attempts}{" "}
                  <span className="muted small">
                    ({step.max_retries} retr{step.max_retries === 1 ? "y" : "ies"} allowed)
                  </span>
                </dd>
                <dt>Started</dt>
                <dd>{exactTime(step.started_at)}</dd>
                <dt>Duration</dt>
                <dd>{formatDuration(step.duration_seconds)}</dd>
                <dt>Items</dt>
                <dd>
                  {step.input_count} in → {step.output_count} out
                </dd>
                <dt>Credits</dt>
                <dd>{formatCreditsShort(step.credits_used)}</dd>
              </>
            )}
          </dl>
          {step?.error && (
            <div className="rl-step-error" role="alert">
              <strong>{step.error_kind ? `${step.error_kind} error` : "Error"}</strong>
              <p className="rl-mono small">{step.error}</p>
            </div>
          )}
          {step && step.result !== null && step.result !== undefined && (
            <>
              <h4>Result</h4>
              <JsonBlock value={step.result} maxHeight={220} label="Step result" />
            </>
          )}
          <h4>Parameters</h4>
          <JsonBlock value={params ?? {}} maxHeight={200} label="Step parameters" />
          {run && node.index !== undefined && <StepLog
              runId={run.run_id}
              step={node.index}
              live={step?.status === "running" || run.status === "running"}
              version={`${run.status}:${run.attempt}:${step?.status}:${step?.attempts}`}
            />}
          {!run && <p className="muted small">Run the rule to see this step's status, result and log here.</p>}
        </>
      )}
      <span className="visually-hidden">{id}</span>
    </aside>
  );
}

function StepLog({ runId, step, live, version }: { runId: string; step: number; live: boolean; version: string }) {
  const logs = useRunLogs(runId, step, live);
  const { refetch } = logs;
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  return (
    <>
      <h4>Log</h4>
      {logs.isPending ? (
        <p className="muted small">Loading…</p>
      ) : logs.isError ? (
        <p className="rl-field-error">Could not load the log.</p>
      ) : logs.data.length === 0 ? (
        <p className="muted small">No log lines for this step yet.</p>
      ) : (
        <ol className="rl-log rl-log-compact" data-testid="step-log">
          {logs.data.map((line) => (
            <li key={line.id} className={`rl-log-${line.level}`}>
              <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>
              <span className="rl-log-msg">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
