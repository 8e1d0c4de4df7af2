/** Query hooks of the Settings screen: the caller's API tokens and the selected site's run notifications. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { components } from "../api/schema";
import { api, request } from "../api/client";
import { automationKeys } from "../automation/keys";

export type ApiToken = components["schemas"]["ApiToken"];
export type ApiTokenCreated = components["schemas"]["ApiTokenCreated"];
export type AutomationConfig = components["schemas"]["AutomationConfig"];
export type NotificationSettings = Pick<
  AutomationConfig,
  "notify_email" | "notify_webhook_url" | "notify_on_complete" | "notify_on_fail"
>;

export const settingsKeys = {
  tokens: ["settings", "tokens"] as const,
};

export function useTokens() {
  return useQuery({
    queryKey: settingsKeys.tokens,
    queryFn: ({ signal }) => api.get("/api/v1/auth/tokens/", { query: { page_size: 100 }, signal }),
  });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; expires_in_days?: number | null }): Promise<ApiTokenCreated> =>
      api.post("/api/v1/auth/tokens/", { body }),
    // The key is shown once by the caller; the list query never holds it.
    onSuccess: () => void client.invalidateQueries({ queryKey: settingsKeys.tokens }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.delete("/api/v1/auth/tokens/{id}/", { path: { id } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: settingsKeys.tokens }),
  });
}

/** The site's pipeline config (shared with the automation dashboard: same query key). */
export function useNotificationConfig(site: number) {
  return useQuery({
    queryKey: automationKeys.config(site),
    queryFn: ({ signal }) => api.get("/api/v1/automation/config/", { query: { site_id: site }, signal }),
  });
}

export function useSaveNotifications(site: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<NotificationSettings>) =>
      request("put", "/api/v1/automation/config/", {
        query: { site_id: site },
        // A partial update (PUT config/ is partial); the schema types the full config.
        body: body as components["schemas"]["AutomationConfigRequest"],
      }) as Promise<
        AutomationConfig & { signing_secret?: string }
      >,
    onSuccess: (saved) => {
      // The webhook's signing secret is shown once by the caller; it never goes into the cache.
      const { signing_secret: _secret, ...config } = saved;
      client.setQueryData(automationKeys.config(site), config);
    },
  });
}
