/**
 * The cron builder's model: a few presets that cover most schedules, and "custom" for the rest.
 * `toCron` and `parseCron` convert both ways; a cron string that no preset expresses exactly
 * becomes `custom`, so nothing the user typed is ever rewritten. The server stays the judge of
 * validity (it answers `trigger.cron` errors, a description and the next fire times).
 */

export type CronModel =
  | { kind: "minutes"; every: number }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "weekly"; days: number[]; hour: number; minute: number }
  | { kind: "monthly"; day: number; hour: number; minute: number }
  | { kind: "custom"; expression: string };

export type CronKind = CronModel["kind"];

export const CRON_KINDS: { kind: CronKind; label: string }[] = [
  { kind: "minutes", label: "Every few minutes" },
  { kind: "hourly", label: "Every hour" },
  { kind: "daily", label: "Every day" },
  { kind: "weekly", label: "Every week" },
  { kind: "monthly", label: "Every month" },
  { kind: "custom", label: "Custom (cron)" },
];

export const MINUTE_STEPS = [5, 10, 15, 20, 30] as const;

/** Sunday = 0, as cron counts (7 is Sunday too). */
export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** A sensible starting model for each preset, keeping the time of day of the current one. */
export function defaultModel(kind: CronKind, from?: CronModel): CronModel {
  const hour = from && "hour" in from ? from.hour : 2;
  const minute = from && "minute" in from ? from.minute : 0;
  switch (kind) {
    case "minutes":
      return { kind, every: 15 };
    case "hourly":
      return { kind, minute };
    case "daily":
      return { kind, hour, minute };
    case "weekly":
      return { kind, days: [1], hour, minute };
    case "monthly":
      return { kind, day: 1, hour, minute };
    case "custom":
      return { kind, expression: from ? toCron(from) : "0 2 * * *" };
  }
}

/** The 5-field cron expression for a model. */
export function toCron(model: CronModel): string {
  switch (model.kind) {
    case "minutes":
      return `*/${model.every} * * * *`;
    case "hourly":
      return `${model.minute} * * * *`;
    case "daily":
      return `${model.minute} ${model.hour} * * *`;
    case "weekly":
      return `${model.minute} ${model.hour} * * ${compactDays(model.days)}`;
    case "monthly":
      return `${model.minute} ${model.hour} ${model.day} * *`;
    case "custom":
      return model.expression.trim().replace(/\s+/g, " ");
  }
}

/** The preset a cron expression is, or `custom` when none expresses it exactly. */
export function parseCron(expression: string): CronModel {
  const text = expression.trim().replace(/\s+/g, " ");
  const custom: CronModel = { kind: "custom", expression: text };
  const fields = text.split(" ");
  if (fields.length !== 5) return custom;
  const [min, hr, dom, mon, dow] = fields as [string, string, string, string, string];
  if (mon !== "*") return custom;
  const step = /^\*\/(\d+)$/.exec(min);
  if (step && hr === "*" && dom === "*" && dow === "*") {
    const every = Number(step[1]);
    return (MINUTE_STEPS as readonly number[]).includes(every) ? { kind: "minutes", every } : custom;
  }
  const minute = number(min, 0, 59);
  if (minute === null) return custom;
  if (hr === "*" && dom === "*" && dow === "*") return { kind: "hourly", minute };
  const hour = number(hr, 0, 23);
  if (hour === null) return custom;
  if (dom === "*" && dow === "*") return { kind: "daily", hour, minute };
  if (dom === "*") {
    const days = parseDays(dow);
    return days ? { kind: "weekly", days, hour, minute } : custom;
  }
  if (dow === "*") {
    const day = number(dom, 1, 31);
    return day === null ? custom : { kind: "monthly", day, hour, minute };
  }
  return custom;
}

/** A short sentence for the model (the server's description is shown once the rule is saved). */
export function describeModel(model: CronModel): string {
  const at = (hour: number, minute: number) => `${pad(hour)}:${pad(minute)}`;
  switch (model.kind) {
    case "minutes":
      return `Every ${model.every} minutes`;
    case "hourly":
      return model.minute === 0 ? "Every hour, on the hour" : `Every hour at minute ${model.minute}`;
    case "daily":
      return `Every day at ${at(model.hour, model.minute)}`;
    case "weekly": {
      const days = [...model.days].sort((a, b) => a - b);
      const names =
        days.join(",") === "1,2,3,4,5"
          ? "weekday"
          : days.join(",") === "0,6"
            ? "Saturday and Sunday"
            : days.map((d) => WEEKDAYS[d]).join(", ");
      return `Every ${names || "week (no day chosen)"} at ${at(model.hour, model.minute)}`;
    }
    case "monthly":
      return `On day ${model.day} of every month at ${at(model.hour, model.minute)}`;
    case "custom":
      return `Custom: ${model.expression || "(empty)"}`;
  }
}

/** Five space-separated fields (a quick check before the server validates the values). */
export function looksLikeCron(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 5;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

function number(text: string, min: number, max: number): number | null {
  if (!/^\d{1,2}$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** `1-5` / `1,3,5` / `MON-FRI` / `0,6` / `7` → sorted unique day numbers (Sunday 0); null if not a plain list. */
export function parseDays(text: string): number[] | null {
  const out = new Set<number>();
  for (const part of text.toLowerCase().split(",")) {
    const range = part.split("-");
    if (range.length > 2) return null;
    const ends = range.map(dayNumber);
    if (ends.some((d) => d === null)) return null;
    const [from, to = from] = ends as number[];
    if (from === undefined || to === undefined) return null;
    if (to < from) {
      if (to === 0 && range.length === 2) {
        // "5-7" style where 7 (Sunday) was mapped to 0: 5,6,0
        for (let d = from; d <= 6; d++) out.add(d);
        out.add(0);
        continue;
      }
      return null;
    }
    for (let d = from; d <= to; d++) out.add(d);
  }
  return out.size ? [...out].sort((a, b) => a - b) : null;
}

function dayNumber(text: string): number | null {
  const index = DAY_NAMES.indexOf(text);
  if (index >= 0) return index;
  if (!/^\d$/.test(text)) return null;
  const value = Number(text);
  if (value > 7) return null;
  return value === 7 ? 0 : value;
}

/** [1,2,3,4,5] → "1-5"; [0,6] → "0,6"; runs of three or more become ranges. */
export function compactDays(days: number[]): string {
  const sorted = [...new Set(days)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  if (sorted.length === 0) return "*";
  const parts: string[] = [];
  let start = sorted[0] as number;
  let prev = start;
  for (const day of [...sorted.slice(1), Number.NaN]) {
    if (day === prev + 1) {
      prev = day;
      continue;
    }
    parts.push(prev - start >= 2 ? `${start}-${prev}` : start === prev ? `${start}` : `${start},${prev}`);
    start = day;
    prev = day;
  }
  return parts.join(",");
}

/** Common IANA zones for the picker, plus whatever the browser supports. */
export function timezones(current: string | undefined): string[] {
  let zones: string[] = [];
  try {
    const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
    zones = intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    zones = [];
  }
  const base = zones.length ? zones : ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];
  const withUtc = base.includes("UTC") ? base : ["UTC", ...base];
  return current && !withUtc.includes(current) ? [current, ...withUtc] : withUtc;
}

// --- any expression in words (the presets read as above) ----------------------------------------------

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** One field's text in words: `*` → null (any), `*\/15` → "every 15th", `1-5` → "1 through 5", `1,3` → "1 and 3". */
function fieldWords(text: string, name: (value: string) => string): string | null {
  if (text === "*" || text === "?") return null;
  return listWords(
    text.split(",").map((part) => {
      const [range = "", step] = part.split("/");
      const span = range === "*" ? "" : range.includes("-") ? range.split("-").map(name).join(" through ") : name(range);
      return step ? `every ${step}${span ? ` from ${span}` : ""}` : span;
    }),
  );
}

function weekdayName(value: string): string {
  const special = /^(\w+)(?:#(\d)|(L))$/i.exec(value);
  if (special) return `${special[2] ? ["", "first", "second", "third", "fourth", "fifth"][Number(special[2])] : "last"} ${weekdayName(special[1] as string)}`;
  const index = /^\d$/.test(value) ? Number(value) % 7 : DAY_NAMES.indexOf(value.toLowerCase());
  return WEEKDAYS[index] ?? value;
}

function monthName(value: string): string {
  const lower = value.toLowerCase().slice(0, 3);
  const index = /^\d+$/.test(value) ? Number(value) - 1 : MONTH_NAMES.findIndex((m) => m.toLowerCase().startsWith(lower));
  return MONTH_NAMES[index] ?? value;
}

/** A sentence for any 5-field expression: the preset's words when it is one, else field by field. */
export function describeCron(expression: string): string {
  const model = parseCron(expression);
  if (model.kind !== "custom") return describeModel(model);
  const [min = "*", hr = "*", dom = "*", mon = "*", dow = "*"] = model.expression.split(" ");
  const single = (text: string) => /^\d{1,2}$/.test(text);
  let time: string;
  if (single(min) && hr.split(",").every(single)) time = `At ${listWords(hr.split(",").map((h) => `${pad(Number(h))}:${pad(Number(min))}`))}`;
  else {
    const minutes = min === "*" ? "Every minute" : min.startsWith("*/") ? `Every ${min.slice(2)} minutes` : `At minute ${fieldWords(min, String)}`;
    const hours = fieldWords(hr, (h) => pad(Number(h)) + ":00");
    const span = /^(\d{1,2})-(\d{1,2})$/.exec(hr);
    const during = span ? `between ${pad(Number(span[1]))}:00 and ${pad(Number(span[2]))}:59` : hr.startsWith("*/") ? `every ${hr.slice(2)} hours` : `hours ${hours}`;
    time = hours ? `${minutes}, ${during}` : minutes;
  }
  const days = dom === "L" ? "on the last day of the month" : fieldWords(dom, String) && `on day ${fieldWords(dom, (d) => (d === "L" ? "last" : d))} of the month`;
  const weekdays = fieldWords(dow, weekdayName) && `on ${fieldWords(dow, weekdayName)}`;
  const months = fieldWords(mon, monthName) && `in ${fieldWords(mon, monthName)}`;
  const when = [days && weekdays ? `${days} or ${weekdays}` : (days ?? weekdays), months].filter(Boolean);
  return [time, ...when].join(", ");
}
