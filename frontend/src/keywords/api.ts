/** Query hooks of the Keywords and Clusters screens; their query keys live here and nowhere else. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, ApiError, describeFieldErrors, readCookie, toFieldErrors, type ApiBody, type ApiQuery } from "../api/client";
import type { KeywordBulkResult, KeywordImportPreview } from "./types";

export const keywordKeys = {
  all: ["keywords"] as const,
  list: (query: KeywordListQuery) => ["keywords", "list", query] as const,
  clusterOptions: (site: number) => ["keywords", "cluster-options", site] as const,
  clusters: (query: ClusterListQuery) => ["keywords", "clusters", query] as const,
  members: (cluster: number) => ["keywords", "members", cluster] as const,
};

export type KeywordListQuery = NonNullable<ApiQuery<"/api/v1/keywords/", "get">>;
export type ClusterListQuery = NonNullable<ApiQuery<"/api/v1/clusters/", "get">>;

export function useKeywordList(query: KeywordListQuery) {
  return useQuery({
    queryKey: keywordKeys.list(query),
    queryFn: ({ signal }) => api.get("/api/v1/keywords/", { query, signal }),
    placeholderData: keepPreviousData,
  });
}

/** Every cluster of a site by name (the filter and the add form's choices; a site has few). */
export function useClusterOptions(site: number) {
  return useQuery({
    queryKey: keywordKeys.clusterOptions(site),
    queryFn: ({ signal }) => api.get("/api/v1/clusters/", { query: { site, ordering: "name", page_size: 500 }, signal }),
    staleTime: 30_000,
  });
}

export function useClusterList(query: ClusterListQuery) {
  return useQuery({
    queryKey: keywordKeys.clusters(query),
    queryFn: ({ signal }) => api.get("/api/v1/clusters/", { query, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useClusterMembers(cluster: number, enabled: boolean) {
  return useQuery({
    queryKey: keywordKeys.members(cluster),
    queryFn: ({ signal }) => api.get("/api/v1/clusters/{id}/members/", { path: { id: cluster }, signal }),
    enabled,
  });
}

/** After any write: every keyword and cluster query of every site is read again. */
function useInvalidateKeywords() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: keywordKeys.all });
}

export function useCreateKeyword() {
  const invalidate = useInvalidateKeywords();
  return useMutation({
    mutationFn: (body: ApiBody<"/api/v1/keywords/", "post">) => api.post("/api/v1/keywords/", { body }),
    onSuccess: invalidate,
  });
}

export function useBulkCreate() {
  const invalidate = useInvalidateKeywords();
  return useMutation({
    mutationFn: (body: ApiBody<"/api/v1/keywords/bulk_create/", "post">) =>
      api.post("/api/v1/keywords/bulk_create/", { body }),
    onSuccess: invalidate,
  });
}

export function useBulkUpdate() {
  const invalidate = useInvalidateKeywords();
  return useMutation({
    mutationFn: (body: { ids: number[]; disabled: boolean }) => api.post("/api/v1/keywords/bulk_update/", { body }),
    onSuccess: invalidate,
  });
}

export function useBulkDelete() {
  const invalidate = useInvalidateKeywords();
  return useMutation({
    mutationFn: (ids: number[]) => api.post("/api/v1/keywords/bulk_delete/", { body: { ids } }),
    onSuccess: invalidate,
  });
}

// --- CSV import (multipart: the typed JSON client does not send files) ---------------------------

const IMPORT_URL = "/api/v1/keywords/import_csv/";

async function csrfToken(): Promise<string> {
  return readCookie("csrftoken") ?? (await api.get("/api/v1/auth/csrf/")).csrfToken;
}

async function postCsv(site: number, file: File, preview: boolean): Promise<unknown> {
  const form = new FormData();
  form.set("site", String(site));
  form.set("file", file);
  if (preview) form.set("preview", "true");
  let response: Response;
  try {
    response = await fetch(IMPORT_URL, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": await csrfToken() },
    });
  } catch {
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const fieldErrors = toFieldErrors(body);
    const lines = describeFieldErrors(fieldErrors);
    throw new ApiError(response.status, lines.length ? lines.join(" ") : `Import failed (${response.status}).`, fieldErrors);
  }
  return body;
}

/** Parse and check a CSV file without saving anything. */
export function useImportPreview() {
  return useMutation({
    mutationFn: ({ site, file }: { site: number; file: File }) => postCsv(site, file, true) as Promise<KeywordImportPreview>,
  });
}

/** Import a CSV file: every row or none. */
export function useImportCsv() {
  const invalidate = useInvalidateKeywords();
  return useMutation({
    mutationFn: ({ site, file }: { site: number; file: File }) => postCsv(site, file, false) as Promise<KeywordBulkResult>,
    onSuccess: invalidate,
  });
}
