/** Log lines in the two text shapes the API answers, parsed for display. */

export interface LogEntry {
  /** "10:21:27" */
  time: string;
  level: string;
  /** 1–7 when the line belongs to a stage. */
  stage: number | null;
  message: string;
}

/** current_run/'s activity_log line: "10:21:27 - run started (manual)". */
export function parseActivityLine(line: string): LogEntry {
  const match = /^(\d{2}:\d{2}:\d{2}) - (.*)$/s.exec(line);
  const message = match ? (match[2] ?? "") : line;
  return { time: match?.[1] ?? "", level: levelOf(message), stage: null, message };
}

/** logs/'s text: "2026-11-21 10:21:55 [info] stage 7 - 50 articles ready for review", one per line. */
export function parseLogText(text: string): LogEntry[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const match = /^\d{4}-\d{2}-\d{2} (\d{2}:\d{2}:\d{2}) \[(\w+)\](?: stage (\d+))? - (.*)$/s.exec(line);
      if (!match) return { time: "", level: "info", stage: null, message: line };
      return { time: match[1] ?? "", level: match[2] ?? "info", stage: match[3] ? Number(match[3]) : null, message: match[4] ?? "" };
    });
}

function levelOf(message: string): string {
  return /\b(failed|error)\b/i.test(message) ? "error" : /\b(warning|skipped|waiting)\b/i.test(message) ? "warning" : "info";
}
