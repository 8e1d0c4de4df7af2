/** Which site the app shows: `?site=` in the URL wins, then the last choice (localStorage), then the first site. */
import { createContext, useCallback, useContext, useEffect, useMemo } from "react";
import { useSearchParams } from "react-router";

import type { Site } from "../api/types";

export const SITE_STORAGE_KEY = "igny8.site";
export const SITE_PARAM = "site";

/** The id of the site to show, or null when the account has no site. */
export function resolveSiteId(sites: readonly Pick<Site, "id">[], fromUrl: string | null, stored: string | null): number | null {
  const known = (value: string | null): number | null => {
    if (value === null || !/^\d+$/.test(value)) return null;
    const id = Number(value);
    return sites.some((site) => site.id === id) ? id : null;
  };
  return known(fromUrl) ?? known(stored) ?? sites[0]?.id ?? null;
}

export function readStoredSite(): string | null {
  try {
    return window.localStorage.getItem(SITE_STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeSite(id: number): void {
  try {
    window.localStorage.setItem(SITE_STORAGE_KEY, String(id));
  } catch {
    // Storage can be disabled (private mode); the URL still carries the choice.
  }
}

export interface SiteSelection {
  site: Site | null;
  sites: readonly Site[];
  selectSite: (id: number) => void;
}

/** Keep the chosen site in the URL and localStorage in step; answers the current site. */
export function useSiteSelection(sites: readonly Site[]): SiteSelection {
  const [params, setParams] = useSearchParams();
  const fromUrl = params.get(SITE_PARAM);
  const siteId = resolveSiteId(sites, fromUrl, readStoredSite());
  const site = sites.find((candidate) => candidate.id === siteId) ?? null;

  useEffect(() => {
    if (siteId === null) return;
    storeSite(siteId);
    if (fromUrl !== String(siteId)) {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set(SITE_PARAM, String(siteId));
          return next;
        },
        { replace: true },
      );
    }
  }, [siteId, fromUrl, setParams]);

  const selectSite = useCallback(
    (id: number) => {
      storeSite(id);
      setParams(() => {
        // A different site invalidates page-level filters such as ?page=; keep only the status tab.
        const next = new URLSearchParams();
        const status = params.get("status");
        if (status) next.set("status", status);
        next.set(SITE_PARAM, String(id));
        return next;
      });
    },
    [params, setParams],
  );

  return useMemo(() => ({ site, sites, selectSite }), [site, sites, selectSite]);
}

export const SiteContext = createContext<SiteSelection | null>(null);

/** The selection made in the shell; pages read `site` from here. */
export function useSites(): SiteSelection {
  const value = useContext(SiteContext);
  if (value === null) throw new Error("useSites() must be used inside the app shell");
  return value;
}

/** A link target that keeps the chosen site: `withSite("/content", 3)` → `/content?site=3`. */
export function withSite(pathname: string, siteId: number | null | undefined, extra?: Record<string, string>) {
  const search = new URLSearchParams(extra);
  if (siteId !== null && siteId !== undefined) search.set(SITE_PARAM, String(siteId));
  const qs = search.toString();
  return { pathname, search: qs ? `?${qs}` : "" };
}
