/**
 * The sidebar's "Running" badge: whether the selected site has an active run. Reads the dashboard's
 * own `current_run/` query (same key, same cache entry) and polls it only while no other screen
 * does, so the dashboard's 1.5 s polling never gets a second poller next to it.
 */
import { hashKey, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useSyncExternalStore } from "react";

import { badgeRefetchInterval, currentRunQuery, type NavRunBadge, navRunBadge, othersPoll } from "../automation/currentRun";
import type { CurrentRunResponse } from "../automation/types";

const selectStatus = (data: CurrentRunResponse) => data.run?.status ?? null;

export function useRunBadge(site: number | null): NavRunBadge | null {
  const client = useQueryClient();
  const options = currentRunQuery(site ?? 0);
  const hash = hashKey(options.queryKey);

  // Re-render when another screen starts or stops polling the query, so the interval is recomputed
  // (the query itself does not change when an observer comes or goes).
  const subscribe = useCallback(
    (notify: () => void) =>
      client.getQueryCache().subscribe((event) => {
        if (event.query.queryHash !== hash) return;
        if (event.type === "observerAdded" || event.type === "observerRemoved" || event.type === "observerOptionsUpdated") notify();
      }),
    [client, hash],
  );
  const othersPolling = useSyncExternalStore(subscribe, () => {
    const query = client.getQueryCache().get(hash);
    return query ? othersPoll(query) : false;
  });

  const status = useQuery({
    ...options,
    enabled: site !== null,
    select: selectStatus,
    refetchInterval: othersPolling ? false : badgeRefetchInterval,
    refetchIntervalInBackground: false,
    staleTime: 0,
    // A failed check leaves the badge as it was; the dashboard reports errors.
    retry: false,
  });
  return navRunBadge(status.data);
}
