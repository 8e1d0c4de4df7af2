/** A terminal-style log that follows new lines unless the reader has scrolled up. */
import { useEffect, useRef } from "react";

import type { LogEntry } from "./log";

export function ActivityLog({
  title,
  entries,
  live,
  emptyText,
  caption,
}: {
  title: string;
  entries: readonly LogEntry[];
  live: boolean;
  emptyText: string;
  caption?: string;
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
        {caption && <span className="muted small">{caption}</span>}
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
              <span className="log-time">{entry.time}</span>
              {entry.stage !== null && <span className="log-stage">S{entry.stage}</span>}
              <span className="log-message">{entry.message}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
