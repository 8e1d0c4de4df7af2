/**
 * Cron feedback while typing, before the server sees it: every bad field at once (in the server's words),
 * a description, and the next fire times in the rule's time zone, with the server's semantics (Vixie: a
 * restricted day and weekday match either; a wall-clock time skipped by DST fires shifted by the gap, a
 * repeated one fires once). `L` (last day), `d#n` (nth weekday) and `dL` (last weekday) are read too.
 * The server stays the judge when the rule is saved.
 */

const FIELDS = [
  { name: "minute", min: 0, max: 59, allowed: "0-59" },
  { name: "hour", min: 0, max: 23, allowed: "0-23" },
  { name: "day", min: 1, max: 31, allowed: "1-31, L" },
  { name: "month", min: 1, max: 12, allowed: "1-12 or JAN-DEC" },
  { name: "weekday", min: 0, max: 7, allowed: "0-6 or SUN-SAT, 7 is Sunday too" },
] as const;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export interface CronSpec {
  expression: string;
  minutes: number[];
  hours: number[];
  days: Set<number>;
  lastDay: boolean;
  months: Set<number>;
  weekdays: Set<number>;
  /** `5#2` (second Friday) → [5, 2]; `5L` → [5, -1]. */
  nthWeekdays: [number, number][];
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

export type CronCheck = { ok: true; spec: CronSpec } | { ok: false; errors: string[] };

function value(text: string, field: number): number | null {
  const lower = text.toLowerCase();
  if (field === 3 && MONTHS.includes(lower)) return MONTHS.indexOf(lower) + 1;
  if (field === 4 && DAYS.includes(lower)) return DAYS.indexOf(lower);
  if (!/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  const { min, max } = FIELDS[field]!;
  return n >= min && n <= max ? n : null;
}

/** One field → its values (weekday 7 folded to 0), or null when it is not valid. */
function parseField(text: string, field: number, spec: CronSpec): Set<number> | null {
  const out = new Set<number>();
  const { min, max } = FIELDS[field]!;
  for (const part of text.split(",")) {
    if (field === 2 && part.toUpperCase() === "L") {
      spec.lastDay = true;
      continue;
    }
    const special = field === 4 ? /^(\w+)(?:#([1-5])|(L))$/i.exec(part) : null;
    if (special) {
      const day = value(special[1] as string, 4);
      if (day === null) return null;
      spec.nthWeekdays.push([day % 7, special[2] ? Number(special[2]) : -1]);
      continue;
    }
    const [range, stepText, ...more] = part.split("/");
    if (more.length || range === undefined || range === "") return null;
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : null;
    if (step === null) return null;
    let from: number | null;
    let to: number | null;
    if (range === "*" || range === "?") [from, to] = [min, field === 4 ? 6 : max];
    else if (range.includes("-")) {
      const [a, b, ...rest] = range.split("-");
      if (rest.length) return null;
      [from, to] = [value(a ?? "", field), value(b ?? "", field)];
      if (from === null || to === null || to < from) return null;
    } else {
      from = value(range, field);
      to = stepText === undefined ? from : field === 4 ? 6 : max;
    }
    if (from === null || to === null) return null;
    for (let n = from; n <= to; n += step) out.add(field === 4 ? n % 7 : n);
  }
  return out;
}

export function checkCron(expression: string): CronCheck {
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    return { ok: false, errors: [`cron must have 5 fields (minute hour day month weekday), got ${parts.length}`] };
  }
  const spec: CronSpec = {
    expression: parts.join(" "),
    minutes: [],
    hours: [],
    days: new Set(),
    lastDay: false,
    months: new Set(),
    weekdays: new Set(),
    nthWeekdays: [],
    dayRestricted: !parts[2]!.startsWith("*") && !parts[2]!.startsWith("?"),
    weekdayRestricted: !parts[4]!.startsWith("*") && !parts[4]!.startsWith("?"),
  };
  const errors: string[] = [];
  const sets = parts.map((text, field) => {
    const set = parseField(text, field, spec);
    if (!set) errors.push(`cron ${FIELDS[field]!.name} field '${text}' is not valid (allowed: ${FIELDS[field]!.allowed})`);
    return set ?? new Set<number>();
  });
  if (errors.length) return { ok: false, errors };
  spec.minutes = [...sets[0]!].sort((a, b) => a - b);
  spec.hours = [...sets[1]!].sort((a, b) => a - b);
  spec.days = sets[2]!;
  spec.months = sets[3]!;
  spec.weekdays = sets[4]!;
  const anyDay = [...spec.months].some((m) => spec.lastDay || spec.nthWeekdays.length > 0 || spec.weekdayRestricted || [...spec.days].some((d) => d <= daysIn(2000, m)));
  if (!anyDay) return { ok: false, errors: [`cron '${spec.expression}' never fires (no date matches it)`] };
  return { ok: true, spec };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayMatches(spec: CronSpec, y: number, m: number, d: number): boolean {
  if (!spec.months.has(m)) return false;
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const last = daysIn(y, m);
  const domOk = spec.days.has(d) || (spec.lastDay && d === last);
  const dowOk = spec.weekdays.has(dow) || spec.nthWeekdays.some(([w, n]) => w === dow && (n === -1 ? d + 7 > last : Math.ceil(d / 7) === n));
  if (spec.dayRestricted && spec.weekdayRestricted) return domOk || dowOk;
  if (spec.dayRestricted) return domOk;
  if (spec.weekdayRestricted) return dowOk;
  return true;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of an instant in a zone, as a UTC timestamp of the same wall time. */
function wallOf(instant: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    formatters.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute));
}

const HOUR = 3_600_000;

/** A wall time in a zone → the instant it fires at (skipped by DST: shifted by the gap; repeated: the first). */
function fireInstant(wall: number, timeZone: string): number {
  const before = wall - (wallOf(wall - 6 * HOUR, timeZone) - (wall - 6 * HOUR));
  const after = wall - (wallOf(wall + 6 * HOUR, timeZone) - (wall + 6 * HOUR));
  const valid = [before, after].filter((t) => wallOf(t, timeZone) === wall);
  return valid.length ? Math.min(...valid) : before;
}

/** The next `n` fire times strictly after `after`, as Dates. Throws a RangeError for an unknown zone. */
export function nextFireTimes(spec: CronSpec, timeZone: string, n = 5, after: Date = new Date()): Date[] {
  const start = after.getTime();
  const startWall = wallOf(start, timeZone);
  const out: Date[] = [];
  let last = start;
  const first = new Date(startWall - 86_400_000);
  for (let i = 0; i < 366 * 8 && out.length < n; i++) {
    const day = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate() + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!dayMatches(spec, y, m, d)) continue;
    for (const hour of spec.hours) {
      for (const minute of spec.minutes) {
        const wall = Date.UTC(y, m - 1, d, hour, minute);
        if (wall < startWall - 3 * HOUR) continue;
        const fire = fireInstant(wall, timeZone);
        if (fire > last) {
          out.push(new Date(fire));
          last = fire;
          if (out.length === n) return out;
        }
      }
    }
  }
  return out;
}
