/** Test data in the shapes the automation API answers (taken from real responses). Tests only. */
import type { CurrentRun, RunDetail, StageResult, StepStatus } from "./types";
import { STAGES } from "./stages";

export function stageResult(number: number, overrides: Partial<StageResult> = {}): StageResult {
  const info = STAGES[number - 1]!;
  const input = overrides.input_count ?? 10;
  const output = overrides.output_count ?? input;
  return {
    status: "completed",
    input_count: input,
    output_count: output,
    batches: 1,
    credits_used: 2,
    time_elapsed: "00:00:02",
    time_elapsed_seconds: 2,
    started_at: `2026-11-21T10:21:${String(10 + number * 2).padStart(2, "0")}Z`,
    ended_at: `2026-11-21T10:21:${String(11 + number * 2).padStart(2, "0")}Z`,
    attempts: 1,
    errors: [],
    error: null,
    skip_reason: null,
    [info.processedKey]: input,
    [info.createdKey]: output,
    ...overrides,
  };
}

/** A run at stage `current` (1–7): earlier stages completed, the current one running, later ones pending. */
export function currentRun(current: number, overrides: Partial<CurrentRun> = {}): CurrentRun {
  const results: Record<string, StageResult | null> = {};
  const statuses: StepStatus[] = [];
  for (const stage of STAGES) {
    const n = stage.number;
    if (n < current) {
      results[`stage_${n}_result`] = stageResult(n);
      statuses.push("completed");
    } else if (n === current) {
      results[`stage_${n}_result`] = stageResult(n, {
        status: "running",
        input_count: 0,
        output_count: 0,
        ended_at: null,
        [stage.processedKey]: 0,
        [stage.createdKey]: 0,
      });
      statuses.push("running");
    } else {
      results[`stage_${n}_result`] = null;
      statuses.push("pending");
    }
  }
  return {
    run_id: "run_20261121_102127_manual",
    status: "running",
    trigger_type: "manual",
    current_stage: current,
    started_at: "2026-11-21T10:21:00Z",
    completed_at: null,
    paused_at: null,
    resumed_at: null,
    cancelled_at: null,
    total_credits_used: 14.2,
    credits_reserved: 420.2,
    error_message: null,
    initial_snapshot: {
      stage_1_initial: 71,
      stage_2_initial: 0,
      stage_3_initial: 0,
      stage_4_initial: 0,
      stage_5_initial: 0,
      stage_6_initial: 0,
      stage_7_initial: 0,
      total_initial_items: 71,
    },
    duration_seconds: 12,
    ...(results as Pick<CurrentRun, `stage_${1 | 2 | 3 | 4 | 5 | 6 | 7}_result`>),
    stage_statuses: statuses,
    progress_percent: 0,
    ...overrides,
  };
}

export function runDetail(overrides: Partial<RunDetail["run"]> = {}): RunDetail {
  const credits = [14.2, 66, 0, 297, 198, 396, 0];
  const io: [number, number, number][] = [
    [71, 71, 33],
    [33, 99, 99],
    [99, 99, 99],
    [99, 99, 99],
    [99, 396, 396],
    [396, 396, 396],
    [99, 99, 99],
  ];
  const stages = STAGES.map((stage, index) => {
    const [input, output, created] = io[index]!;
    return {
      number: stage.number,
      name: stage.name,
      action: "x",
      type: stage.kind,
      status: "completed" as const,
      is_enabled: true,
      result: stageResult(stage.number, {
        input_count: input,
        output_count: output,
        credits_used: credits[index]!,
        [stage.createdKey]: created,
      }),
      efficiency: { cost_per_input: 0.2, cost_per_output: 0.2, output_ratio: 1, processing_rate: 100 },
      comparison: { avg_credits: 10, avg_output: 50, runs_compared: 3, credits_diff_percent: 42, output_diff_percent: -10 },
    };
  });
  return {
    run: {
      run_id: "run_20261121_102127_manual",
      run_number: 1,
      run_title: "demo.example.com #1",
      site_name: "Demo Site",
      site_domain: "demo.example.com",
      status: "completed",
      trigger_type: "manual",
      current_stage: 7,
      started_at: "2026-11-21T10:21:00Z",
      completed_at: "2026-11-21T10:21:28Z",
      paused_at: null,
      resumed_at: null,
      cancelled_at: null,
      duration_seconds: 28.4,
      total_credits_used: 971.2,
      error_message: null,
      rule_id: 1,
      rule_version: 2,
      attempt: 1,
      ...overrides,
    },
    initial_snapshot: { stage_1_initial: 71, total_initial_items: 71 },
    stages,
    metrics: {
      total_input_items: 896,
      total_output_items: 1259,
      duration_seconds: 28.4,
      efficiency_percent: 140.5,
      credits_by_stage: Object.fromEntries(credits.map((value, index) => [`stage_${index + 1}`, value])),
      time_by_stage: Object.fromEntries(credits.map((_, index) => [`stage_${index + 1}`, 2])),
    },
    insights: ["Slowest stage: Image Prompts → Images (00:00:13)."],
  };
}
