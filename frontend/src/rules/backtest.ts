/**
 * Backtests, shadow rules and replays in words: the ranges a person picks, the headline ("Would have fired 37
 * times in the last 7 days, ≈ 410 credits"), drop reasons, shadow summaries and replay answers; and a backtest's
 * 400 sorted into the editor's fields (`rule.<field>`) and the panel's own (`since`, `rule`). Pure functions.
 */
import type { FieldErrors } from "../api/client";
import { formatCredits, formatInteger } from "../shell/format";
import type { BacktestDecision, BacktestDropped, BacktestResult, ReplayResult, ShadowSummary } from "./types";

export type RangeKey = "24h" | "7d" | "30d";

export const RANGES: readonly { key: RangeKey; label: string; words: string; hours: number }[] = [
  { key: "24h", label: "Last 24 hours", words: "in the last 24 hours", hours: 24 },
  { key: "7d", label: "Last 7 days", words: "in the last 7 days", hours: 24 * 7 },
  { key: "30d", label: "Last 30 days", words: "in the last 30 days", hours: 24 * 30 },
];

function range(key: RangeKey) {
  return RANGES.find((r) => r.key === key) ?? RANGES[1]!;
}

/** The ISO start of a range that ends now. */
export function rangeSince(key: RangeKey, now: number = Date.now()): string {
  return new Date(now - range(key).hours * 3_600_000).toISOString();
}

export function rangeWords(key: RangeKey): string {
  return range(key).words;
}

function times(n: number): string {
  return `${formatInteger(n)} ${n === 1 ? "time" : "times"}`;
}

/** "≈ 410 credits" (a decimal string from the API). */
export function approxCredits(value: string | number | null | undefined): string {
  const n = Number(value ?? 0);
  return `≈ ${formatCredits(Number.isFinite(n) ? n : 0)} ${n === 1 ? "credit" : "credits"}`;
}

/** "Would have fired 37 times in the last 7 days, ≈ 410 credits". */
export function backtestHeadline(result: Pick<BacktestResult, "estimated_runs" | "estimated_credits">, key: RangeKey): string {
  if (result.estimated_runs === 0) return `Would not have fired ${rangeWords(key)}`;
  return `Would have fired ${times(result.estimated_runs)} ${rangeWords(key)}, ${approxCredits(result.estimated_credits)}`;
}

const DROP_WORDS: Record<keyof BacktestDropped, string> = {
  conditions: "the conditions were false",
  condition_error: "the conditions could not be evaluated (a missing field or a wrong type)",
  filtered: "not for this rule (another site, or none of the watched fields changed)",
  mode: "dropped by the mode (a run would still have been active, or the queue full)",
  loop_guard: "stopped by the loop guard",
  budget: "the account's credits would not have covered the run",
};

/** The drop reasons with a count, biggest first: `{reason, count, text}`. */
export function droppedLines(dropped: Partial<BacktestDropped>): { reason: keyof BacktestDropped; count: number; text: string }[] {
  return (Object.keys(DROP_WORDS) as (keyof BacktestDropped)[])
    .map((reason) => ({ reason, count: dropped[reason] ?? 0, text: DROP_WORDS[reason] }))
    .filter((line) => line.count > 0)
    .sort((a, b) => b.count - a.count);
}

/** A sample's decision as a status for the badge (its label lives in ui.tsx). */
export const DECISION_STATUS: Record<BacktestDecision, string> = {
  would_trigger: "would_trigger",
  dropped_conditions: "dropped_conditions",
  dropped_mode: "dropped_mode",
  dropped_loop: "dropped_loop",
  dropped_budget: "dropped_budget",
  condition_error: "condition_error",
  filtered: "filtered",
};

/** "would have run 12 times in 7 days, ≈ 36 credits". */
export function shadowSummaryWords(summary: ShadowSummary): string {
  const days = `${summary.days} ${summary.days === 1 ? "day" : "days"}`;
  if (summary.would_have_run === 0) return `would not have run in the last ${days}`;
  return `would have run ${times(summary.would_have_run)} in ${days}, ${approxCredits(summary.estimated_credits)}`;
}

/** "Replayed 12 events: 3 runs started, 2 queued, 1 recorded in shadow, 5 dropped, 1 already replayed." */
export function replayWords(result: ReplayResult): string {
  if (result.events_scanned === 0) return "No events of this rule's trigger in that range: nothing to replay.";
  const parts = [
    result.started ? `${formatInteger(result.started)} ${result.started === 1 ? "run" : "runs"} started` : "",
    result.queued ? `${formatInteger(result.queued)} queued` : "",
    result.shadow ? `${formatInteger(result.shadow)} recorded in shadow (nothing executed)` : "",
    result.dropped ? `${formatInteger(result.dropped)} dropped (see “Why didn't it fire?”)` : "",
    result.already_replayed ? `${formatInteger(result.already_replayed)} already replayed before (not run again)` : "",
  ].filter(Boolean);
  const events = `${formatInteger(result.events_scanned)} ${result.events_scanned === 1 ? "event" : "events"}`;
  return `Replayed ${events}: ${parts.length ? parts.join(", ") : "nothing started"}.`;
}

export interface BacktestErrors {
  /** The draft's own errors, keyed like a save's 400 (`conditions`, `trigger.event`, `actions.0.params.url`). */
  rule: FieldErrors;
  /** At the range select (`since`, `until`). */
  range: string[];
  /** About the whole backtest (`rule`: "a manual rule has no events to backtest", `detail`). */
  other: string[];
}

/** A backtest's 400 → the editor's fields (`rule.<field>` without the prefix), the range, and the rest. */
export function backtestErrors(fieldErrors: FieldErrors): BacktestErrors {
  const out: BacktestErrors = { rule: {}, range: [], other: [] };
  for (const [key, messages] of Object.entries(fieldErrors)) {
    if (key.startsWith("rule.")) {
      const field = key.slice("rule.".length);
      if (field === "non_field_errors" || field === "detail") out.other.push(...messages);
      else (out.rule[field] ??= []).push(...messages);
    } else if (key === "since" || key === "until") {
      out.range.push(...messages);
    } else if (key === "rule" || key === "detail" || key === "non_field_errors") {
      out.other.push(...messages);
    } else {
      out.other.push(...messages.map((message) => `${key}: ${message}`));
    }
  }
  return out;
}
