/** Formatting for the automation screens: durations, times, schedule, percentages. */
import type { AutomationConfig } from "./types";

/** 2301 → "38m 21s"; 4000 → "1h 06m"; 12.4 → "12s"; null → "–". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** An ETA in words: "about 3 min left", "less than a minute left". */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  if (seconds < 60) return "less than a minute left";
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const hours = seconds / 3600;
  return `about ${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h left`;
}

const time = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const shortDateTime = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

/** "14:05:23" in the browser's zone. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : time.format(date);
}

/** "Jan 17, 2:05 PM". */
export function formatShortDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : shortDateTime.format(date);
}

/** 12.345 → "12.3%"; signed adds "+" to positives. */
export function formatPercent(value: number | null | undefined, { signed = false, digits = 1 } = {}): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const text = `${Number(value.toFixed(digits))}%`;
  return signed && value > 0 ? `+${text}` : text;
}

/** A number with at most `digits` decimals ("0.667", "3"). */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(value);
}

const FREQUENCY: Record<string, string> = { daily: "Daily", weekly: "Weekly", monthly: "Monthly" };

/** "Daily at 02:00 (UTC)". */
export function scheduleText(config: Pick<AutomationConfig, "frequency" | "scheduled_time">, timezone: string): string {
  const frequency = FREQUENCY[config.frequency ?? "daily"] ?? config.frequency ?? "Daily";
  const hhmm = (config.scheduled_time ?? "").slice(0, 5) || "–";
  return `${frequency} at ${hhmm} (${timezone || "UTC"})`;
}

/** "HH:MM:SS" or "HH:MM" → "HH:MM" for <input type="time">. */
export function timeInputValue(value: string | null | undefined): string {
  return (value ?? "").slice(0, 5);
}
