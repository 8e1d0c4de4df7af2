/**
 * Warn before leaving a page with unsaved changes: the browser's own prompt on reload/close
 * (`beforeunload`), and for in-app navigation a router-level block that holds the navigation until
 * the user confirms. The app uses a declarative <BrowserRouter> (no data router, so no
 * `useBlocker`); the block wraps the router's navigator instead, which every <Link> and
 * `navigate()` goes through. Navigations that keep the pathname (e.g. `?site=` changes) pass.
 */
import { useCallback, useContext, useEffect, useRef, useState } from "react";
import { UNSAFE_NavigationContext } from "react-router";

type NavigateFn = (to: unknown, ...rest: unknown[]) => void;

interface GuardableNavigator {
  push: NavigateFn;
  replace: NavigateFn;
}

function targetPathname(to: unknown): string | null {
  if (typeof to === "string") return new URL(to, window.location.href).pathname;
  if (to && typeof to === "object" && "pathname" in to) return (to as { pathname?: string }).pathname ?? null;
  return null;
}

export function useNavigationGuard(when: boolean) {
  const { navigator } = useContext(UNSAFE_NavigationContext);
  const [pending, setPending] = useState<(() => void) | null>(null);
  const bypass = useRef(false);

  useEffect(() => {
    if (!when) return;
    const nav = navigator as unknown as GuardableNavigator;
    const { push, replace } = nav;
    const guard =
      (original: NavigateFn): NavigateFn =>
      (to, ...rest) => {
        const pathname = targetPathname(to);
        if (bypass.current || pathname === null || pathname === window.location.pathname) {
          original(to, ...rest);
          return;
        }
        setPending(() => () => original(to, ...rest));
      };
    nav.push = guard(push);
    nav.replace = guard(replace);
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (bypass.current) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => {
      nav.push = push;
      nav.replace = replace;
      window.removeEventListener("beforeunload", onBeforeUnload);
    };
  }, [when, navigator]);

  /** Leave anyway (discarding the changes). */
  const proceed = useCallback(() => {
    const go = pending;
    setPending(null);
    bypass.current = true;
    go?.();
    bypass.current = false;
  }, [pending]);

  /** Stay on the page. */
  const cancel = useCallback(() => setPending(null), []);

  /** Run `fn` (e.g. navigate after a save) without the guard. */
  const allow = useCallback((fn: () => void) => {
    bypass.current = true;
    try {
      fn();
    } finally {
      bypass.current = false;
    }
  }, []);

  return { blocked: pending !== null, proceed, cancel, allow };
}
