/**
 * Whether this browser believes it has a session (localStorage, not a secret: the session cookie is
 * HttpOnly). Without the hint the app shows the login page without asking `/auth/me/`, whose 403 for
 * anonymous callers would otherwise put a red "Failed to load resource" line in the console on
 * every first visit. A stale hint costs one 403 and is then cleared.
 */
const KEY = "igny8.signedIn";

export function hasSessionHint(): boolean {
  try {
    return window.localStorage.getItem(KEY) === "1";
  } catch {
    return true; // No storage: always ask the server.
  }
}

export function setSessionHint(signedIn: boolean): void {
  try {
    if (signedIn) window.localStorage.setItem(KEY, "1");
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage disabled: hasSessionHint() answers true and the server decides.
  }
}
