/**
 * The graph's node components: trigger, conditions, actions, and one look per control block (if/switch
 * fan out, for_each with its loop progress, parallel, wait with a waiting approval's form, call_rule,
 * stop), the joins where branches meet, and the box around a loop's body.
 */
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext, type ReactNode } from "react";

import { ApprovalForm } from "../../runs/ApprovalForm";
import { ClockIcon, CoinsIcon, RetryIcon, TriggerIcon } from "../icons";
import { formatCreditsShort, formatDuration, StatusBadge, statusLabel } from "../ui";
import { BlockIcon } from "./icons";
import { APPROVAL_HEIGHT } from "./layout";
import type { FlowNodeData, StepOverlay } from "./model";

export type FlowData = FlowNodeData & { selected?: boolean; draggable?: boolean };
type Props = NodeProps<Node<FlowData>>;

/** The run drawn on the graph (its approvals are given from the wait nodes). */
export const GraphRunContext = createContext<{ runId: string | null }>({ runId: null });

const KIND_LABELS: Record<string, string> = {
  if: "If / else",
  switch: "Switch",
  for_each: "For each",
  parallel: "Parallel",
  wait: "Wait",
  call_rule: "Call rule",
  stop: "Stop",
};

function nodeLabel(data: FlowData): string {
  const kind = data.kind === "action" ? data.badge : data.kind === "trigger" || data.kind === "conditions" ? "" : KIND_LABELS[data.kind];
  const status = data.overlay ? `, ${statusLabel(data.overlay.status)}` : data.dimmed ? ", not taken" : "";
  const progress = data.progress ? `, ${data.progress.done} of ${data.progress.total} items` : "";
  return `${kind ? `${kind}: ` : ""}${data.title}${status}${progress}. Show details`;
}

function Shell({ data, id, children, className, after }: { data: FlowData; id: string; children: ReactNode; className: string; after?: ReactNode }) {
  const status = data.overlay?.status ?? (data.passed ? "passed" : "idle");
  const classes = ["rl-node", className, `rl-node-${status}`];
  if (data.selected) classes.push("rl-node-selected");
  if (data.disabled) classes.push("rl-node-disabled");
  if (data.dimmed) classes.push("rl-node-dimmed");
  if (data.draggable) classes.push("rl-node-draggable");
  // Waiting approvals sit under the node's box, in the room the layout gave them.
  const approvals = after ? Math.min(data.approvals?.length ?? 0, 2) : 0;
  const style = approvals ? { flex: "none", height: `calc(100% - ${approvals * APPROVAL_HEIGHT}px)` } : undefined;
  return (
    <div className="rl-node-wrap">
      {data.kind !== "trigger" && <Handle type="target" position={Position.Top} isConnectable={false} />}
      {data.kind === "for_each" && <Handle type="target" id="loop-in" position={Position.Right} isConnectable={false} />}
      <button
        type="button"
        className={classes.join(" ")}
        // No onClick here: the click (mouse, or Enter/Space on the focused button) bubbles to the
        // node, whose onNodeClick selects it.
        aria-pressed={data.selected}
        aria-label={nodeLabel(data)}
        data-testid={`node-${id}`}
        data-status={data.overlay?.status ?? ""}
        data-path={data.path}
        data-key={data.key}
        data-dimmed={data.dimmed ? "true" : undefined}
        style={style}
      >
        {children}
      </button>
      {after}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

function RunLine({ id, o }: { id: string; o: StepOverlay }) {
  return (
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
  );
}

/** A body node that ran more than once: its instances by status (`12 completed · 1 running`). */
function Counts({ id, o }: { id: string; o: StepOverlay }) {
  if (o.instances <= 1) return null;
  const parts = Object.entries(o.counts).map(([status, n]) => `${n} ${statusLabel(status).toLowerCase()}`);
  return (
    <span className="rl-node-counts" data-testid={`node-${id}-counts`} title={`${o.instances} runs of this step (one per loop item)`}>
      ×{o.instances}: {parts.join(" · ")}
    </span>
  );
}

function Kind({ data, children }: { data: FlowData; children: ReactNode }) {
  return (
    <span className="rl-node-kind">
      {children}
      {data.overlay && <StatusBadge status={data.overlay.status} size="small" />}
      {!data.overlay && data.dimmed && <span className="rl-node-queue">not taken</span>}
    </span>
  );
}

const TriggerNode = memo(function TriggerNode({ data, id }: Props) {
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

const ConditionsNode = memo(function ConditionsNode({ data, id }: Props) {
  return (
    <Shell data={data} id={id} className="rl-node-conditions">
      <span className="rl-node-kind">◇ Conditions{data.passed ? " · passed" : ""}</span>
      <span className="rl-node-title rl-mono">{data.subtitle}</span>
    </Shell>
  );
});

const ActionNode = memo(function ActionNode({ data, id }: Props) {
  const o = data.overlay;
  return (
    <Shell data={data} id={id} className="rl-node-action">
      <Kind data={data}>
        <span className="rl-node-badge">{data.badge}</span>
        {data.queue && <span className={`rl-node-queue rl-queue-${data.queue}`}>{data.queue}</span>}
        {data.disabled && <span className="rl-node-queue">disabled</span>}
        {data.onError === "continue" && <span className="rl-node-queue">continue on error</span>}
      </Kind>
      <span className="rl-node-title">{data.title}</span>
      <span className="rl-node-sub rl-mono">{data.subtitle}</span>
      {data.facts.length > 0 && <span className="rl-node-facts">{data.facts.join(" · ")}</span>}
      {o && <Counts id={id} o={o} />}
      {o && <RunLine id={id} o={o} />}
    </Shell>
  );
});

/** if, switch, parallel, call_rule, stop and wait: a control block, its icon and what it decides. */
const BlockNode = memo(function BlockNode({ data, id }: Props) {
  const o = data.overlay;
  const { runId } = useContext(GraphRunContext);
  const icon = data.waitFor === "approval" ? "approval" : data.kind;
  const approvals = data.approvals ?? [];
  return (
    <Shell
      data={data}
      id={id}
      className={`rl-node-block rl-node-${data.kind}`}
      after={
        runId && approvals.length > 0 ? (
          <div className="rl-node-approvals">
            {approvals.slice(0, 2).map((a) => (
              <ApprovalForm key={a.key} runId={runId} stepKey={a.key} prompt={a.prompt} until={a.until} place="graph" />
            ))}
            {approvals.length > 2 && <p className="muted small">{approvals.length - 2} more waiting: see the steps below.</p>}
          </div>
        ) : undefined
      }
    >
      <Kind data={data}>
        <BlockIcon kind={icon} /> {data.waitFor === "approval" ? "Approval" : KIND_LABELS[data.kind]}
        {data.key && <span className="rl-node-key rl-mono">{data.key}</span>}
      </Kind>
      <span className="rl-node-title">{data.title}</span>
      <span className="rl-node-sub">{data.subtitle}</span>
      {data.facts.length > 0 && <span className="rl-node-facts">{data.facts.join(" · ")}</span>}
      {data.taken && data.taken.length > 0 && (
        <span className="rl-node-taken" data-testid={`node-${id}-branch`}>
          took {data.taken.map(branchLabel).join(", ")}
        </span>
      )}
      {o && <Counts id={id} o={o} />}
      {o && !data.taken?.length && <RunLine id={id} o={o} />}
    </Shell>
  );
});

const LoopNode = memo(function LoopNode({ data, id }: Props) {
  const p = data.progress;
  const pct = p && p.total ? Math.round((p.done / p.total) * 100) : 0;
  return (
    <Shell data={data} id={id} className="rl-node-block rl-node-for_each">
      <Kind data={data}>
        <BlockIcon kind="for_each" /> For each
        {data.key && <span className="rl-node-key rl-mono">{data.key}</span>}
      </Kind>
      <span className="rl-node-title">{data.title}</span>
      <span className="rl-node-sub rl-mono">{data.subtitle}</span>
      <span className="rl-node-facts">{data.facts.join(" · ")}</span>
      {p && (
        <span className="rl-loop-progress" data-testid={`loop-progress-${data.key}`} title={`${p.done} of ${p.total} items done${p.failed ? `, ${p.failed} failed` : ""}`}>
          <span className="rl-loop-bar" aria-hidden="true">
            <span style={{ width: `${pct}%` }} />
          </span>
          <span className="rl-loop-count">
            {p.done}/{p.total}
          </span>
          {p.failed > 0 && <span className="rl-loop-failed">{p.failed} failed</span>}
        </span>
      )}
    </Shell>
  );
});

/** Where branches meet (`join: all`), or a loop body's end (its back edge leaves from the right). */
const JoinNode = memo(function JoinNode({ data, id }: Props) {
  return (
    <div className={`rl-join rl-join-${data.joinKind}${data.dimmed ? " rl-node-dimmed" : ""}`} data-testid={`node-${id}`}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      {data.joinKind === "loop" && <Handle type="source" id="loop-out" position={Position.Right} isConnectable={false} />}
      <span>{data.joinKind === "loop" ? "↻ next item" : data.title || "join"}</span>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

/** The box around a loop's body, labelled "for each … (concurrency n)". */
const LoopBoxNode = memo(function LoopBoxNode({ data, id }: Props) {
  return (
    <div className="rl-loop-box" data-testid={`box-${id}`}>
      <span className="rl-loop-box-label" title={data.title}>
        {/* "for each <items>" / "(concurrency n)": two lines, the first cut short if long. */}
        <span>{data.title.slice(0, data.title.lastIndexOf(" (")).trim() || data.title}</span>
        {data.title.lastIndexOf(" (") > 0 && <span>{data.title.slice(data.title.lastIndexOf(" (") + 1)}</span>}
      </span>
    </div>
  );
});

export function branchLabel(branch: string): string {
  const match = /^cases\.(\d+)$/.exec(branch);
  return match ? `case ${Number(match[1]) + 1}` : branch;
}

export const NODE_TYPES = {
  trigger: TriggerNode,
  conditions: ConditionsNode,
  action: ActionNode,
  if: BlockNode,
  switch: BlockNode,
  parallel: BlockNode,
  wait: BlockNode,
  call_rule: BlockNode,
  stop: BlockNode,
  for_each: LoopNode,
  join: JoinNode,
  loopBox: LoopBoxNode,
};
