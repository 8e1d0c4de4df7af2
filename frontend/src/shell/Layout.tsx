/** The signed-in frame: header (brand, site, credits, theme, user), navigation and the page outlet. */
import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";

import { useCredits, useLogout } from "../api/queries";
import type { NavRunBadge } from "../automation/currentRun";
import type { Me } from "../api/types";
import { ErrorBanner } from "./ErrorBanner";
import { formatCredits } from "./format";
import { BoltIcon, CoinIcon, DocIcon, GearIcon, GlobeIcon, HistoryIcon, Icon, KeyIcon, RulesIcon, WalletIcon } from "./icons";
import { SiteSelector } from "./SiteSelector";
import { SiteContext, useSiteSelection, withSite } from "./site";
import { Loading } from "./states";
import { ThemeToggle } from "./ThemeToggle";
import { useRunBadge } from "./useRunBadge";

/** The event journal's entry: a pulse line. */
const EventsIcon = () => (
  <Icon>
    <path d="M22 12h-4l-3 9L9 3l-3 9H2" />
  </Icon>
);

const NAV = [
  { to: "/automation", label: "Automation", icon: BoltIcon },
  { to: "/rules", label: "Rules", icon: RulesIcon },
  { to: "/runs", label: "Runs", icon: HistoryIcon },
  { to: "/events", label: "Events", icon: EventsIcon },
  { to: "/content", label: "Content", icon: DocIcon },
  { to: "/keywords", label: "Keywords", icon: KeyIcon },
  { to: "/sites", label: "Sites", icon: GlobeIcon },
  { to: "/credits", label: "Credits", icon: WalletIcon },
  { to: "/settings", label: "Settings", icon: GearIcon },
] as const;

export function Layout({ me }: { me: Me }) {
  const selection = useSiteSelection(me.sites);
  const siteId = selection.site?.id ?? null;
  const runBadge = useRunBadge(siteId);
  return (
    <SiteContext.Provider value={selection}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <div className="app">
        <header className="topbar">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              <BoltIcon />
            </span>
            <span className="brand-name">
              IGNY8 <span className="brand-sub">Automation</span>
            </span>
          </div>
          <SiteSelector sites={me.sites} value={siteId} onChange={selection.selectSite} />
          <div className="topbar-end">
            <CreditsBadge fallback={me.account.credits_available} />
            <ThemeToggle />
            <UserMenu username={me.username} />
          </div>
        </header>
        <nav className="sidenav" aria-label="Main">
          <ul>
            {NAV.map(({ to, label, icon: NavIcon }) => (
              <li key={to}>
                <NavLink
                  to={withSite(to, siteId)}
                  className="nav-link"
                  aria-label={to === "/automation" && runBadge ? `${label}, ${runBadge.spoken}` : undefined}
                >
                  <NavIcon />
                  <span>{label}</span>
                  {to === "/automation" && runBadge && <RunBadge badge={runBadge} />}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {selection.site === null ? (
            <div className="page">
              <ErrorBanner
                title="No site"
                error={new Error("This account has no site yet. Create one through the API (POST /api/v1/sites/).")}
              />
            </div>
          ) : (
            <Suspense fallback={<Loading />}>
              <Outlet />
            </Suspense>
          )}
        </main>
      </div>
    </SiteContext.Provider>
  );
}

/** "Running" (or "Paused") next to Automation while the site has an active run; the link reads "Automation, running". */
function RunBadge({ badge }: { badge: NavRunBadge }) {
  return (
    <span className={`nav-badge nav-badge-${badge.tone}`} aria-hidden="true" data-testid="nav-run-badge">
      {badge.label}
    </span>
  );
}

function CreditsBadge({ fallback }: { fallback: string }) {
  const credits = useCredits();
  const available = credits.data?.available ?? fallback;
  return (
    <div className="credits" title={credits.isError ? "Could not refresh the balance" : "Credits available"}>
      <CoinIcon />
      <span className="credits-value" data-testid="credits">
        {formatCredits(available)}
      </span>
      <span className="credits-label">credits</span>
    </div>
  );
}

function UserMenu({ username }: { username: string }) {
  const logout = useLogout();
  return (
    <div className="user">
      <span className="user-name" title="Signed in">
        {username}
      </span>
      <button
        type="button"
        className="btn btn-small btn-ghost"
        disabled={logout.isPending}
        onClick={() => logout.mutate()}
      >
        Sign out
      </button>
    </div>
  );
}
