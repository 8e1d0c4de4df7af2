/**
 * Rule and run types. The generated schema types are the base; the JSON fields the schema can only
 * call `unknown` (trigger, conditions, actions, causation, the catalogs) get their documented shape
 * here, and nowhere else.
 */
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type RuleMode = Schemas["ModeEnum"];
export type ModeScope = Schemas["ModeScopeEnum"];
export type RunStatus = Schemas["RunStatusEnum"];
export type StepStatus = Schemas["RunStepStatusEnum"];
export type RunTriggerType = Schemas["TriggerTypeEnum"];
export type TriggerOutcome = Schemas["OutcomeEnum"];

export const RULE_MODES = ["single", "queued", "parallel", "restart"] as const satisfies readonly RuleMode[];
export const RUN_STATUSES = ["queued", "running", "paused", "completed", "failed", "cancelled"] as const satisfies readonly RunStatus[];
export const RUN_TRIGGER_TYPES = ["manual", "scheduled", "event", "webhook"] as const satisfies readonly RunTriggerType[];
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["queued", "running"];

export type TriggerType = "manual" | "schedule" | "event" | "webhook";
export const TRIGGER_TYPES = ["manual", "schedule", "event", "webhook"] as const satisfies readonly TriggerType[];

export interface Trigger {
  type: TriggerType;
  cron?: string;
  timezone?: string;
  catch_up?: "latest" | "none";
  event?: string;
  fields?: string[];
}

/** A JSONLogic expression (`{"op": [args]}`), or a literal inside one. */
export type JsonLogic = { [op: string]: unknown };

export interface RetryPolicy {
  max: number;
  backoff: number;
}

export interface ActionStep {
  type: string;
  name?: string;
  params: Record<string, unknown>;
  on_error?: "stop" | "continue";
  retry?: RetryPolicy;
  timeout?: number | null;
}

export interface LastRun {
  run_id: string;
  status: RunStatus;
  created_at: string;
}

export interface ScheduleInfo {
  description: string;
  timezone: string;
  next_fire_times: string[];
}

export type Rule = Omit<Schemas["Rule"], "trigger" | "conditions" | "actions" | "schedule" | "last_run" | "is_shadow"> & {
  trigger: Trigger;
  /** A shadow rule listens and records what it would do (trigger records with outcome `shadow`); it executes nothing. */
  is_shadow: boolean;
  conditions: JsonLogic | null;
  actions: ActionStep[];
  schedule: ScheduleInfo | null;
  last_run: LastRun | null;
  /** Only in the answer to a create (or a change to a webhook trigger): shown once. */
  webhook_secret?: string;
  /** Only in the answer to the save that gave a rule with a webhook step its signing secret: shown once. */
  signing_secret?: string;
};

export type ImportConflict = Schemas["OnConflictEnum"];
/** One rule of an import (preview or done); the secrets of a created webhook rule appear once. */
export type ImportedRule = Schemas["ImportedRule"];
export type ImportResult = Schemas["RuleImportResult"];

/** What the API takes for a create or a full update. */
export interface RulePayload {
  name: string;
  description: string;
  site: number | null;
  is_active: boolean;
  is_shadow: boolean;
  mode: RuleMode;
  max_runs: number;
  mode_scope: ModeScope;
  allow_self_trigger: boolean;
  budget_per_run: string | null;
  trigger: Trigger;
  conditions: JsonLogic | null;
  actions: ActionStep[];
}

export interface ActionType {
  type: string;
  name: string;
  description: string;
  queue: string;
  params_schema: JsonSchema;
  cost: string;
}

/** The subset of JSON Schema the action catalog uses. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  title?: string;
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  [key: string]: unknown;
}

export interface EventType {
  name: string;
  description: string;
  fields: string[];
}

export interface TriggerCatalog {
  trigger_types: TriggerType[];
  events: EventType[];
  custom_events: string;
}

export interface Causation {
  root_event?: string;
  event?: string;
  depth?: number;
  rule_path?: number[];
  parent_run_id?: string;
}

export type Run = Omit<Schemas["Run"], "causation"> & { causation: Causation | null };

export type RunStep = Schemas["RunStep"];

export interface ChildRun {
  run_id: string;
  rule_id: number | null;
  rule_name: string;
  status: RunStatus;
  created_at: string;
}

export type RunDetail = Omit<Schemas["RunDetail"], "causation" | "child_runs"> & {
  causation: Causation | null;
  child_runs: ChildRun[];
};

export type RunLog = Schemas["RunLog"];

/** A trigger and its outcome (`shadow`: a shadow rule would have run here; `estimated_credits`: what that run would cost). */
export type TriggerRecord = Omit<Schemas["TriggerRecord"], "causation"> & { causation: Causation | null };

export interface RuleVersion {
  version: number;
  snapshot: Partial<RulePayload>;
  created_at: string;
  created_by: number | null;
}

export interface TraceEntry {
  path: string;
  op: string;
  args: unknown[];
  result?: unknown;
  error?: string;
}

export interface TestResult {
  result: boolean;
  trace: TraceEntry[];
  error: { path: string; message: string } | null;
  context: Record<string, unknown>;
}

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

// --- issue 15: shadow rules, backtests, replay ---------------------------------------------------

/** A shadow rule's last days: `{"would_have_run": 12, "estimated_credits": "36.00", "last_at": iso|null, "days": 7}`. */
export type ShadowSummary = Schemas["ShadowSummary"];

/** What a backtest decided for one journal event. */
export type BacktestDecision = Schemas["BacktestSampleDecisionEnum"];

/** Counts of the events a backtest dropped, by reason. */
export type BacktestDropped = Schemas["BacktestDropped"];

/** One event of a backtest (`event_id` null for a schedule's fire time), with the conditions' trace. */
export type BacktestSample = Omit<Schemas["BacktestSample"], "trace"> & { trace: TraceEntry[] };

/** The answer of POST rules/backtest/. */
export type BacktestResult = Omit<Schemas["BacktestResult"], "samples"> & { samples: BacktestSample[] };

/** The body of POST rules/backtest/: a saved rule's id, or the draft as the editor holds it (with `id` when saved). */
export type BacktestBody = Omit<Schemas["BacktestRequest"], "rule"> & { rule: number | (RulePayload & { id?: number }) };

/** The answer of POST rules/{id}/replay/. */
export type ReplayResult = Schemas["ReplayResult"];
