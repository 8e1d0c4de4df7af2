/**
 * The event journal (`/events`): every domain event of the account, newest first — model changes, custom
 * events, webhook deliveries, schedule fires and run outcomes — with filters in the URL (`?event=`, `?since=`,
 * `?scope=all`, `?object_type=&object_id=`), the changes in words, the cause, and the raw record on demand.
 */
import { Fragment, useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { Pill, type PillTone } from "../shell/Pill";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { useTriggerTypes } from "../rules/api";
import { useEventJournal } from "./api";
import {
  causeOf,
  changesInWords,
  CUSTOM_PREFIX,
  customEventName,
  exactTime,
  readFilters,
  SINCE_OPTIONS,
  sinceIso,
  sinceWords,
  summarizeObject,
  SYSTEM_EVENTS,
  timeAgo,
  type JournalFilters,
} from "./format";
import type { EventQuery, EventRecord } from "./types";
import "./events.css";

const CUSTOM_CHOICE = "__custom__";
const FILTER_KEYS = ["event", "since", "scope", "object_type", "object_id"] as const;

/** Re-render every 30 s so "2 minutes ago" stays true. */
function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export default function EventsPage() {
  usePageTitle("Events");
  const { site } = useSites();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  // The range's start is fixed when the filters change (or on Refresh), so "Load more" pages stay in one range.
  const [refreshed, setRefreshed] = useState(0);
  const since = useMemo(() => (refreshed >= 0 ? sinceIso(filters.since) : ""), [filters.since, refreshed]);
  // Clear filters starts the filter bar afresh (a half-typed custom name goes too).
  const [cleared, setCleared] = useState(0);
  const query: Omit<EventQuery, "cursor"> = {
    since,
    event: filters.event || undefined,
    site: filters.scope === "site" ? (site?.id ?? undefined) : undefined,
    object_type: filters.objectType || undefined,
    object_id: filters.objectType && filters.objectId !== null ? filters.objectId : undefined,
  };
  const journal = useEventJournal(query);
  const rows = useMemo(() => journal.data?.pages.flatMap((p) => p.results) ?? [], [journal.data]);
  const filtered = !!(filters.event || filters.objectType || filters.scope === "all" || params.get("since"));
  const now = useNow();

  const setFilter = (changes: Partial<Record<(typeof FILTER_KEYS)[number], string>>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace: true },
    );

  const clear = () => {
    setCleared((n) => n + 1);
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const key of FILTER_KEYS) next.delete(key);
      return next;
    });
  };

  return (
    <section className="page ev-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Events</h1>
          <p className="muted">Everything rules react to, newest first: objects changing, custom events, webhook calls, schedule fires, finished runs.</p>
        </div>
      </header>

      <Filters
        key={cleared}
        filters={filters}
        siteDomain={site?.domain ?? null}
        onChange={setFilter}
        onClear={filtered ? clear : undefined}
        onRefresh={() => setRefreshed((n) => n + 1)}
        refreshing={journal.isFetching && !journal.isFetchingNextPage}
      />

      {journal.isPending ? (
        <Loading label="Loading events…" />
      ) : journal.isError && !journal.isFetchNextPageError ? (
        <ErrorBanner title="Could not load the events" error={journal.error} onRetry={() => void journal.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState
          title={filters.event || filters.objectType ? "No events match these filters" : `No events in ${sinceWords(filters.since)}`}
          action={
            filtered ? (
              <button type="button" className="btn" onClick={clear}>
                Clear filters
              </button>
            ) : undefined
          }
        >
          {filters.event || filters.objectType
            ? `Nothing like this happened in ${sinceWords(filters.since)}${filters.scope === "site" ? " on this site" : ""}. Try a longer range or another event.`
            : "Events appear here as keywords, content and rules change, webhooks arrive, schedules fire and runs finish."}
        </EmptyState>
      ) : (
        <>
          <div className="ev-table-wrap" aria-busy={journal.isFetching && !journal.isFetchingNextPage}>
            <table className="table ev-table">
              <caption className="visually-hidden">
                Events of {sinceWords(filters.since)}, newest first{filtered ? " (filtered)" : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Object</th>
                  <th scope="col">Changes</th>
                  <th scope="col">Cause</th>
                  <th scope="col" className="col-action">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((record) => (
                  <EventRow
                    key={record.id}
                    record={record}
                    now={now}
                    siteId={site?.id ?? null}
                    onObject={(type, id) => setFilter({ object_type: type, object_id: String(id) })}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {journal.isFetchNextPageError && (
            <ErrorBanner title="Could not load more events" error={journal.error} onRetry={() => void journal.fetchNextPage()} />
          )}
          <div className="ev-more">
            <span className="muted small" aria-live="polite" data-testid="events-count">
              {formatInteger(rows.length)} {rows.length === 1 ? "event" : "events"} of {sinceWords(filters.since)}
              {journal.hasNextPage ? ", older ones below" : ""}
            </span>
            {journal.hasNextPage && (
              <button type="button" className="btn" disabled={journal.isFetchingNextPage} onClick={() => void journal.fetchNextPage()}>
                {journal.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

// --- filters ---------------------------------------------------------------------------------------

function Filters({
  filters,
  siteDomain,
  onChange,
  onClear,
  onRefresh,
  refreshing,
}: {
  filters: JournalFilters;
  siteDomain: string | null;
  onChange: (changes: Partial<Record<(typeof FILTER_KEYS)[number], string>>) => void;
  onClear?: () => void;
  onRefresh: () => void;
  refreshing: boolean;
}) {
  const catalog = useTriggerTypes();
  const isCustom = filters.event.startsWith(CUSTOM_PREFIX);
  const [customMode, setCustomMode] = useState(isCustom);
  const [customText, setCustomText] = useState(isCustom ? filters.event.slice(CUSTOM_PREFIX.length) : "");
  const [customError, setCustomError] = useState<string | null>(null);
  // The URL changed elsewhere (Back, Clear filters): follow it.
  useEffect(() => {
    if (filters.event.startsWith(CUSTOM_PREFIX)) {
      setCustomMode(true);
      setCustomText(filters.event.slice(CUSTOM_PREFIX.length));
    } else if (filters.event) setCustomMode(false);
  }, [filters.event]);

  const groups = useMemo(() => {
    const byModel = new Map<string, string[]>();
    for (const event of catalog.data?.events ?? []) {
      const model = event.name.split(".")[0] ?? event.name;
      byModel.set(model, [...(byModel.get(model) ?? []), event.name]);
    }
    return [...byModel.entries()];
  }, [catalog.data]);
  const known = new Set([...groups.flatMap(([, names]) => names), ...SYSTEM_EVENTS.map((e) => e.name)]);
  const selectValue = customMode ? CUSTOM_CHOICE : filters.event;

  const applyCustom = (event?: FormEvent) => {
    event?.preventDefault();
    if (!customText.trim()) {
      setCustomError(null);
      onChange({ event: "" });
      return;
    }
    const name = customEventName(customText);
    if (!name) {
      setCustomError("Letters, digits, “_”, “-” and “.” only, e.g. custom.order_paid");
      return;
    }
    setCustomError(null);
    onChange({ event: name });
  };

  return (
    <form className="filter-bar ev-filters" role="search" aria-label="Filter events" onSubmit={applyCustom}>
      <div className="field ev-filter-event">
        <label htmlFor="ev-event">Event</label>
        <select
          id="ev-event"
          value={selectValue}
          onChange={(event) => {
            const value = event.target.value;
            if (value === CUSTOM_CHOICE) {
              setCustomMode(true);
              // Until a name is typed the journal shows every event (not the one picked before).
              onChange({ event: customEventName(customText) ?? "" });
              return;
            }
            setCustomMode(false);
            setCustomError(null);
            onChange({ event: value });
          }}
        >
          <option value="">Any event</option>
          {filters.event && !customMode && !known.has(filters.event) && <option value={filters.event}>{filters.event}</option>}
          {groups.map(([model, names]) => (
            <optgroup key={model} label={model}>
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </optgroup>
          ))}
          <optgroup label="Webhooks, schedules and runs">
            {SYSTEM_EVENTS.map((event) => (
              <option key={event.name} value={event.name} title={event.description}>
                {event.name}
              </option>
            ))}
          </optgroup>
          <optgroup label="Custom events">
            <option value={CUSTOM_CHOICE}>custom.… (type a name)</option>
          </optgroup>
        </select>
      </div>
      {customMode && (
        <div className="field ev-filter-custom">
          <label htmlFor="ev-custom">Custom event name</label>
          <div className="ev-custom-input">
            <span className="ev-custom-prefix" aria-hidden="true">
              {CUSTOM_PREFIX}
            </span>
            <input
              id="ev-custom"
              value={customText}
              placeholder="order_paid"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={customError ? true : undefined}
              aria-describedby={customError ? "ev-custom-error" : "ev-custom-hint"}
              onChange={(event) => setCustomText(event.target.value)}
              onBlur={() => applyCustom()}
            />
            <button type="submit" className="btn btn-small">
              Apply
            </button>
          </div>
          {customError ? (
            <p className="field-error" id="ev-custom-error">
              {customError}
            </p>
          ) : (
            <span className="visually-hidden" id="ev-custom-hint">
              The name after custom., then Enter
            </span>
          )}
        </div>
      )}
      <div className="field ev-filter-since">
        <label htmlFor="ev-since">Since</label>
        <select id="ev-since" value={filters.since} onChange={(event) => onChange({ since: event.target.value })}>
          {SINCE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field ev-filter-scope">
        <label htmlFor="ev-scope">Sites</label>
        <select id="ev-scope" value={filters.scope} onChange={(event) => onChange({ scope: event.target.value === "all" ? "all" : "" })}>
          <option value="site">{siteDomain ? `This site (${siteDomain})` : "This site"}</option>
          <option value="all">All sites</option>
        </select>
      </div>
      {filters.objectType && (
        <div className="ev-object-filter" data-testid="object-filter">
          <span className="muted small">Only</span>
          <span className="ev-mono">
            {filters.objectType}
            {filters.objectId !== null ? ` #${filters.objectId}` : ""}
          </span>
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-label={`Show every object, not only ${filters.objectType}${filters.objectId !== null ? ` #${filters.objectId}` : ""}`}
            onClick={() => onChange({ object_type: "", object_id: "" })}
          >
            ×
          </button>
        </div>
      )}
      <div className="ev-filters-end">
        {onClear && (
          <button type="button" className="btn btn-ghost btn-small" onClick={onClear}>
            Clear filters
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={onRefresh} disabled={refreshing} title="Load the newest events">
          Refresh
        </button>
      </div>
    </form>
  );
}

// --- rows ------------------------------------------------------------------------------------------

function eventTone(name: string): PillTone {
  if (name === "run.failed" || name.endsWith(".deleted")) return "danger";
  if (name === "run.completed" || name.endsWith(".created")) return "success";
  if (name.endsWith(".updated") || name.endsWith(".status_changed")) return "info";
  if (name.startsWith(CUSTOM_PREFIX)) return "warning";
  return "neutral";
}

function EventRow({
  record,
  now,
  siteId,
  onObject,
}: {
  record: EventRecord;
  now: number;
  siteId: number | null;
  onObject: (type: string, id: number) => void;
}) {
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const object = summarizeObject(record);
  const changes = changesInWords(record.changes);
  const cause = causeOf(record.event, record.causation);
  return (
    <Fragment>
      <tr data-testid="event-row" data-event={record.event} data-id={record.id} className={open ? "ev-row-open" : undefined}>
        <td className="ev-col-time">
          <time dateTime={record.at} title={exactTime(record.at)}>
            {timeAgo(record.at, now)}
          </time>
        </td>
        <td className="ev-col-event">
          <Pill tone={eventTone(record.event)} className="ev-name">
            {record.event}
          </Pill>
        </td>
        <td className={`ev-col-object${object.ref === "" ? " ev-cell-empty" : ""}`} data-label="Object">
          {object.ref === "" ? (
            <span className="muted">–</span>
          ) : record.object_type && record.object_id !== null ? (
            <button
              type="button"
              className="ev-link ev-mono"
              title={`Show only the events of ${object.ref}`}
              onClick={() => onObject(record.object_type, record.object_id!)}
            >
              {object.ref}
            </button>
          ) : object.runId ? (
            <Link className="ev-mono" to={withSite(`/runs/${object.runId}`, siteId)}>
              {object.ref}
            </Link>
          ) : object.ruleId !== null ? (
            <Link className="ev-mono" to={withSite(`/rules/${object.ruleId}`, siteId)}>
              {object.ref}
            </Link>
          ) : (
            <span className="ev-mono">{object.ref}</span>
          )}
          {object.label && <span className="ev-object-label">{object.label}</span>}
        </td>
        <td className={`ev-col-changes${changes.length === 0 ? " ev-cell-empty" : ""}`} data-label="Changes">
          {changes.length === 0 ? (
            <span className="muted">–</span>
          ) : (
            <ul className="ev-changes">
              {changes.slice(0, 3).map((line) => (
                <li key={line}>{line}</li>
              ))}
              {changes.length > 3 && <li className="muted">and {changes.length - 3} more</li>}
            </ul>
          )}
        </td>
        <td className="ev-col-cause" data-label="Cause">
          <CauseCell cause={cause} siteId={siteId} />
        </td>
        <td className="col-action ev-col-toggle">
          <button
            type="button"
            className="btn btn-ghost btn-small ev-toggle"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={() => setOpen((value) => !value)}
          >
            <span className="ev-chevron" aria-hidden="true" />
            Details
          </button>
        </td>
      </tr>
      {open && (
        <tr className="ev-detail" id={detailId} data-testid="event-detail">
          <td colSpan={6}>
            <p className="small muted ev-detail-meta">
              Event #{record.id} · {exactTime(record.at)}
              {record.site !== null ? ` · site #${record.site}` : " · no site"}
            </p>
            <div className="ev-detail-grid">
              <JsonPanel title="Object" value={record.object} />
              <JsonPanel title="Changes" value={record.changes} />
              <JsonPanel title="Causation" value={record.causation} />
            </div>
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function CauseCell({ cause, siteId }: { cause: ReturnType<typeof causeOf>; siteId: number | null }) {
  switch (cause.kind) {
    case "run":
      return (
        <span className="ev-cause">
          <Link to={withSite(`/runs/${cause.runId}`, siteId)} className="ev-mono" data-testid="event-parent-run" title={`Caused by run ${cause.runId}`}>
            ↖ {cause.runId}
          </Link>
          {cause.root && <span className="muted small">from {cause.root}</span>}
        </span>
      );
    case "rerun":
      return (
        <span className="ev-cause">
          <span className="muted small">re-run of</span>
          <Link to={withSite(`/runs/${cause.runId}`, siteId)} className="ev-mono">
            {cause.runId}
          </Link>
        </span>
      );
    case "root":
      return <span className="ev-mono small">{cause.text}</span>;
    default:
      return (
        <span className="muted small" title="No run caused it: this event starts its own chain">
          root event
        </span>
      );
  }
}

function JsonPanel({ title, value }: { title: string; value: unknown }) {
  const empty = value === null || value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0);
  return (
    <section className="ev-json-panel">
      <h3 className="ev-json-title">{title}</h3>
      {empty ? (
        <p className="muted small">None</p>
      ) : (
        <pre className="ev-json" tabIndex={0} aria-label={title}>
          {JSON.stringify(value, null, 2)}
        </pre>
      )}
    </section>
  );
}
