/**
 * TanStack Query hooks for the rules and executions API (the rules screens' own; the shared
 * `src/api/queries.ts` holds the rest of the app's). Query keys live here.
 *
 * The generated schema types the JSON fields as `unknown`; the answers are cast to the documented
 * shapes in `./types` at this one boundary.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";

import { api, ApiError, errorMessage, request } from "../api/client";
import { automationKeys } from "../automation/keys";
import type {
  ActionType,
  BacktestBody,
  BacktestResult,
  ImportConflict,
  ImportResult,
  Paginated,
  Rule,
  RuleVersion,
  RulePayload,
  Run,
  RunDetail,
  RunLog,
  TestResult,
  TriggerCatalog,
  TriggerRecord,
} from "./types";
import { ACTIVE_RUN_STATUSES } from "./types";

export const ruleKeys = {
  all: ["rules"] as const,
  list: () => ["rules", "list"] as const,
  detail: (id: number) => ["rules", "detail", id] as const,
  versions: (id: number) => ["rules", "versions", id] as const,
  triggers: (id: number, outcome: string) => ["rules", "triggers", id, outcome] as const,
  progress: (id: number) => ["executions", "rule", id] as const,
  actionTypes: ["rules-catalog", "actions"] as const,
  triggerTypes: ["rules-catalog", "triggers"] as const,
};

export const runKeys = {
  all: ["executions"] as const,
  list: (filters: RunFilters) => ["executions", "list", filters] as const,
  detail: (runId: string) => ["executions", "detail", runId] as const,
  logs: (runId: string, step: number | null) => ["executions", "logs", runId, step] as const,
};

/** A run is still moving (worth polling). */
export function isActive(status: string | null | undefined): boolean {
  return !!status && (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);
}

// --- catalogs ------------------------------------------------------------------------------------

export function useActionTypes() {
  return useQuery({
    queryKey: ruleKeys.actionTypes,
    queryFn: async ({ signal }) => (await api.get("/api/v1/automation/rules/action-types/", { signal })) as unknown as ActionType[],
    staleTime: 5 * 60_000,
  });
}

export function useTriggerTypes() {
  return useQuery({
    queryKey: ruleKeys.triggerTypes,
    queryFn: async ({ signal }) => (await api.get("/api/v1/automation/rules/trigger-types/", { signal })) as unknown as TriggerCatalog,
    staleTime: 5 * 60_000,
  });
}

// --- rules ---------------------------------------------------------------------------------------

/** Every rule of the account (the list shows a few dozen at most; 500 is the API's page limit). */
export function useRules() {
  return useQuery({
    queryKey: ruleKeys.list(),
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/rules/", { query: { page_size: 500, ordering: "id" }, signal })) as unknown as Paginated<Rule>,
    refetchInterval: (query) => (query.state.data?.results.some((rule) => isActive(rule.last_run?.status)) ? 2000 : 15_000),
  });
}

export function useRule(id: number | null) {
  return useQuery({
    queryKey: ruleKeys.detail(id ?? 0),
    queryFn: async ({ signal }) => (await api.get("/api/v1/automation/rules/{id}/", { path: { id: id as number }, signal })) as unknown as Rule,
    enabled: id !== null,
  });
}

function storeRule(client: QueryClient, rule: Rule) {
  client.setQueryData(ruleKeys.detail(rule.id), rule);
  void client.invalidateQueries({ queryKey: ruleKeys.list() });
  void client.invalidateQueries({ queryKey: ruleKeys.versions(rule.id) });
  // A preset rule is the pipeline's configuration: the dashboard shows the change too.
  if (rule.preset_key) void client.invalidateQueries({ queryKey: automationKeys.all });
}

export function useCreateRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: Partial<RulePayload> | Record<string, unknown>) =>
      (await api.post("/api/v1/automation/rules/", { body: body as never })) as unknown as Rule,
    onSuccess: (rule) => storeRule(client, rule),
  });
}

export function useUpdateRule(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: RulePayload) =>
      (await request("put", "/api/v1/automation/rules/{id}/" as never, { path: { id }, body } as never)) as unknown as Rule,
    onSuccess: (rule) => storeRule(client, rule),
  });
}

/** PATCH one or a few fields (the list's active toggle). */
export function usePatchRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: number; body: Partial<RulePayload> }) =>
      (await api.patch("/api/v1/automation/rules/{id}/", { path: { id }, body: body as never })) as unknown as Rule,
    onMutate: async ({ id, body }) => {
      await client.cancelQueries({ queryKey: ruleKeys.list() });
      const previous = client.getQueryData<Paginated<Rule>>(ruleKeys.list());
      if (previous) {
        client.setQueryData<Paginated<Rule>>(ruleKeys.list(), {
          ...previous,
          results: previous.results.map((rule) => (rule.id === id ? { ...rule, ...body } as Rule : rule)),
        });
      }
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) client.setQueryData(ruleKeys.list(), context.previous);
    },
    onSuccess: (rule) => storeRule(client, rule),
  });
}

export function useDeleteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.delete("/api/v1/automation/rules/{id}/", { path: { id } }),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: ruleKeys.detail(id) });
      void client.invalidateQueries({ queryKey: ruleKeys.list() });
    },
  });
}

/** The rule as a file (GET rules/{id}/export/): exactly the fields an import or a create takes. */
export async function fetchRuleFile(id: number): Promise<RulePayload> {
  return (await api.get("/api/v1/automation/rules/{id}/export/", { path: { id } })) as unknown as RulePayload;
}

export function useDuplicateRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => (await api.post("/api/v1/automation/rules/{id}/duplicate/", { path: { id } })) as unknown as Rule,
    onSuccess: (rule) => storeRule(client, rule),
  });
}

export interface RunStarted {
  run_id: string;
  status: string;
  message?: string;
}

/**
 * Run now. 409 (dropped by the mode; a shadow rule without `dryRun`) and 402 (credits) come back as ApiError
 * with the server's detail. `dryRun`: the run is recorded as a dry run — side effects stubbed, nothing charged.
 */
export function useExecuteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, site, payload, dryRun }: { id: number; site?: number | null; payload?: Record<string, unknown>; dryRun?: boolean }) =>
      (await api.post("/api/v1/automation/rules/{id}/execute/", {
        path: { id },
        body: { payload: payload ?? {}, ...(site ? { site } : {}), dry_run: !!dryRun },
      })) as unknown as RunStarted,
    onSuccess: (_data, { id }) => {
      void client.invalidateQueries({ queryKey: ruleKeys.list() });
      void client.invalidateQueries({ queryKey: ruleKeys.progress(id) });
      void client.invalidateQueries({ queryKey: runKeys.all });
    },
  });
}

/**
 * What a rule would have done over the journal's past events (nothing runs). The body names a saved rule
 * or carries the editor's draft; a bad draft answers 400 with `rule.<field>` keys.
 */
export function useBacktest() {
  return useMutation({
    mutationFn: async (body: BacktestBody) =>
      (await api.post("/api/v1/automation/rules/backtest/", { body })) as unknown as BacktestResult,
  });
}

/** Replay the journal's events of a range to a saved rule (the normal dispatch; an event replayed before starts nothing). */
export function useReplay(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { since: string; until?: string }) =>
      await api.post("/api/v1/automation/rules/{id}/replay/", { path: { id }, body }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ruleKeys.list() });
      void client.invalidateQueries({ queryKey: ruleKeys.detail(id) });
      void client.invalidateQueries({ queryKey: ["rules", "triggers", id] });
      void client.invalidateQueries({ queryKey: ruleKeys.progress(id) });
      void client.invalidateQueries({ queryKey: runKeys.all });
    },
  });
}

export interface TestBody {
  sample?: Record<string, unknown>;
  object_id?: number;
  conditions?: unknown;
}

export function useTestConditions() {
  return useMutation({
    mutationFn: async ({ id, body }: { id: number; body: TestBody }) =>
      (await api.post("/api/v1/automation/rules/{id}/test/", { path: { id }, body: body as never })) as unknown as TestResult,
  });
}

export function useRuleVersions(id: number | null) {
  return useQuery({
    queryKey: ruleKeys.versions(id ?? 0),
    // The answer is a plain list (the schema says paginated): accept both.
    queryFn: async ({ signal }) => {
      const data = (await api.get("/api/v1/automation/rules/{id}/versions/", { path: { id: id as number }, signal })) as unknown;
      return (Array.isArray(data) ? data : ((data as Paginated<RuleVersion>).results ?? [])) as RuleVersion[];
    },
    enabled: id !== null,
  });
}

export function useRestoreVersion(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (version: number) =>
      (await api.post("/api/v1/automation/rules/{id}/restore/", { path: { id }, body: { version } })) as unknown as Rule,
    onSuccess: (rule) => storeRule(client, rule),
  });
}

export function useRotateSecret(id: number) {
  return useMutation({
    mutationFn: () => api.post("/api/v1/automation/rules/{id}/rotate-secret/", { path: { id } }),
  });
}

/** A new signing secret for the rule's outgoing webhook calls (shown once). */
export function useRotateSigningSecret(id: number) {
  return useMutation({
    mutationFn: () => api.post("/api/v1/automation/rules/{id}/rotate-signing-secret/", { path: { id } }),
  });
}

/** Import rules from a file: `preview` validates and names them without saving; every rule comes in inactive. */
export function useImportRules() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ rules, onConflict, preview }: { rules: Record<string, unknown>[]; onConflict: ImportConflict; preview: boolean }) =>
      (await api.post("/api/v1/automation/rules/import/", {
        body: { rules, on_conflict: onConflict, preview },
      })) as ImportResult,
    onSuccess: (result) => {
      if (!result.preview) void client.invalidateQueries({ queryKey: ruleKeys.list() });
    },
  });
}

/** Recent triggers of a rule; `dropped` = not started (conditions, mode, loop guard, errors). */
export function useRuleTriggers(id: number | null, outcome: "dropped" | "all", page = 1) {
  return useQuery({
    queryKey: [...ruleKeys.triggers(id ?? 0, outcome), page],
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/rules/{id}/triggers/", {
        path: { id: id as number },
        query: { page, page_size: 20, ...(outcome === "dropped" ? { outcome: "dropped" as const } : {}) },
        signal,
      })) as unknown as Paginated<TriggerRecord>,
    enabled: id !== null,
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });
}

/**
 * The rule's latest run with its steps, for the editor's workflow graph. The run list (always 200)
 * is polled for the newest run id; its detail is polled fast while it is active. (`rules/{id}/progress/`
 * is the seeds' summary of the active run only: `{"status": "idle"}` otherwise, without steps to draw.)
 */
export function useLatestRun(ruleId: number | null, enabled = true) {
  const list = useQuery({
    queryKey: [...ruleKeys.progress(ruleId ?? 0), "latest"],
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/executions/", { query: { rule: String(ruleId), page_size: 1 }, signal })) as unknown as Paginated<Run>,
    enabled: ruleId !== null && enabled,
    refetchInterval: (query) => (isActive(query.state.data?.results[0]?.status) ? 1000 : 2000),
  });
  const runId = list.data?.results[0]?.run_id;
  const detail = useRun(enabled ? runId : undefined);
  return { run: detail.data ?? null, loading: list.isPending || (!!runId && detail.isPending) };
}

// --- executions ----------------------------------------------------------------------------------

export interface RunFilters {
  rule?: string;
  status?: string;
  trigger_type?: string;
  site?: string;
  created_after?: string;
  created_before?: string;
  page?: number;
  page_size?: number;
}

export function useRuns(filters: RunFilters) {
  return useQuery({
    queryKey: runKeys.list(filters),
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/executions/", { query: filters, signal })) as unknown as Paginated<Run>,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.results.some((run) => isActive(run.status)) ? 1500 : 10_000),
  });
}

export function useRun(runId: string | undefined) {
  return useQuery({
    queryKey: runKeys.detail(runId ?? ""),
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/executions/{run_id}/", { path: { run_id: runId as string }, signal })) as unknown as RunDetail,
    enabled: !!runId,
    // Fast while it moves; slowly afterwards, so runs it caused (child runs) and retries show up.
    refetchInterval: (query) => (isActive(query.state.data?.status) ? 1000 : 5000),
  });
}

/** A run's log lines, all of them or one step's; refreshed while the run is active. */
export function useRunLogs(runId: string | undefined, step: number | null, live: boolean) {
  return useQuery({
    queryKey: runKeys.logs(runId ?? "", step),
    queryFn: async ({ signal }) =>
      (await api.get("/api/v1/automation/executions/{run_id}/logs/", {
        path: { run_id: runId as string },
        query: step === null ? {} : { step },
        signal,
      })) as unknown as RunLog[],
    enabled: !!runId,
    refetchInterval: live ? 1500 : false,
  });
}

export type RunControl = "cancel" | "pause" | "resume" | "retry" | "retry-from-start" | "rerun";

/** A run that can be run again (as a new run with the same trigger data). */
export function isFinished(status: string | null | undefined): boolean {
  return status === "completed" || status === "completed_with_errors" || status === "failed" || status === "cancelled";
}

/** Re-run: a new run of the same rule with the same trigger data (202); 409 while active, 402 for credits. */
export function useRerun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (runId: string) =>
      (await api.post("/api/v1/automation/executions/{run_id}/rerun/", { path: { run_id: runId } })) as unknown as RunStarted,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: runKeys.all });
      void client.invalidateQueries({ queryKey: ruleKeys.list() });
    },
  });
}

/**
 * A refusal as one plain sentence: 402 says what the run needs and what is available (no run was made),
 * 409 gives the server's reason (a run is active; the site's pipeline rule cannot be deleted). Anything
 * else is returned unchanged.
 */
export function readableRefusal(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const first = (key: string) => error.fieldErrors[key]?.[0];
  if (error.status === 402) {
    const needed = first("needed");
    const available = first("available");
    const amounts = needed !== undefined && available !== undefined ? `: it needs ${formatAmount(needed)} credits; ${formatAmount(available)} are available` : "";
    return new ApiError(402, `Not enough credits${amounts}. No run was made.`);
  }
  if (error.status === 409) return new ApiError(409, first("detail") ?? errorMessage(error));
  return error;
}

function formatAmount(value: string): string {
  const number = Number(value);
  return Number.isFinite(number) ? new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(number) : value;
}

export function useRunControl() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ runId, control }: { runId: string; control: RunControl }) => {
      const path = { run_id: runId };
      switch (control) {
        case "cancel":
          return (await api.post("/api/v1/automation/executions/{run_id}/cancel/", { path })) as unknown as RunDetail;
        case "pause":
          return (await api.post("/api/v1/automation/executions/{run_id}/pause/", { path })) as unknown as RunDetail;
        case "resume":
          return (await api.post("/api/v1/automation/executions/{run_id}/resume/", { path })) as unknown as RunDetail;
        case "retry":
        case "retry-from-start":
          return (await api.post("/api/v1/automation/executions/{run_id}/retry/", {
            path,
            body: { from_start: control === "retry-from-start" },
          })) as unknown as RunDetail;
        case "rerun":
          throw new Error("a re-run is a new run: use useRerun()");
      }
    },
    onSuccess: (run) => {
      client.setQueryData(runKeys.detail(run.run_id), run);
      void client.invalidateQueries({ queryKey: runKeys.all });
      void client.invalidateQueries({ queryKey: ruleKeys.list() });
      if (run.rule) void client.invalidateQueries({ queryKey: ruleKeys.progress(run.rule) });
    },
  });
}
