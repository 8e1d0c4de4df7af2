/** TanStack Query hooks for the API the web app uses; query keys live here and nowhere else. */
import { keepPreviousData, QueryClient, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, ApiError } from "./client";
import { fetchSession } from "./session";
import { CONTENT_STATUSES, type ContentStatus, type Me } from "./types";

export const queryKeys = {
  me: ["me"] as const,
  credits: ["credits"] as const,
  content: ["content"] as const,
  contentList: (params: ContentListParams) => ["content", "list", params] as const,
  contentCount: (site: number, status: ContentStatus) => ["content", "count", site, status] as const,
};

/** A QueryClient that does not retry client errors and sends the app to login when a session expires. */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
        staleTime: 10_000,
      },
      mutations: { retry: false },
    },
  });
  const onAuthError = (error: unknown) => {
    if (error instanceof ApiError && error.isAuthError) client.setQueryData(queryKeys.me, null);
  };
  client.getQueryCache().subscribe((event) => {
    if (event.type === "updated" && event.action.type === "error" && event.query.queryKey[0] !== "me") {
      onAuthError(event.action.error);
    }
  });
  client.getMutationCache().subscribe((event) => {
    if (event.type === "updated" && event.action.type === "error") onAuthError(event.action.error);
  });
  return client;
}

// --- session --------------------------------------------------------------------------------------

/** The signed-in user with account and sites; `null` when nobody is signed in (`/auth/session/`). */
export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }): Promise<Me | null> => fetchSession(signal),
    staleTime: 60_000,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) => api.post("/api/v1/auth/login/", { body }),
    onSuccess: (me) => {
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== "me" });
      client.setQueryData(queryKeys.me, me);
    },
  });
}

/** Sign out, then load the login page afresh (a full load drops every cached response of the session). */
export function useLogout() {
  return useMutation({
    mutationFn: () => api.post("/api/v1/auth/logout/"),
    onSuccess: () => {
      window.location.assign("/login");
    },
  });
}

/** The account's credit balance (header); refreshed every 30 s so spending shows up. */
export function useCredits(enabled = true) {
  return useQuery({
    queryKey: queryKeys.credits,
    queryFn: ({ signal }) => api.get("/api/v1/credits/", { query: { limit: 1 }, signal }),
    enabled,
    refetchInterval: 30_000,
  });
}

// --- content --------------------------------------------------------------------------------------

export interface ContentListParams {
  site: number;
  status: ContentStatus;
  page: number;
  pageSize: number;
}

export function useContentList(params: ContentListParams) {
  return useQuery({
    queryKey: queryKeys.contentList(params),
    queryFn: ({ signal }) =>
      api.get("/api/v1/content/", {
        query: { site: params.site, status: params.status, page: params.page, page_size: params.pageSize },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

/** How many items each status tab holds (one `page_size=1` request per status). */
export function useContentCounts(site: number): Partial<Record<ContentStatus, number>> {
  const results = useQueries({
    queries: CONTENT_STATUSES.map((status) => ({
      queryKey: queryKeys.contentCount(site, status),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api.get("/api/v1/content/", { query: { site, status, page_size: 1 }, signal }),
    })),
  });
  const counts: Partial<Record<ContentStatus, number>> = {};
  CONTENT_STATUSES.forEach((status, index) => {
    const count = results[index]?.data?.count;
    if (count !== undefined) counts[status] = count;
  });
  return counts;
}

export function useApproveContent() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post("/api/v1/content/{id}/approve/", { path: { id } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.content }),
  });
}

export function useBulkApprove() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: number[]) => api.post("/api/v1/content/bulk_approve/", { body: { ids } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.content }),
  });
}
