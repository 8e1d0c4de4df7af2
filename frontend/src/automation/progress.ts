/**
 * Pure logic behind the automation dashboard: status badges, the numbers on each stage card,
 * overall progress with "Stage N/7" and an ETA, and the per-stage badges of the run history.
 *
 * A run reaches this module as a RunSnapshot, built either from `current_run/` (live) or from
 * `run_detail/` (a finished run), so the cards read the same either way.
 */
import { STAGE_COUNT, STAGES, type StageInfo, stageInfo } from "./stages";
import {
  ACTIVE_RUN_STATUSES,
  type CurrentRun,
  type InitialSnapshot,
  type RunDetail,
  type RunStatus,
  type StageKind,
  type StageResult,
  type StepStatus,
} from "./types";

// --- badges ---------------------------------------------------------------------------------------

export type Tone = "neutral" | "primary" | "info" | "success" | "warning" | "danger";

export interface Badge {
  label: string;
  tone: Tone;
}

const RUN_BADGES: Record<RunStatus, Badge> = {
  queued: { label: "Queued", tone: "info" },
  running: { label: "Running", tone: "info" },
  paused: { label: "Paused", tone: "warning" },
  completed: { label: "Completed", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "neutral" },
};

export function runStatusBadge(status: string): Badge {
  if (status === "completed_with_errors") return { label: "Completed with errors", tone: "warning" };
  return RUN_BADGES[status as RunStatus] ?? { label: capitalize(status), tone: "neutral" };
}

/**
 * What a stage card shows. Besides the step statuses: `waiting` (pending inside an active run),
 * `paused`, `ready` (no run; items are waiting), `empty` (no run; nothing waiting), `disabled`.
 */
export type StageDisplayStatus = StepStatus | "waiting" | "paused" | "ready" | "empty" | "disabled";

const STAGE_BADGES: Record<StageDisplayStatus, Badge> = {
  pending: { label: "Pending", tone: "neutral" },
  waiting: { label: "Waiting", tone: "neutral" },
  running: { label: "Running", tone: "info" },
  paused: { label: "Paused", tone: "warning" },
  completed: { label: "Completed", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
  skipped: { label: "Skipped", tone: "neutral" },
  cancelled: { label: "Cancelled", tone: "neutral" },
  ready: { label: "Ready", tone: "primary" },
  empty: { label: "Empty", tone: "neutral" },
  disabled: { label: "Disabled", tone: "neutral" },
};

export function stageStatusBadge(status: StageDisplayStatus): Badge {
  return STAGE_BADGES[status] ?? { label: capitalize(status), tone: "neutral" };
}

function capitalize(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function isActiveRun(status: string | null | undefined): boolean {
  return ACTIVE_RUN_STATUSES.includes(status as RunStatus);
}

const TERMINAL_STEPS: readonly StepStatus[] = ["completed", "failed", "skipped", "cancelled"];

function isTerminalStep(status: string): boolean {
  return TERMINAL_STEPS.includes(status as StepStatus);
}

// --- run snapshots --------------------------------------------------------------------------------

export interface RunSnapshot {
  runId: string;
  status: RunStatus;
  /** 1–7 */
  currentStage: number;
  startedAt: string | null;
  completedAt: string | null;
  totalCredits: number;
  initial: InitialSnapshot;
  /** Seven entries; null for stages that have not started. */
  results: (StageResult | null)[];
  /** Seven entries. */
  stageStatuses: StepStatus[];
}

function padStatuses(statuses: readonly StepStatus[] | undefined): StepStatus[] {
  return STAGES.map((_, index) => statuses?.[index] ?? "pending");
}

export function snapshotFromCurrentRun(run: CurrentRun): RunSnapshot {
  const results = STAGES.map((stage) => run[`stage_${stage.number}_result` as keyof CurrentRun] as StageResult | null);
  return {
    runId: run.run_id,
    status: run.status,
    currentStage: clampStage(run.current_stage),
    startedAt: run.started_at,
    completedAt: run.completed_at,
    totalCredits: run.total_credits_used,
    initial: run.initial_snapshot ?? {},
    results: results.map((result) => result ?? null),
    stageStatuses: padStatuses(run.stage_statuses),
  };
}

export function snapshotFromRunDetail(detail: RunDetail): RunSnapshot {
  const byNumber = new Map(detail.stages.map((stage) => [stage.number, stage]));
  const results = STAGES.map((stage) => {
    const entry = byNumber.get(stage.number);
    // run_detail answers a zeroed result for stages that never started: treat those as "not started".
    return entry && entry.status !== "pending" ? entry.result : null;
  });
  return {
    runId: detail.run.run_id,
    status: detail.run.status,
    currentStage: clampStage(detail.run.current_stage),
    startedAt: detail.run.started_at,
    completedAt: detail.run.completed_at,
    totalCredits: detail.run.total_credits_used,
    initial: detail.initial_snapshot ?? {},
    results,
    stageStatuses: STAGES.map((stage) => byNumber.get(stage.number)?.status ?? "pending"),
  };
}

function clampStage(stage: number | null | undefined): number {
  const value = Math.round(Number(stage) || 1);
  return Math.min(Math.max(value, 1), STAGE_COUNT);
}

// --- stage cards ----------------------------------------------------------------------------------

export interface StageCardModel {
  number: number;
  name: string;
  kind: StageKind;
  info: StageInfo;
  status: StageDisplayStatus;
  badge: Badge;
  /** Queue: everything this stage takes in this run (or, with no run, what waits now plus what the last run took). */
  total: number;
  processed: number;
  remaining: number;
  /** 0–100, whole numbers; 100 only when everything is processed. */
  percent: number;
  /** Items made (clusters, ideas, …), once the stage has a result. */
  created: number | null;
  credits: number;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  skipReason: string | null;
  errorCount: number;
}

export interface StageCardInput {
  /** The active run, or the last finished one (its results show until the next run), or null. */
  run: RunSnapshot | null;
  /** Items waiting now at each stage (`pipeline_overview/`), when known. */
  pending?: readonly (number | undefined)[] | null;
  /** Whether each stage is enabled in the config (default: all). */
  enabled?: readonly (boolean | undefined)[] | null;
}

/** Items made by a stage: its `<created_key>` counter, else its output count. */
export function createdCount(result: StageResult, info: StageInfo): number {
  const value = result[info.createdKey];
  return typeof value === "number" ? value : result.output_count;
}

/** Items the earlier stages of this run handed to stage N (added to its initial queue). */
function handedOver(run: RunSnapshot, number: number): number {
  if (number === 1) return 0;
  // The review gate takes the articles that got image prompts (stage 5's input), not stage 6's images.
  if (number === 7) return run.results[4]?.input_count ?? 0;
  const previous = run.results[number - 2];
  return previous ? createdCount(previous, stageInfo(number - 1)) : 0;
}

function percentOf(processed: number, total: number, status: StageDisplayStatus): number {
  if (total <= 0) return status === "completed" ? 100 : 0;
  if (processed >= total) return 100;
  return Math.max(0, Math.min(99, Math.floor((processed / total) * 100)));
}

/** The run skipped this stage because it was switched off (the action's skip reason says so). */
export function skippedAsDisabled(result: StageResult | null | undefined): boolean {
  return result?.status === "skipped" && /^disabled\b/i.test(result.skip_reason ?? "");
}

export function stageCard(number: number, { run, pending, enabled }: StageCardInput): StageCardModel {
  const info = stageInfo(number);
  const live = pending?.[number - 1];
  const isEnabled = enabled?.[number - 1] ?? true;
  const result = run?.results[number - 1] ?? null;
  const stepStatus: StepStatus = result?.status ?? run?.stageStatuses[number - 1] ?? "pending";
  const active = run !== null && isActiveRun(run.status);

  let status: StageDisplayStatus;
  let total: number;
  let processed: number;
  let remaining: number;

  // A stage that is off never reads as done: off now (unless it already ran in the active run), or off in the run shown.
  if ((!isEnabled && !(active && result && !skippedAsDisabled(result))) || skippedAsDisabled(result)) {
    status = "disabled";
    total = live ?? 0;
    processed = 0;
    remaining = total;
  } else if (run && active) {
    const expected = (run.initial[`stage_${number}_initial`] ?? 0) + handedOver(run, number);
    // The stage the run is on counts as in progress even while its step waits out the delay
    // before it starts (the step reads "pending" then), so a card never falls back to "waiting".
    const inProgress =
      stepStatus === "running" ||
      (run.status !== "queued" && number === run.currentStage && !isTerminalStep(stepStatus));
    if (inProgress) {
      // Stage results count items when the stage ends; meanwhile the live queue shows what is left.
      const done = result?.input_count ?? 0;
      remaining = live ?? Math.max(expected - done, 0);
      total = Math.max(expected, done + remaining);
      processed = total - remaining;
      status = run.status === "paused" ? "paused" : "running";
    } else if (isTerminalStep(stepStatus)) {
      processed = result?.input_count ?? 0;
      remaining = stepStatus === "failed" || stepStatus === "cancelled" ? (live ?? 0) : 0;
      total = processed + remaining;
      status = stepStatus;
    } else {
      total = live ?? expected;
      processed = 0;
      remaining = total;
      status = "waiting";
    }
  } else {
    // No active run: what waits now, next to what the last run did (if any).
    processed = result?.input_count ?? 0;
    remaining = live ?? 0;
    total = processed + remaining;
    status = remaining > 0 ? "ready" : result && isTerminalStep(stepStatus) ? stepStatus : "empty";
  }

  return {
    number,
    name: info.name,
    kind: info.kind,
    info,
    status,
    badge: stageStatusBadge(status),
    total,
    processed,
    remaining,
    percent: percentOf(processed, total, status),
    // Stage results count what a stage made when it ends; until then there is nothing to show.
    created: result && isTerminalStep(stepStatus) ? createdCount(result, info) : null,
    credits: result?.credits_used ?? 0,
    startedAt: result?.started_at ?? null,
    endedAt: result?.ended_at ?? null,
    error: result?.error ?? null,
    skipReason: result?.skip_reason ?? null,
    errorCount: Array.isArray(result?.errors) ? result.errors.length : 0,
  };
}

/**
 * The stage queues (`pipeline_overview/`) the cards may show next to a run that has just ended.
 * current_run/ and pipeline_overview/ are polled separately, so right after the run the page watched
 * ends, the overview in hand can predate its end and still count the run's last items as waiting
 * (the review gate would read "Ready" for a moment, after "Running", before "Completed"). Until an
 * overview requested after the page learned of the end arrives, the cards hold the run's own final
 * numbers (no queues). `endSeenAt`: when the answer that showed the run ended arrived (null: the
 * page saw no run end); `requestedAt`: when the overview in hand was asked for (same clock).
 */
export function queuesAfterRun<T>(queues: T | null, requestedAt: number | undefined, endSeenAt: number | null): T | null {
  if (endSeenAt === null) return queues;
  return requestedAt !== undefined && requestedAt >= endSeenAt ? queues : null;
}

/** The seven cards, stage 1 first. */
export function stageCards(input: StageCardInput): StageCardModel[] {
  return STAGES.map((stage) => stageCard(stage.number, input));
}

// --- the row of stage dots under the overall progress bar ---------------------------------------------

/** `off`: the stage is switched off (never shown as done); `done`, `current`, `todo` within a run; `idle` without one. */
export type StageDot = "idle" | "done" | "current" | "todo" | "failed" | "off";

/** One dot per stage: the stages before the current one (all of a completed run) are done, unless they are off or failed. */
export function stageDots(run: RunSnapshot | null, cards: readonly StageCardModel[]): StageDot[] {
  return cards.map((card) => {
    if (card.status === "disabled") return "off";
    if (run === null) return "idle";
    if (card.status === "failed") return "failed";
    if (card.number < run.currentStage || run.status === "completed") return "done";
    return card.number === run.currentStage ? "current" : "todo";
  });
}

// --- overall progress -----------------------------------------------------------------------------

export interface OverallProgress {
  /** idle: no run to show; otherwise the run's status. */
  state: "idle" | RunStatus;
  /** 0–100 */
  percent: number;
  stage: number | null;
  /** "Stage 4/7" */
  stageLabel: string | null;
  elapsedSeconds: number;
  /** Seconds left, estimated from the time so far and the percent done; null when unknown. */
  etaSeconds: number | null;
}

/**
 * Overall progress, stage-weighted: each enabled stage is an equal share, the stage in progress
 * counts by its own percent. Weighting by items instead would jump backwards whenever a stage
 * hands over new items (71 keywords become 33 clusters, then 99 ideas …), so the bar would not be
 * monotonic. The ETA extrapolates the elapsed time: elapsed × (100 − p) / p.
 */
export function overallProgress(run: RunSnapshot | null, cards: readonly StageCardModel[], now: number): OverallProgress {
  if (run === null) {
    return { state: "idle", percent: 0, stage: null, stageLabel: null, elapsedSeconds: 0, etaSeconds: null };
  }
  const counted = cards.filter((card) => card.status !== "disabled");
  const stopped = run.status === "failed" || run.status === "cancelled";
  const shares = counted.reduce((sum, card) => {
    if (card.status === "completed") return sum + 1;
    // A stage skipped because the run stopped before it did nothing: it is not progress.
    if (card.status === "skipped") return stopped && card.number >= run.currentStage ? sum : sum + 1;
    if (card.status === "running" || card.status === "paused") return sum + card.percent / 100;
    return sum;
  }, 0);
  let percent = counted.length ? (shares / counted.length) * 100 : 0;
  if (run.status === "completed") percent = 100;
  percent = Math.min(Math.max(percent, 0), run.status === "completed" ? 100 : 99);
  percent = Math.round(percent * 10) / 10;

  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const ended = run.completedAt ? Date.parse(run.completedAt) : now;
  const elapsedSeconds = Number.isNaN(started) ? 0 : Math.max(0, (ended - started) / 1000);
  const etaSeconds =
    run.status === "running" && percent > 0 && percent < 100 && elapsedSeconds >= 1
      ? Math.round((elapsedSeconds * (100 - percent)) / percent)
      : null;
  return {
    state: run.status,
    percent,
    stage: run.currentStage,
    stageLabel: `Stage ${run.currentStage}/${STAGE_COUNT}`,
    elapsedSeconds,
    etaSeconds,
  };
}

// --- history badges -------------------------------------------------------------------------------

export interface HistoryBadge {
  stage: number;
  status: StepStatus;
  symbol: string;
  /** "Stage 2 Clusters → Ideas: completed" (for screen readers and the tooltip). */
  label: string;
}

const SYMBOLS: Record<StepStatus, string> = {
  completed: "✓",
  failed: "✗",
  running: "●",
  pending: "○",
  skipped: "–",
  cancelled: "⊘",
};

/** Seven badges (✓ ✗ ● ○, – skipped, ⊘ cancelled) from a history row's stage statuses. */
export function historyBadges(statuses: readonly string[] | null | undefined): HistoryBadge[] {
  return STAGES.map((stage, index) => {
    const raw = statuses?.[index];
    const status: StepStatus = raw && raw in SYMBOLS ? (raw as StepStatus) : "pending";
    return { stage: stage.number, status, symbol: SYMBOLS[status], label: `Stage ${stage.number} ${stage.name}: ${status}` };
  });
}
