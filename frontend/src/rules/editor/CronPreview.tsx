/** While typing a schedule: every problem of the cron expression at once, or the next five fire times in the rule's zone. */
import { useMemo } from "react";

import { nextFireTimes, type CronCheck } from "./cronTimes";

interface Props {
  check: CronCheck;
  timeZone: string;
  /** The server's message for the saved expression is shown instead (it is the judge). */
  hideProblems: boolean;
}

export function CronPreview({ check, timeZone, hideProblems }: Props) {
  const times = useMemo(() => {
    if (!check.ok) return null;
    try {
      return nextFireTimes(check.spec, timeZone, 5);
    } catch {
      return "zone" as const;
    }
  }, [check, timeZone]);

  if (!check.ok) {
    if (hideProblems) return null;
    return (
      <ul className="rl-cron-problems" data-testid="cron-problems">
        {check.errors.map((message) => (
          <li key={message} className="rl-field-error">
            {message}
          </li>
        ))}
      </ul>
    );
  }
  if (times === "zone") return <p className="rl-field-error">“{timeZone}” is not a time zone this browser knows; the server checks it on save.</p>;
  return (
    <div className="rl-next-times rl-cron-preview">
      <span className="muted small">Next runs ({timeZone}):</span>
      <ol data-testid="cron-next-times">
        {(times ?? []).map((time) => (
          <li key={time.toISOString()}>{formatIn(time, timeZone)}</li>
        ))}
      </ol>
      {times?.length === 0 && <p className="muted small">No fire time in the next eight years.</p>}
    </div>
  );
}

/** A fire time as people read it, in the rule's time zone (the live preview and the server's list alike). */
export function formatIn(time: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  }).format(time);
}
