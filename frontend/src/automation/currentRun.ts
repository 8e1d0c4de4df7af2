/**
 * The `current_run/` query, shared by the dashboard (`useCurrentRun`) and the sidebar's "Running"
 * badge (`shell/useRunBadge.ts`): one key, one cache entry, so the badge reads what the dashboard
 * polls. Kept small on purpose: the shell loads it with the first page.
 *
 * Polling: the dashboard polls every LIVE_POLL_MS while a run is active, else every IDLE_POLL_MS.
 * The badge polls on its own (BADGE_LIVE_MS while a run is active, IDLE_POLL_MS otherwise) only
 * while no other screen polls the same query; when one does, it just reads the cache.
 */
import type { Query } from "@tanstack/react-query";

import { request } from "../api/client";
import { automationKeys } from "./keys";
import { ACTIVE_RUN_STATUSES, type CurrentRunResponse, type RunStatus } from "./types";

export const LIVE_POLL_MS = 1500;
export const IDLE_POLL_MS = 30_000;
/** How often the badge checks an active run when no screen polls it (to see it end). */
export const BADGE_LIVE_MS = 5000;

/** queued, running and paused: the engine's active runs (they count against the account's limit). */
export function isActiveStatus(status: string | null | undefined): status is RunStatus {
  return ACTIVE_RUN_STATUSES.includes(status as RunStatus);
}

/** Key and fetcher of `current_run/` for a site (the options every observer of it shares). */
export function currentRunQuery(site: number) {
  return {
    queryKey: automationKeys.currentRun(site),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      request("get", "/api/v1/automation/current_run/", { query: { site_id: site }, signal }) as Promise<unknown> as Promise<CurrentRunResponse>,
  };
}

export interface NavRunBadge {
  /** Shown in the badge. */
  label: "Running" | "Paused";
  /** Read with the link: "Automation, running". */
  spoken: string;
  tone: "info" | "warning";
}

/**
 * The sidebar badge for a site's run: while a run is active (queued, running or paused). A paused
 * run says so (it does not move until resumed); a queued one is about to run and reads "Running".
 */
export function navRunBadge(status: string | null | undefined): NavRunBadge | null {
  if (!isActiveStatus(status)) return null;
  return status === "paused"
    ? { label: "Paused", spoken: "paused", tone: "warning" }
    : { label: "Running", spoken: "running", tone: "info" };
}

type CurrentRunQuery = Query<CurrentRunResponse, Error, CurrentRunResponse, readonly unknown[]>;

/**
 * The badge's refetch interval: none while another observer of the query polls it (the dashboard
 * does, faster), else BADGE_LIVE_MS while a run is active and IDLE_POLL_MS when none is.
 */
export function badgeRefetchInterval(query: CurrentRunQuery): number | false {
  if (othersPoll(query)) return false;
  return isActiveStatus(query.state.data?.run?.status) ? BADGE_LIVE_MS : IDLE_POLL_MS;
}

/** Whether an observer other than the badge's polls this query. */
export function othersPoll(query: Pick<CurrentRunQuery, "observers">): boolean {
  return query.observers.some((observer) => {
    const interval = observer.options.refetchInterval;
    return interval !== badgeRefetchInterval && interval !== undefined && interval !== false && interval !== 0;
  });
}
