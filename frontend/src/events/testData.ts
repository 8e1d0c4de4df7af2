/** Journal records shaped like `GET /api/v1/automation/events/` answers them (issue 15 contract). */
import type { EventPage, EventRecord } from "./types";

export function eventRecord(id: number, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    id,
    at: new Date(Date.now() - id * 60_000).toISOString(),
    event: "keyword.created",
    site: 1,
    object_type: "keyword",
    object_id: 5,
    object: { id: 5, text: "cold brew ratio", volume: 1200, status: "new", site_id: 1 },
    changes: {},
    causation: {},
    ...overrides,
  };
}

export const keywordUpdated = eventRecord(2, {
  event: "keyword.updated",
  object: { id: 5, text: "cold brew ratio", volume: 1200, status: "mapped", cluster_id: 4, site_id: 1 },
  changes: { status: { old: "new", new: "mapped" }, cluster_id: { old: null, new: 4 } },
  causation: { root_event: "manual:3", root_id: "m-1", event: "keyword.updated", depth: 1, rule_path: [3], parent_run_id: "run_abc123" },
});

export const webhookReceived = eventRecord(3, {
  event: "webhook.received",
  site: null,
  object_type: "rule",
  object_id: null,
  object: { rule: 9, payload: { order: 17 } },
});

export function eventPage(results: EventRecord[], next: string | null = null): EventPage {
  return { next, previous: null, results };
}
