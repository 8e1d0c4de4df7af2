/**
 * Who is signed in, from `GET /api/v1/auth/session/`. It answers 200 either way
 * (`{"authenticated": false, "user": null}` for anonymous visitors), so a first visit asks the server
 * without putting a failed request in the browser console, and no client-side hint is needed.
 */
import { api } from "./client";
import type { Me } from "./types";

/** The signed-in user (with account and sites), or null when nobody is signed in. */
export async function fetchSession(signal?: AbortSignal): Promise<Me | null> {
  const state = await api.get("/api/v1/auth/session/", { signal });
  return state.authenticated && state.user ? state.user : null;
}
