/** Loading, empty and "coming soon" states shared by every screen. */
import type { ReactNode } from "react";

import { InboxIcon, ToolIcon } from "./icons";
import { usePageTitle } from "./usePageTitle";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function FullPageLoading() {
  return (
    <div className="fullpage-center">
      <Loading />
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <span className="empty-icon">
        <InboxIcon />
      </span>
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

/** A screen that a later release fills in; says so plainly instead of showing made-up data. */
export function ComingSoon({ title, children }: { title: string; children: ReactNode }) {
  usePageTitle(title);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{title}</h1>
      </header>
      <div className="empty-state coming-soon">
        <span className="empty-icon">
          <ToolIcon />
        </span>
        <h2>Coming soon</h2>
        <p>{children}</p>
      </div>
    </section>
  );
}
