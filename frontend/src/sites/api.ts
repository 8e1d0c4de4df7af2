/** Query hooks of the Sites screen: the site list with status, site writes, the WordPress connection and its tests. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import type { ConnectionCheck, Integration, SiteInput, SiteWithStatus } from "./types";

export const siteKeys = {
  all: ["sites"] as const,
  list: ["sites", "list"] as const,
  integration: (site: number) => ["sites", "integration", site] as const,
};

const PAGE_SIZE = 100;

/** The account's sites, each with its WordPress connection and automation status (refreshed every 30 s). */
export function useSiteList() {
  return useQuery({
    queryKey: siteKeys.list,
    queryFn: ({ signal }) => api.get("/api/v1/sites/", { query: { page_size: PAGE_SIZE }, signal }),
    refetchInterval: 30_000,
  });
}

/** After a site changes, the list and the shell's site selector (it reads the sites from `me`) are refreshed. */
function useSiteChanged() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: siteKeys.all });
    void client.invalidateQueries({ queryKey: queryKeys.me });
  };
}

export function useCreateSite() {
  const changed = useSiteChanged();
  return useMutation({
    mutationFn: (body: SiteInput): Promise<SiteWithStatus> => api.post("/api/v1/sites/", { body }),
    onSuccess: changed,
  });
}

export function useUpdateSite() {
  const changed = useSiteChanged();
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<SiteInput> & { id: number }): Promise<SiteWithStatus> =>
      api.patch("/api/v1/sites/{id}/", { path: { id }, body }),
    onSuccess: changed,
  });
}

/** The site's active WordPress integration, or null. */
export function useIntegration(site: number) {
  return useQuery({
    queryKey: siteKeys.integration(site),
    queryFn: async ({ signal }): Promise<Integration | null> => {
      const page = await api.get("/api/v1/integrations/", { query: { site, kind: "wordpress", is_active: true }, signal });
      return page.results[0] ?? null;
    },
  });
}

export interface WordPressInput {
  url: string;
  username: string;
  application_password?: string;
}

/** Create the site's integration, or update it (a blank password keeps the stored one). */
export function useSaveIntegration(site: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, values }: { id: number | null; values: WordPressInput }): Promise<Integration> => {
      const body = { ...values };
      if (!body.application_password) delete body.application_password;
      return id === null
        ? api.post("/api/v1/integrations/", { body: { ...body, site, kind: "wordpress" } })
        : api.patch("/api/v1/integrations/{id}/", { path: { id }, body });
    },
    onSuccess: (integration) => {
      client.setQueryData(siteKeys.integration(site), integration);
      void client.invalidateQueries({ queryKey: siteKeys.list });
    },
  });
}

/** Test the saved connection (its outcome is remembered on the integration). */
export function useTestIntegration(site: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number): Promise<ConnectionCheck> => api.post("/api/v1/integrations/{id}/test/", { path: { id } }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: siteKeys.integration(site) });
      void client.invalidateQueries({ queryKey: siteKeys.list });
    },
  });
}

/** Test values before saving them (with `integration` and no password, the stored password is used). */
export function useTestUnsaved() {
  return useMutation({
    mutationFn: (body: WordPressInput & { integration?: number | null }): Promise<ConnectionCheck> =>
      api.post("/api/v1/integrations/test/", { body }),
  });
}
