/**
 * The event journal's shapes (`GET /api/v1/automation/events/`, issue 15): the generated `EventRecord`,
 * with its JSON fields (`object`, `changes`, `causation`; `unknown` in the schema) written down here.
 */
import type { ApiQuery } from "../api/client";
import type { components } from "../api/schema";

type Schemas = components["schemas"];

/** One field's change in an `*.updated` event: `{"status": {"old": "new", "new": "mapped"}}`. */
export interface FieldChange {
  old: unknown;
  new: unknown;
}

/** Why an event happened: the root event, the rules on the way and the run that caused it (if any). */
export interface EventCausation {
  root_event?: string;
  root_id?: string | number | null;
  event?: string;
  depth?: number;
  rule_path?: number[];
  parent_run_id?: string | null;
}

export type EventRecord = Omit<Schemas["EventRecord"], "object" | "changes" | "causation"> & {
  object: Record<string, unknown>;
  changes: Record<string, FieldChange>;
  causation: EventCausation;
};

/** Cursor pagination: newest first, `next` is the URL of the following (older) page. */
export type EventPage = Omit<Schemas["PaginatedEventRecordList"], "results"> & { results: EventRecord[] };

/** The query the page sends (the API's filters). */
export type EventQuery = NonNullable<ApiQuery<"/api/v1/automation/events/", "get">>;
