/** Fixtures for the graph's tests: a control-flow rule and runs of it, shaped as the issue-14 contract says. */
import type { FlowEntry, FlowRunDetail, FlowRunStep } from "../flowTypes";
import type { RuleShape } from "../graph";

export const flowActions: FlowEntry[] = [
  {
    id: "short",
    type: "if",
    condition: { "<": [{ var: "object.word_count" }, 800] },
    then: [{ type: "optimize_content", params: { items: "trigger" } }],
    else: [{ type: "publish_to_wordpress", params: {} }],
  },
  {
    id: "each",
    type: "for_each",
    items: { var: "steps.short.output.ids" },
    as: "item",
    concurrency: 4,
    do: [
      { id: "publish", type: "webhook", params: { url: "http://127.0.0.1:9/hook" } },
      { type: "wait", for: "approval", prompt: "Publish this one?", timeout: 3600 },
    ],
  },
  { type: "parallel", join: "any", branches: [[{ type: "log", params: { message: "a" } }], [{ type: "log", params: { message: "b" } }, { type: "delay", params: { seconds: 1 } }]] },
  { type: "switch", cases: [{ condition: { "==": [1, 1] }, do: [{ type: "log", params: {} }] }], default: [{ type: "stop", status: "failed", message: "no case" }] },
  { type: "call_rule", rule: 7, payload: { x: 1 }, wait: true },
  { type: "wait", for: "duration", seconds: 30 },
];

export const flowRule: RuleShape = { trigger: { type: "manual" }, conditions: null, actions: flowActions };

export function flowStep(index: number, key: string, path: string, action_type: string, overrides: Partial<FlowRunStep> = {}): FlowRunStep {
  return {
    index,
    key,
    path,
    action_type,
    name: "",
    params: {},
    on_error: "stop",
    max_retries: 0,
    timeout: null,
    status: "completed",
    attempts: 1,
    started_at: "2026-01-01T00:00:00Z",
    finished_at: null,
    duration_seconds: 0.5,
    input_count: 0,
    output_count: 0,
    credits_used: "0.00",
    result: null,
    error: "",
    error_kind: "",
    ...overrides,
  };
}

export function flowRun(steps: FlowRunStep[], overrides: Partial<FlowRunDetail> = {}): FlowRunDetail {
  return {
    id: 9,
    run_id: "run_flow",
    rule: 3,
    rule_name: "Flow",
    dry_run: false,
    rule_version: 2,
    site: 1,
    trigger_type: "manual",
    status: "running",
    current_step: 1,
    attempt: 1,
    created_at: "2026-01-01T00:00:00Z",
    started_at: "2026-01-01T00:00:00Z",
    completed_at: null,
    paused_at: null,
    resumed_at: null,
    cancelled_at: null,
    duration_seconds: 3,
    total_credits_used: "0.00",
    credits_reserved: "0.00",
    error_message: "",
    causation: { event: "manual", root_event: "manual:3", depth: 0, rule_path: [] },
    parent_run_id: null,
    steps_total: 0,
    steps_completed: 0,
    trigger_payload: {},
    steps,
    child_runs: [],
    program: flowActions,
    ...overrides,
  };
}

/** A run in the middle of the loop: the `if` took `else`, 2 of 3 items published, one approval waiting. */
export function loopRun(): FlowRunDetail {
  return flowRun([
    flowStep(0, "short", "actions/0", "if", { result: { branch: "else", trace: [] } }),
    flowStep(1, "short-else-1", "actions/0/else/0", "publish_to_wordpress", { output_count: 3 }),
    flowStep(2, "each", "actions/1", "for_each", { status: "running", result: { items_total: 3, items_done: 2, items_failed: 0 } }),
    flowStep(3, "publish@0", "actions/1/do/0", "webhook"),
    flowStep(4, "each-do-2@0", "actions/1/do/1", "wait", { result: { output: { decision: "approved" } } }),
    flowStep(5, "publish@1", "actions/1/do/0", "webhook"),
    flowStep(6, "each-do-2@1", "actions/1/do/1", "wait", { result: { output: { decision: "approved" } } }),
    flowStep(7, "publish@2", "actions/1/do/0", "webhook", { status: "failed", error: "HTTP 500" }),
    flowStep(8, "each-do-2@2", "actions/1/do/1", "wait", {
      status: "waiting",
      result: { wait: { for: "approval", prompt: "Publish this one?", until: "2026-01-01T01:00:00Z" } },
    }),
  ]);
}
