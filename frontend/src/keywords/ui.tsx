/** Small parts shared by the Keywords and Clusters screens: the tabs, status badges. */
import { Link } from "react-router";

import { Pill, type PillTone } from "../shell/Pill";
import { withSite } from "../shell/site";

export function KeywordTabs({ site, current }: { site: number; current: "keywords" | "clusters" }) {
  return (
    <nav className="tabs" aria-label="Keywords and clusters">
      <Link
        to={withSite("/keywords", site)}
        className="tab"
        aria-current={current === "keywords" ? "page" : undefined}
      >
        Keywords
      </Link>
      <Link
        to={withSite("/keywords/clusters", site)}
        className="tab"
        aria-current={current === "clusters" ? "page" : undefined}
      >
        Clusters
      </Link>
    </nav>
  );
}

const TONES: Record<string, PillTone> = {
  new: "info",
  mapped: "success",
  queued: "info",
  completed: "success",
  draft: "neutral",
  review: "warning",
  approved: "info",
  published: "success",
  disabled: "muted",
  enabled: "success",
};

const LABELS: Record<string, string> = {
  new: "New",
  mapped: "Mapped",
  queued: "Queued",
  completed: "Completed",
  draft: "Draft",
  review: "In review",
  approved: "Approved",
  published: "Published",
  disabled: "Disabled",
  enabled: "Enabled",
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, " ");
}

/** A pill for a keyword, cluster, idea or article status (its colour follows the status). */
export function Badge({ status }: { status: string }) {
  return (
    <Pill tone={TONES[status] ?? "neutral"} data-status={status}>
      {statusLabel(status)}
    </Pill>
  );
}
