/**
 * TanStack Query hooks for the automation API. Their keys are `automationKeys` (keys.ts); everything
 * under ["automation", site] is refreshed together when a run starts, ends or is controlled.
 *
 * Live updates: while a run is active, current_run/, pipeline_overview/ and the content counts are
 * polled every LIVE_POLL_MS; when nothing runs, only current_run/ is checked, every IDLE_POLL_MS
 * (so a scheduled run that starts shows up), and the rest stays still.
 */
import { useCallback } from "react";
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";

import { ApiError, request } from "../api/client";
import { queryKeys } from "../api/queries";
import { ruleKeys } from "../rules/api";
import { currentRunQuery, IDLE_POLL_MS, LIVE_POLL_MS } from "./currentRun";
import { type CountKind, automationKeys } from "./keys";
import { isActiveRun } from "./progress";
import type {
  AutomationConfigSaved,
  AutomationConfigUpdate,
  ControlResponse,
  EstimateResponse,
  HistoryResponse,
  LogsResponse,
  OverviewStats,
  PipelineOverviewResponse,
  RunDetail,
  RetryFailedResponse,
  RunLogLine,
  RunNowResponse,
} from "./types";

export { IDLE_POLL_MS, LIVE_POLL_MS } from "./currentRun";

export { automationKeys } from "./keys";

/**
 * The automation endpoints are free-form objects in the OpenAPI schema; this narrows their answers
 * to the shapes in types.ts. Paths and query parameters are still checked against the schema.
 */
function typed<T>(promise: Promise<unknown>): Promise<T> {
  return promise as Promise<T>;
}

// --- reads ----------------------------------------------------------------------------------------

export function useAutomationConfig(site: number) {
  return useQuery({
    queryKey: automationKeys.config(site),
    queryFn: ({ signal }) => request("get", "/api/v1/automation/config/", { query: { site_id: site }, signal }),
  });
}

/** The active run (polled fast while one runs, slowly otherwise). The sidebar badge shares its key. */
export function useCurrentRun(site: number) {
  return useQuery({
    ...currentRunQuery(site),
    refetchInterval: (query) => (isActiveRun(query.state.data?.run?.status) ? LIVE_POLL_MS : IDLE_POLL_MS),
    refetchIntervalInBackground: false,
    staleTime: 0,
  });
}

export function useEstimate(site: number) {
  return useQuery({
    queryKey: automationKeys.estimate(site),
    queryFn: ({ signal }) =>
      typed<EstimateResponse>(request("get", "/api/v1/automation/estimate/", { query: { site_id: site }, signal })),
  });
}

/** `pipeline_overview/`, with the moment it was asked for (see progress.ts `queuesAfterRun`). */
export type PipelineOverview = PipelineOverviewResponse & { requestedAt: number };

export function usePipelineOverview(site: number, live: boolean) {
  return useQuery({
    queryKey: automationKeys.pipeline(site),
    queryFn: async ({ signal }): Promise<PipelineOverview> => {
      const requestedAt = Date.now();
      const overview = await typed<PipelineOverviewResponse>(
        request("get", "/api/v1/automation/pipeline_overview/", { query: { site_id: site }, signal }),
      );
      return { ...overview, requestedAt };
    },
    refetchInterval: live ? LIVE_POLL_MS : false,
    placeholderData: keepPreviousData,
  });
}

export function useOverviewStats(site: number) {
  return useQuery({
    queryKey: automationKeys.overview(site),
    queryFn: ({ signal }) =>
      typed<OverviewStats>(request("get", "/api/v1/automation/overview_stats/", { query: { site_id: site }, signal })),
  });
}

/** A page of the run history; `live` refreshes it every few seconds (the active run's row changes). */
export function useRunHistory(site: number, page: number, pageSize: number, live = false) {
  return useQuery({
    queryKey: automationKeys.history(site, page, pageSize),
    refetchInterval: live ? 4000 : false,
    queryFn: ({ signal }) =>
      typed<HistoryResponse>(
        request("get", "/api/v1/automation/history/", { query: { site_id: site, page, page_size: pageSize }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** The last `lines` lines of a run's log (text), for the activity log when no run is active. */
export function useRunLogText(runId: string | null, lines = 50) {
  return useQuery({
    queryKey: automationKeys.logs(runId ?? "", lines),
    queryFn: ({ signal }) =>
      typed<LogsResponse>(request("get", "/api/v1/automation/logs/", { query: { run_id: runId ?? "", lines }, signal })),
    enabled: runId !== null,
  });
}

export function useRunDetail(runId: string | null) {
  return useQuery({
    queryKey: automationKeys.runDetail(runId ?? ""),
    queryFn: ({ signal }) =>
      typed<RunDetail>(request("get", "/api/v1/automation/run_detail/", { query: { run_id: runId ?? "" }, signal })),
    enabled: runId !== null,
    refetchInterval: (query) => (isActiveRun(query.state.data?.run.status) ? LIVE_POLL_MS : false),
  });
}

/** Every log line of a run, with timestamps and levels; refreshed while the run is active. */
export function useRunLog(runId: string, live: boolean) {
  return useQuery({
    queryKey: automationKeys.runLog(runId),
    queryFn: ({ signal }) =>
      typed<RunLogLine[]>(
        request("get", "/api/v1/automation/executions/{run_id}/logs/", { path: { run_id: runId }, signal }),
      ),
    refetchInterval: live ? 2000 : false,
  });
}

// --- content counts for the metric cards ------------------------------------------------------------

export type { CountKind } from "./keys";

const COUNT_PATHS = {
  keywords: "/api/v1/keywords/",
  clusters: "/api/v1/clusters/",
  ideas: "/api/v1/ideas/",
  content: "/api/v1/content/",
  images: "/api/v1/images/",
} as const;

/** The counts the page needs: [kind, status] with "" for the total. */
export const COUNT_QUERIES: readonly (readonly [CountKind, string])[] = [
  ["keywords", ""],
  ["keywords", "new"],
  ["clusters", ""],
  ["clusters", "new"],
  ["ideas", ""],
  ["ideas", "new"],
  ["content", ""],
  ["content", "draft"],
  ["content", "review"],
  ["images", ""],
  ["images", "pending"],
  ["images", "generated"],
];

export type Counts = Partial<Record<`${CountKind}:${string}`, number>>;

/** One `page_size=1` request per (kind, status): answers `counts["keywords:new"]` etc. */
export function useContentCounts(site: number, live: boolean): { counts: Counts; error: unknown; refetch: () => void } {
  const results = useQueries({
    queries: COUNT_QUERIES.map(([kind, status]) => ({
      queryKey: automationKeys.count(site, kind, status),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        request("get", COUNT_PATHS[kind], {
          // one generic call over five list endpoints: each status above is valid for its own path
          query: { site, page_size: 1, ...(status ? { status: status as never } : {}) },
          signal,
        }),
      refetchInterval: live ? LIVE_POLL_MS : (false as const),
      placeholderData: keepPreviousData,
    })),
  });
  const counts: Counts = {};
  COUNT_QUERIES.forEach(([kind, status], index) => {
    const count = results[index]?.data?.count;
    if (count !== undefined) counts[`${kind}:${status}`] = count;
  });
  const failed = results.find((result) => result.isError);
  return { counts, error: failed?.error ?? null, refetch: () => results.forEach((result) => void result.refetch()) };
}

// --- writes ---------------------------------------------------------------------------------------

/** Refresh everything the dashboard shows for a site (and the header's balance). */
export function useRefreshAutomation(site: number) {
  const client = useQueryClient();
  return useCallback(() => {
    void client.invalidateQueries({ queryKey: automationKeys.site(site) });
    void client.invalidateQueries({ queryKey: automationKeys.runs });
    void client.invalidateQueries({ queryKey: queryKeys.credits });
  }, [client, site]);
}

export function useSaveConfig(site: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AutomationConfigUpdate) =>
      typed<AutomationConfigSaved>(request("put", "/api/v1/automation/config/", { query: { site_id: site }, body })),
    onSuccess: (saved) => {
      // The signing secret is shown once by the caller; it never goes into the cache.
      const { signing_secret: _secret, ...config } = saved;
      client.setQueryData(automationKeys.config(site), config);
      // The config is the site's pipeline rule: the rule screens show the new version.
      void client.invalidateQueries({ queryKey: ruleKeys.all });
      void client.invalidateQueries({ queryKey: automationKeys.estimate(site) });
      void client.invalidateQueries({ queryKey: automationKeys.overview(site) });
      void client.invalidateQueries({ queryKey: automationKeys.pipeline(site) });
    },
  });
}

export function useRunNow(site: number) {
  const refresh = useRefreshAutomation(site);
  return useMutation({
    mutationFn: () =>
      typed<RunNowResponse>(request("post", "/api/v1/automation/run_now/", { query: { site_id: site } })),
    onSettled: refresh,
  });
}

/** Queue the site's failed writing tasks and failed images again (the next run takes them). */
export function useRetryFailed(site: number) {
  const refresh = useRefreshAutomation(site);
  return useMutation({
    mutationFn: () =>
      typed<RetryFailedResponse>(request("post", "/api/v1/automation/retry_failed/", { query: { site_id: site } })),
    onSuccess: refresh,
  });
}

export type RunControl = "pause" | "resume" | "cancel";

const CONTROL_PATHS = {
  pause: "/api/v1/automation/pause/",
  resume: "/api/v1/automation/resume/",
  cancel: "/api/v1/automation/cancel/",
} as const;

export function useRunControl(site: number) {
  const refresh = useRefreshAutomation(site);
  return useMutation({
    mutationFn: ({ action, runId }: { action: RunControl; runId: string }) =>
      typed<ControlResponse>(request("post", CONTROL_PATHS[action], { query: { run_id: runId } })),
    onSettled: refresh,
  });
}

// --- run_now/ refusals ----------------------------------------------------------------------------

export type RunNowProblem =
  | { kind: "already_running"; runId: string | null; message: string }
  | { kind: "insufficient_credits"; needed: number; available: number; message: string }
  | { kind: "other"; error: unknown };

/** What a failed Run Now means: a run is already active (409) or credits are short (402, and no run was made). */
export function runNowProblem(error: unknown): RunNowProblem {
  // A deactivated site's refusal (409 `site_inactive`) is no active run: it shows as an error with its sentence.
  if (error instanceof ApiError && error.status === 409 && error.fieldErrors.code?.[0] !== "site_inactive") {
    const runId = error.fieldErrors.run_id?.[0] ?? null;
    return { kind: "already_running", runId, message: error.fieldErrors.detail?.[0] ?? "A run is already active." };
  }
  if (error instanceof ApiError && error.status === 402) {
    return {
      kind: "insufficient_credits",
      needed: Number(error.fieldErrors.needed?.[0] ?? NaN),
      available: Number(error.fieldErrors.available?.[0] ?? NaN),
      message: error.fieldErrors.detail?.[0] ?? "Not enough credits.",
    };
  }
  return { kind: "other", error };
}
