/**
 * Shapes of the automation API (`/api/v1/automation/…`). The OpenAPI schema documents these
 * endpoints as free-form objects (OpenApiTypes.OBJECT), so their shapes are written down here from
 * the seeds (001, 003) and the real responses. AutomationConfig is typed by the schema.
 */
import type { components } from "../api/schema";

export type AutomationConfig = components["schemas"]["AutomationConfig"];
export type AutomationConfigUpdate = components["schemas"]["AutomationConfigRequest"];
/** The answer to PUT config/: the config, plus the notification webhook's signing secret the first time one is set (once). */
export type AutomationConfigSaved = AutomationConfig & { signing_secret?: string };
export type RetryFailedResponse = components["schemas"]["RetryFailed"];

export type RunStatus = "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
export type StepStatus = "pending" | "running" | "completed" | "failed" | "skipped" | "cancelled";
export type TriggerType = "manual" | "scheduled" | "event" | "webhook";
export type StageKind = "AI" | "Local" | "Manual";

export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "paused"];

/** `stage_N_result`: null until the stage starts. Besides these, `<processed_key>` and `<created_key>`. */
export interface StageResult {
  status: StepStatus;
  input_count: number;
  output_count: number;
  batches: number;
  credits_used: number;
  time_elapsed: string;
  time_elapsed_seconds: number;
  started_at?: string | null;
  ended_at?: string | null;
  attempts?: number;
  errors?: unknown[];
  error?: string | null;
  skip_reason?: string | null;
  total_words?: number;
  [key: string]: unknown;
}

/** `initial_snapshot`: items waiting at each stage when the run started. */
export interface InitialSnapshot {
  stage_1_initial?: number;
  stage_2_initial?: number;
  stage_3_initial?: number;
  stage_4_initial?: number;
  stage_5_initial?: number;
  stage_6_initial?: number;
  stage_7_initial?: number;
  total_initial_items?: number;
  [key: string]: number | undefined;
}

/** `current_run/` → `run`. */
export interface CurrentRun {
  run_id: string;
  status: RunStatus;
  trigger_type: TriggerType;
  current_stage: number;
  started_at: string | null;
  completed_at: string | null;
  paused_at: string | null;
  resumed_at: string | null;
  cancelled_at: string | null;
  total_credits_used: number;
  credits_reserved: number;
  error_message: string | null;
  initial_snapshot: InitialSnapshot;
  duration_seconds: number;
  stage_1_result: StageResult | null;
  stage_2_result: StageResult | null;
  stage_3_result: StageResult | null;
  stage_4_result: StageResult | null;
  stage_5_result: StageResult | null;
  stage_6_result: StageResult | null;
  stage_7_result: StageResult | null;
  stage_statuses: StepStatus[];
  progress_percent: number;
}

/** `current_run/` → `last_run`: how the latest finished pipeline run ended. */
export interface LastFinishedRun {
  run_id: string;
  status: "completed" | "failed" | "cancelled";
  error_message: string | null;
  completed_at: string | null;
}

export interface CurrentRunResponse {
  run: CurrentRun | null;
  /** "HH:MM:SS - message" (UTC), the last 50 lines. */
  activity_log: string[];
  /** The latest finished run, or null when none has finished. */
  last_run?: LastFinishedRun | null;
}

export interface RunNowResponse {
  run_id: string;
  status: RunStatus;
  message: string;
}

/** Bodies of run_now/'s refusals. */
export interface AlreadyRunningBody {
  detail: string;
  run_id: string | null;
  code: "already_running";
}
/** 402: no run was made (the body has no run_id). */
export interface InsufficientCreditsBody {
  detail: string;
  code: "insufficient_credits";
  needed: number | string;
  available: number | string;
}

export interface ControlResponse {
  run_id: string;
  status: RunStatus;
  message: string;
}

export interface EstimateResponse {
  estimated_credits: number;
  current_balance: number;
  /** Run Now's own test: the available balance covers what a run would reserve. */
  sufficient: boolean;
}

export interface PipelineStageOverview {
  number: number;
  name: string;
  type: StageKind;
  action: string;
  pending: number;
  enabled: boolean;
}

export interface PipelineOverviewResponse {
  stages: PipelineStageOverview[];
}

export interface HistoryRun {
  run_id: string;
  run_number: number;
  run_title: string;
  status: RunStatus;
  trigger_type: TriggerType;
  started_at: string | null;
  completed_at: string | null;
  duration_seconds: number;
  total_credits_used: number;
  current_stage: number;
  stages_completed: number;
  stages_failed: number;
  initial_snapshot: InitialSnapshot;
  summary: { items_processed: number; items_created: number; content_created: number; images_generated: number };
  stage_statuses: StepStatus[];
}

export interface Pagination {
  page: number;
  page_size: number;
  total_count: number;
  total_pages: number;
}

export interface HistoryResponse {
  runs: HistoryRun[];
  pagination: Pagination;
}

export interface LogsResponse {
  run_id: string;
  log: string;
  lines: number;
}

/** `executions/{run_id}/logs/`: one line of a run's log. */
export interface RunLogLine {
  id: number;
  at: string;
  step_index: number | null;
  level: string;
  message: string;
}

export interface PredictiveStage {
  stage: number;
  name: string;
  type: StageKind;
  enabled: boolean;
  pending_items: number;
  input_items: number;
  avg_credits_per_item: number;
  estimated_credits: number;
  avg_output_ratio: number;
  estimated_output: number;
  output_type: string;
}

export interface OverviewStats {
  run_statistics: {
    total_runs: number;
    completed_runs: number;
    failed_runs: number;
    success_rate: number;
    avg_duration_seconds: number;
    avg_credits_per_run: number;
    runs_this_week: number;
    runs_last_week: number;
    credits_trend: number;
    duration_trend: number;
  };
  predictive_analysis: {
    stages: PredictiveStage[];
    total_estimated_credits: number;
    /** Advice only (estimate + 20 %); sufficiency does not depend on it. */
    recommended_buffer: number;
    current_balance: number;
    /** The available balance covers what a run would reserve: the same test as `estimate/`'s `sufficient` and Run Now. */
    is_sufficient: boolean;
    expected_outputs: Record<string, number>;
  };
  attention_items: {
    skipped_ideas: number;
    failed_content: number;
    failed_images: number;
    total_attention_needed: number;
  };
  historical_averages: {
    period_days: number;
    runs_analyzed: number;
    uses_defaults: boolean;
    [key: string]: number | boolean;
  };
}

export interface RunDetailStage {
  number: number;
  name: string;
  action: string;
  type: StageKind;
  status: StepStatus;
  is_enabled: boolean;
  result: StageResult;
  efficiency: { cost_per_input: number; cost_per_output: number; output_ratio: number; processing_rate: number };
  comparison: {
    avg_credits: number;
    avg_output: number;
    runs_compared: number;
    credits_diff_percent: number;
    output_diff_percent: number;
  };
}

export interface RunDetail {
  run: {
    run_id: string;
    run_number: number;
    run_title: string;
    site_name: string;
    site_domain: string;
    status: RunStatus;
    trigger_type: TriggerType;
    current_stage: number;
    started_at: string | null;
    completed_at: string | null;
    paused_at: string | null;
    resumed_at: string | null;
    cancelled_at: string | null;
    duration_seconds: number;
    total_credits_used: number;
    error_message: string | null;
    rule_id: number | null;
    rule_version: number | null;
    attempt: number;
  };
  initial_snapshot: InitialSnapshot;
  stages: RunDetailStage[];
  metrics: {
    total_input_items: number;
    total_output_items: number;
    duration_seconds: number;
    efficiency_percent: number;
    credits_by_stage: Record<string, number>;
    time_by_stage: Record<string, number>;
  };
  insights: string[];
}
