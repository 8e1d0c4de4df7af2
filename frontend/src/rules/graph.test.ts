import { buildGraph, describeLogic, layoutGraph, paramFacts, type RuleShape } from "./graph";
import type { RunDetail, RunStep } from "./types";

const rule: RuleShape = {
  trigger: { type: "event", event: "keyword.created", fields: ["volume"] },
  conditions: { ">": [{ var: "object.volume" }, 1000] },
  actions: [
    { type: "log", params: { message: "big keyword" } },
    { type: "webhook", name: "Tell the CRM", params: { url: "http://127.0.0.1:9000/hook" }, on_error: "continue", retry: { max: 3, backoff: 5 } },
    { type: "delay", params: { seconds: 5 } },
  ],
};

function step(index: number, action_type: string, overrides: Partial<RunStep> = {}): RunStep {
  return {
    index,
    key: `step-${index + 1}`,
    path: `actions/${index}`,
    action_type,
    name: "",
    params: {},
    on_error: "stop",
    max_retries: 0,
    timeout: null,
    status: "pending",
    attempts: 0,
    started_at: null,
    finished_at: null,
    duration_seconds: null,
    input_count: 0,
    output_count: 0,
    credits_used: "0.00",
    result: null,
    error: "",
    error_kind: "",
    ...overrides,
  };
}

function run(steps: RunStep[], overrides: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 1,
    run_id: "run_1",
    rule: 1,
    rule_name: "Big keywords",
    dry_run: false,
    rule_version: 1,
    site: 1,
    trigger_type: "event",
    status: "running",
    current_step: 1,
    attempt: 1,
    created_at: "2026-01-01T00:00:00Z",
    started_at: "2026-01-01T00:00:00Z",
    completed_at: null,
    paused_at: null,
    resumed_at: null,
    cancelled_at: null,
    duration_seconds: 1.2,
    total_credits_used: "0.00",
    credits_reserved: "0.00",
    error_message: "",
    causation: { event: "keyword.created", root_event: "keyword.created", depth: 0, rule_path: [] },
    parent_run_id: null,
    steps_total: 0,
    steps_completed: 0,
    trigger_payload: {},
    program: [],
    steps,
    child_runs: [],
    ...overrides,
  };
}

describe("building the workflow graph", () => {
  it("chains trigger → conditions → actions in order", () => {
    const graph = buildGraph(rule);
    expect(graph.nodes.map((n) => n.id)).toEqual(["trigger", "conditions", "step-0", "step-1", "step-2"]);
    expect(graph.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      "trigger>conditions",
      "conditions>step-0",
      "step-0>step-1",
      "step-1>step-2",
    ]);
    expect(graph.nodes[0]?.data).toMatchObject({ kind: "trigger", title: "Event", subtitle: "keyword.created" });
    expect(graph.nodes[1]?.data.subtitle).toBe("object.volume > 1000");
    expect(graph.nodes[3]?.data).toMatchObject({ title: "Tell the CRM", subtitle: "webhook", onError: "continue", badge: "Step 2" });
    expect(graph.nodes[3]?.data.facts).toContain("retry ×3");
    expect(graph.edges[3]?.label).toBe("always"); // the step before continues on error
    expect(graph.nodes.every((n) => n.data.overlay === undefined)).toBe(true);
  });

  it("leaves out the conditions node when there are none, and names actions from the catalog", () => {
    const graph = buildGraph({ ...rule, conditions: null, actions: [{ type: "log", params: { message: "x" } }] }, null, [
      { type: "log", name: "Write to the run log", description: "", queue: "local", params_schema: {}, cost: "free" },
    ]);
    expect(graph.nodes.map((n) => n.id)).toEqual(["trigger", "step-0"]);
    expect(graph.nodes[1]?.data.title).toBe("Write to the run log");
    expect(graph.nodes[1]?.data.queue).toBe("local");
  });

  it("lays a run's step states over the action nodes", () => {
    const graph = buildGraph(
      rule,
      run([
        step(0, "log", { status: "completed", attempts: 1, duration_seconds: 0.01, output_count: 1 }),
        step(1, "webhook", { status: "running", attempts: 2, max_retries: 3, credits_used: "1.50" }),
        step(2, "delay"),
      ]),
    );
    const [, conditions, first, second, third] = graph.nodes;
    expect(conditions?.data.passed).toBe(true);
    expect(first?.data.overlay).toMatchObject({ status: "completed", attempts: 1, durationSeconds: 0.01, outputCount: 1 });
    expect(second?.data.overlay).toMatchObject({ status: "running", attempts: 2, maxRetries: 3, credits: "1.50" });
    expect(third?.data.overlay?.status).toBe("pending");
    expect(graph.edges.find((e) => e.target === "step-1")).toMatchObject({ status: "active", animated: true });
    expect(graph.edges.find((e) => e.target === "step-0")?.status).toBe("done");
    expect(graph.nodes[0]?.data.facts[0]).toBe("this run: keyword.created");
  });

  it("draws what actually ran when the rule changed since the run", () => {
    const graph = buildGraph(rule, run([step(0, "notify", { status: "failed", error: "SMTP down", name: "Mail the team" })], { status: "failed" }));
    const actions = graph.nodes.filter((n) => n.data.kind === "action");
    expect(actions).toHaveLength(1);
    expect(actions[0]?.data).toMatchObject({ title: "Mail the team", subtitle: "notify" });
    expect(actions[0]?.data.overlay).toMatchObject({ status: "failed", error: "SMTP down" });
    expect(graph.edges.at(-1)?.status).toBe("failed");
  });

  it("shows pipeline stages and handovers of the seven-stage preset", () => {
    const types = ["cluster_keywords", "generate_ideas", "queue_to_writer", "generate_content", "generate_image_prompts", "generate_images", "review_gate"];
    const preset: RuleShape = {
      trigger: { type: "schedule", cron: "0 2 * * *", timezone: "UTC" },
      trigger_summary: "At 02:00 AM (UTC)",
      conditions: null,
      actions: types.map((type, i) => ({
        type,
        name: `Stage ${i + 1}`,
        params: { stage: i + 1, drain: true, batch_size: 20, enabled: i !== 5, ...(i ? { handover_from: types[i - 1] } : {}) },
      })),
    };
    const graph = buildGraph(preset);
    expect(graph.nodes).toHaveLength(8);
    expect(graph.nodes[0]?.data.subtitle).toBe("At 02:00 AM (UTC)");
    expect(graph.nodes[1]?.data.badge).toBe("Stage 1");
    expect(graph.nodes[6]?.data.disabled).toBe(true);
    expect(graph.edges.filter((e) => e.label === "after queue drains")).toHaveLength(6);
    expect(graph.nodes[2]?.data.facts).toEqual(["drain", "batch size 20"]);

    const laid = layoutGraph(graph);
    const ys = laid.nodes.map((n) => n.position.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b)); // top to bottom, in order
    expect(new Set(laid.nodes.map((n) => n.position.x + n.width / 2)).size).toBe(1); // one straight column
    for (let i = 1; i < laid.nodes.length; i++) {
      const above = laid.nodes[i - 1]!;
      expect(laid.nodes[i]!.position.y).toBeGreaterThanOrEqual(above.position.y + above.height); // no overlap
    }
    expect(laid.height).toBeGreaterThan(8 * 84);
  });
});

describe("describing conditions", () => {
  it("reads like a sentence", () => {
    expect(
      describeLogic({
        and: [
          { ">": [{ var: "object.volume" }, 1000] },
          { or: [{ in: ["coffee", { var: "object.text" }] }, { in: [{ var: "object.status" }, ["new", "queued"]] }] },
          { "!": { "==": [{ var: "object.disabled" }, true] } },
          { "<=": [10, { var: "object.difficulty" }, 50] },
        ],
      }),
    ).toBe(
      'object.volume > 1000 and (object.text contains "coffee" or object.status in ["new", "queued"]) and not object.disabled = true and object.difficulty between 10 and 50',
    );
    expect(describeLogic({ ">": [{ var: "object.volume" }, 1000] }, 10)).toBe("object.vo…");
  });

  it("summarises params", () => {
    expect(paramFacts({ stage: 1, drain: true, batch_size: 20, enabled: true, url: "http://x", ids: [1, 2], off: false })).toEqual([
      "drain",
      "batch size 20",
      "url: http://x",
      "ids: 2 items",
    ]);
  });
});
