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

/** Weekdays as the API numbers them: 0 Monday … 6 Sunday. */
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** 1 → "1st", 22 → "22nd". */
export function ordinal(day: number): string {
  const tens = day % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][day % 10] ?? "th");
  return `${day}${suffix}`;
}

type ScheduleFields = Pick<AutomationConfig, "frequency" | "scheduled_time"> &
  Partial<Pick<AutomationConfig, "scheduled_weekday" | "scheduled_day_of_month" | "schedule_description">>;

/** "Daily at 02:00 (UTC)", "Weekly on Tuesday at 02:00 (Europe/Berlin)", "Monthly on the 1st at …"; a custom cron by its description. */
export function scheduleText(config: ScheduleFields, timezone: string): string {
  const zone = `(${timezone || "UTC"})`;
  if (config.frequency === "custom") return `Custom: ${config.schedule_description || "a cron set in the rule editor"} ${zone}`;
  const hhmm = (config.scheduled_time ?? "").slice(0, 5) || "–";
  if (config.frequency === "weekly") return `Weekly on ${WEEKDAYS[config.scheduled_weekday ?? 0] ?? "Monday"} at ${hhmm} ${zone}`;
  if (config.frequency === "monthly") return `Monthly on the ${ordinal(config.scheduled_day_of_month ?? 1)} at ${hhmm} ${zone}`;
  return `Daily at ${hhmm} ${zone}`;
}

// --- times in the site's time zone ------------------------------------------------------------------

const zonedFormats = new Map<string, Intl.DateTimeFormat>();

/** A formatter for `timeZone` (UTC when the browser does not know the zone). */
function zoned(kind: "datetime" | "time" | "seconds" | "abbr", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  let format = zonedFormats.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      kind === "datetime"
        ? { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
        : kind === "time"
          ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
          : kind === "seconds"
            ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
            : { hour: "2-digit", timeZoneName: "short", hourCycle: "h23" };
    try {
      format = new Intl.DateTimeFormat("en-GB", { ...options, timeZone });
    } catch {
      format = new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" });
    }
    zonedFormats.set(key, format);
  }
  return format;
}

function validDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "Tue 2 Dec, 02:00 (Europe/Berlin)": a moment in the site's time zone, naming the zone. */
export function formatZonedDateTime(iso: string | null | undefined, timeZone: string): string {
  const date = validDate(iso);
  return date ? `${zoned("datetime", timeZone).format(date)} (${timeZone})` : "–";
}

/** "Tue 2 Dec, 02:00" in `timeZone`, without the zone (for a column whose header names it). */
export function formatZonedDate(iso: string | null | undefined, timeZone: string): string {
  const date = validDate(iso);
  return date ? zoned("datetime", timeZone).format(date) : "–";
}

/** "14:05:23" (or "14:05") in `timeZone`, without the zone. */
export function formatZonedTime(iso: string | null | undefined, timeZone: string, { seconds = true } = {}): string {
  const date = validDate(iso);
  return date ? zoned(seconds ? "seconds" : "time", timeZone).format(date) : "–";
}

/** The zone's short name at that moment: "CET", "UTC", "GMT-5" (for tight spots; the IANA name goes in a title). */
export function zoneAbbreviation(timeZone: string, at: Date = new Date()): string {
  return zoned("abbr", timeZone).formatToParts(at).find((part) => part.type === "timeZoneName")?.value ?? timeZone;
}

/** "HH:MM:SS" or "HH:MM" → "HH:MM" for <input type="time">. */
export function timeInputValue(value: string | null | undefined): string {
  return (value ?? "").slice(0, 5);
}
