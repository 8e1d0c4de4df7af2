import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";

import {
  BADGE_LIVE_MS,
  badgeRefetchInterval,
  currentRunQuery,
  IDLE_POLL_MS,
  LIVE_POLL_MS,
  navRunBadge,
  othersPoll,
} from "./currentRun";
import type { CurrentRunResponse } from "./types";

describe("navRunBadge", () => {
  it("shows while a run is active: running and queued read Running, paused reads Paused", () => {
    expect(navRunBadge("running")).toEqual({ label: "Running", spoken: "running", tone: "info" });
    expect(navRunBadge("queued")).toEqual({ label: "Running", spoken: "running", tone: "info" });
    expect(navRunBadge("paused")).toEqual({ label: "Paused", spoken: "paused", tone: "warning" });
  });

  it("shows nothing without an active run", () => {
    for (const status of ["completed", "failed", "cancelled", null, undefined, ""]) expect(navRunBadge(status)).toBeNull();
  });
});

describe("the badge's polling next to the dashboard's", () => {
  const clients: QueryClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.clear()));

  function setup(status: string | null) {
    const client = new QueryClient();
    clients.push(client);
    const data = { run: status ? { status } : null, activity_log: [] } as unknown as CurrentRunResponse;
    client.setQueryData(currentRunQuery(1).queryKey, data);
    const query = client.getQueryCache().find<CurrentRunResponse>({ queryKey: currentRunQuery(1).queryKey })!;
    const observe = (refetchInterval: unknown) => {
      const observer = new QueryObserver(client, {
        queryKey: currentRunQuery(1).queryKey,
        queryFn: () => data,
        refetchInterval: refetchInterval as number,
        staleTime: Infinity,
      });
      return observer.subscribe(() => undefined);
    };
    return { query: query as Parameters<typeof badgeRefetchInterval>[0], observe };
  }

  it("polls alone: every BADGE_LIVE_MS while a run is active, IDLE_POLL_MS otherwise", () => {
    const running = setup("running");
    const stop = running.observe(badgeRefetchInterval);
    expect(othersPoll(running.query)).toBe(false);
    expect(badgeRefetchInterval(running.query)).toBe(BADGE_LIVE_MS);
    stop();
    const idle = setup("completed");
    idle.observe(badgeRefetchInterval);
    expect(badgeRefetchInterval(idle.query)).toBe(IDLE_POLL_MS);
  });

  it("stops polling while the dashboard polls the same query, and starts again when it leaves", () => {
    const { query, observe } = setup("running");
    observe(badgeRefetchInterval);
    const leave = observe(() => LIVE_POLL_MS);
    expect(othersPoll(query)).toBe(true);
    expect(badgeRefetchInterval(query)).toBe(false);
    leave();
    expect(othersPoll(query)).toBe(false);
    expect(badgeRefetchInterval(query)).toBe(BADGE_LIVE_MS);
  });

  it("does not count observers that never poll", () => {
    const { query, observe } = setup("running");
    observe(badgeRefetchInterval);
    observe(false);
    observe(undefined);
    expect(othersPoll(query)).toBe(false);
  });
});
