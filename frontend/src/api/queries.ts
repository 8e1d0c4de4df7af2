/** TanStack Query hooks for the API the web app uses; query keys live here and nowhere else. */
import { keepPreviousData, QueryClient, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, ApiError } from "./client";
import { fetchSession } from "./session";
import { CONTENT_STATUSES, type Content, type ContentEdit, type ContentStatus, type Image, type Me, type PostStatus } from "./types";

export const queryKeys = {
  me: ["me"] as const,
  credits: ["credits"] as const,
  content: ["content"] as const,
  contentList: (params: ContentListParams) => ["content", "list", params] as const,
  contentCount: (site: number, status: ContentStatus) => ["content", "count", site, status] as const,
  contentDetail: (id: number) => ["content", "detail", id] as const,
  contentImages: (id: number) => ["content", "images", id] as const,
};

/** How often a screen re-reads content while WordPress publishing or an image is still pending. */
export const PENDING_POLL_MS = 1500;

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
    // Rows queued for WordPress change on their own: follow them until the task answers.
    refetchInterval: (query) =>
      query.state.data?.results.some((item) => item.publish_status === "queued") ? PENDING_POLL_MS : false,
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

function useInvalidateContent() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: queryKeys.content });
}

/** One content item (the reader); polled while its WordPress publish is queued. */
export function useContent(id: number) {
  return useQuery({
    queryKey: queryKeys.contentDetail(id),
    queryFn: ({ signal }) => api.get("/api/v1/content/{id}/", { path: { id }, signal }),
    refetchInterval: (query) => (query.state.data?.publish_status === "queued" ? PENDING_POLL_MS : false),
  });
}

/** An article's featured and in-article images; polled while any of them is being generated. */
export function useContentImages(contentId: number, enabled = true) {
  return useQuery({
    queryKey: queryKeys.contentImages(contentId),
    queryFn: ({ signal }) =>
      api.get("/api/v1/images/", { query: { content: contentId, page_size: 100, ordering: "position" }, signal }),
    enabled,
    select: selectSortedImages,
    refetchInterval: (query) =>
      query.state.data?.results.some((image) => image.status === "pending") ? PENDING_POLL_MS : false,
  });
}

function selectSortedImages(page: { results: Image[] }): Image[] {
  return sortImages(page.results);
}

/** Featured image(s) first, then the in-article ones by position. */
export function sortImages(images: readonly Image[]): Image[] {
  const rank = (image: Image) => (image.kind === "featured" ? 0 : 1);
  return [...images].sort((a, b) => rank(a) - rank(b) || (a.position ?? 0) - (b.position ?? 0) || a.id - b.id);
}

/** Keep the reader's copy in step with an answer that carries the whole item. */
function useStoreContent() {
  const client = useQueryClient();
  return (item: Content | undefined) => {
    if (item && typeof item === "object" && "id" in item) client.setQueryData(queryKeys.contentDetail(item.id), item);
  };
}

export function useUpdateContent(id: number) {
  const store = useStoreContent();
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: (body: ContentEdit) => api.patch("/api/v1/content/{id}/", { path: { id }, body }),
    onSuccess: store,
    onSettled: invalidate,
  });
}

export function useRejectContent() {
  const store = useStoreContent();
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ id, note }: { id: number; note: string }) =>
      api.post("/api/v1/content/{id}/reject/", { path: { id }, body: { note } }),
    onSuccess: store,
    onSettled: invalidate,
  });
}

export function useBulkReject() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ ids, note }: { ids: number[]; note: string }) =>
      api.post("/api/v1/content/bulk_reject/", { body: { ids, note } }),
    onSettled: invalidate,
  });
}

/** Re-queue a rejected draft's writing task: the pipeline's next run re-writes this very item. */
export function useRegenerateContent() {
  const store = useStoreContent();
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: (id: number) => api.post("/api/v1/content/{id}/regenerate/", { path: { id } }),
    onSuccess: store,
    onSettled: invalidate,
  });
}

/** Send an approved or published item to the site's WordPress (202: queued; the item is polled). */
export function usePublishContent() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ id, postStatus }: { id: number; postStatus: PostStatus }) =>
      api.post("/api/v1/content/{id}/publish/", { path: { id }, body: { post_status: postStatus } }),
    onSettled: invalidate,
  });
}

export function useBulkPublish() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ ids, postStatus }: { ids: number[]; postStatus: PostStatus }) =>
      api.post("/api/v1/content/bulk_publish/", { body: { ids, post_status: postStatus } }),
    onSettled: invalidate,
  });
}

/** Generate one image again, optionally from an edited prompt (202: pending; the images are polled). */
export function useRegenerateImage(contentId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, prompt }: { id: number; prompt?: string }) =>
      api.post("/api/v1/images/{id}/regenerate/", { path: { id }, body: prompt === undefined ? {} : { prompt } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.contentImages(contentId) }),
  });
}
