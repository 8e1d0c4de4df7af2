/** Log lines in the two text shapes the API answers, parsed for display. */

export interface LogEntry {
  /** "10:21:27", as the API wrote it (UTC). */
  time: string;
  /** The moment as ISO (UTC), when the line could be dated; shown in the site's time zone. */
  at: string | null;
  level: string;
  /** 1–7 when the line belongs to a stage. */
  stage: number | null;
  message: string;
}

/**
 * current_run/'s activity_log line: "10:21:27 - run started (manual)", a UTC time of day. The line is
 * from the active run, so it is dated today (UTC), or yesterday when that time is still ahead of `now`.
 */
export function parseActivityLine(line: string, now: number = Date.now()): LogEntry {
  const match = /^(\d{2}:\d{2}:\d{2}) - (.*)$/s.exec(line);
  const message = match ? (match[2] ?? "") : line;
  const time = match?.[1] ?? "";
  let at: string | null = null;
  if (time) {
    let moment = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T${time}Z`);
    if (moment > now + 60_000) moment -= 86_400_000;
    at = new Date(moment).toISOString();
  }
  return { time, at, level: levelOf(message), stage: null, message };
}

/** logs/'s text: "2026-11-21 10:21:55 [info] stage 7 - 50 articles ready for review", one per line (UTC). */
export function parseLogText(text: string): LogEntry[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\](?: stage (\d+))? - (.*)$/s.exec(line);
      if (!match) return { time: "", at: null, level: "info", stage: null, message: line };
      return {
        time: match[2] ?? "",
        at: `${match[1]}T${match[2]}Z`,
        level: match[3] ?? "info",
        stage: match[4] ? Number(match[4]) : null,
        message: match[5] ?? "",
      };
    });
}

function levelOf(message: string): string {
  return /\b(failed|error)\b/i.test(message) ? "error" : /\b(warning|skipped|waiting)\b/i.test(message) ? "warning" : "info";
}
