/** A terminal-style log that follows new lines unless the reader has scrolled up. */
import { useEffect, useRef } from "react";

import { formatZonedTime } from "./format";
import type { LogEntry } from "./log";

export function ActivityLog({
  title,
  entries,
  live,
  emptyText,
  caption,
  timezone = "UTC",
}: {
  title: string;
  entries: readonly LogEntry[];
  live: boolean;
  emptyText: string;
  caption?: string;
  /** Lines are shown in this zone (the site's), named in the header. */
  timezone?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [entries]);

  return (
    <section className="card activity" aria-labelledby="activity-title">
      <header className="card-header">
        <h2 id="activity-title">
          {title}
          {live && (
            <span className="live-dot" title="Updating live">
              <span className="visually-hidden">(live)</span>
            </span>
          )}
        </h2>
        <span className="muted small" data-testid="activity-caption">
          {caption ? `${caption} · ` : ""}times in {timezone}
        </span>
      </header>
      <div
        ref={box}
        className="log-box"
        role="log"
        aria-live={live ? "polite" : "off"}
        aria-label={title}
        tabIndex={0}
        data-testid="activity-log"
        onScroll={(event) => {
          const el = event.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {entries.length === 0 ? (
          <p className="log-empty">{emptyText}</p>
        ) : (
          entries.map((entry, index) => (
            <div key={index} className={`log-line log-${entry.level}`}>
              <span className="log-time">{entry.at ? formatZonedTime(entry.at, timezone) : entry.time}</span>
              {entry.stage !== null && <span className="log-stage">S{entry.stage}</span>}
              <span className="log-message">{entry.message}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
