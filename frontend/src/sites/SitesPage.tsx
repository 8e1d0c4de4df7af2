/**
 * Sites: the account's sites (name, domain, time zone, active, WordPress connected, automation status with a
 * link to the dashboard); add and edit; deactivate / activate with a confirmation; per site the WordPress panel.
 */
import { useId, useState } from "react";
import { Link } from "react-router";

import { ConfirmDialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatDateTime } from "../shell/format";
import { Pill } from "../shell/Pill";
import { withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { useSiteList, useUpdateSite } from "./api";
import { SiteForm } from "./SiteForm";
import "./sites.css";
import type { SiteAutomation, SiteWithStatus } from "./types";
import { WordPressPanel } from "./WordPressPanel";

export default function SitesPage() {
  usePageTitle("Sites");
  const sites = useSiteList();
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Sites</h1>
        {!adding && (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add site
          </button>
        )}
      </header>
      {notice && (
        <div className="banner banner-success" role="status">
          <div className="banner-body">
            <p>{notice}</p>
          </div>
          <div className="banner-actions">
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        </div>
      )}
      {adding && (
        <div className="st-card st-section">
          <h2 className="st-card-title">Add a site</h2>
          <SiteForm
            onDone={(site) => {
              setAdding(false);
              setNotice(`Added ${site.name}. Connect its WordPress below.`);
            }}
            onCancel={() => setAdding(false)}
          />
        </div>
      )}
      {sites.isPending ? (
        <Loading label="Loading sites…" />
      ) : sites.isError ? (
        <ErrorBanner error={sites.error} title="Could not load the sites" onRetry={() => void sites.refetch()} />
      ) : sites.data.results.length === 0 ? (
        <EmptyState
          title="No sites yet"
          action={
            !adding && (
              <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
                Add your first site
              </button>
            )
          }
        >
          Add a site, then connect its WordPress to publish what the pipeline writes.
        </EmptyState>
      ) : (
        <div className="st-list">
          {sites.data.results.map((site) => (
            <SiteCard key={site.id} site={site} onNotice={setNotice} />
          ))}
        </div>
      )}
    </section>
  );
}

function SiteCard({ site, onNotice }: { site: SiteWithStatus; onNotice: (text: string) => void }) {
  const titleId = useId();
  const panelId = useId();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [showWordPress, setShowWordPress] = useState(false);
  const update = useUpdateSite();
  const active = site.is_active !== false;

  const toggleActive = () =>
    update.mutate(
      { id: site.id, is_active: !active },
      {
        onSuccess: (saved) => {
          setConfirming(false);
          onNotice(saved.is_active ? `${saved.name} is active again.` : `${saved.name} is deactivated: its automation does not run.`);
        },
      },
    );

  return (
    <article className={`st-card${active ? "" : " st-card-inactive"}`} aria-labelledby={titleId}>
      <div className="st-card-head">
        <div>
          <h2 id={titleId}>{site.name}</h2>
          <span className="muted small">{site.domain}</span>
        </div>
        <div className="st-card-actions">
          <button type="button" className="btn btn-small" onClick={() => setEditing((v) => !v)} aria-expanded={editing}>
            Edit
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={showWordPress}
            aria-controls={panelId}
            onClick={() => setShowWordPress((v) => !v)}
          >
            WordPress
          </button>
          <button
            type="button"
            className={active ? "btn btn-small btn-danger-outline" : "btn btn-small"}
            onClick={() => setConfirming(true)}
          >
            {active ? "Deactivate" : "Activate"}
          </button>
        </div>
      </div>
      {update.isError && (
        <ErrorBanner error={update.error} title="Could not change the site" onDismiss={() => update.reset()} />
      )}
      {editing ? (
        <div className="st-panel">
          <SiteForm
            site={site}
            onDone={(saved) => {
              setEditing(false);
              onNotice(`Saved ${saved.name}.`);
            }}
            onCancel={() => setEditing(false)}
          />
        </div>
      ) : (
        <dl className="st-facts">
          <div>
            <dt>Time zone</dt>
            <dd>{site.timezone ?? "UTC"}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{active ? <Pill tone="success">Active</Pill> : <Pill>Deactivated</Pill>}</dd>
          </div>
          <div className="st-fact-wide">
            <dt>WordPress</dt>
            <dd>
              <WordPressState site={site} />
            </dd>
          </div>
          <div className="st-fact-wide">
            <dt>Automation</dt>
            <dd>
              <AutomationState automation={site.automation} active={active} />{" "}
              <Link to={withSite("/automation", site.id)}>Open automation</Link>
            </dd>
          </div>
        </dl>
      )}
      <div id={panelId} hidden={!showWordPress}>
        {showWordPress && (
          <div className="st-panel">
            <h3>WordPress connection</h3>
            <WordPressPanel siteId={site.id} />
          </div>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title={active ? `Deactivate ${site.name}?` : `Activate ${site.name}?`}
        confirmLabel={active ? "Deactivate" : "Activate"}
        danger={active}
        busy={update.isPending}
        onConfirm={toggleActive}
        onCancel={() => setConfirming(false)}
      >
        {active
          ? "Its automation stops: scheduled runs are skipped and Run now is refused until you activate it again. Nothing is deleted."
          : "Its automation runs again on its schedule."}
      </ConfirmDialog>
    </article>
  );
}

function WordPressState({ site }: { site: SiteWithStatus }) {
  const wp = site.wordpress;
  if (!wp) return <Pill>Not connected</Pill>;
  const check =
    wp.last_check_ok === true ? (
      <Pill tone="success">Connected</Pill>
    ) : wp.last_check_ok === false ? (
      <Pill tone="danger">Last test failed</Pill>
    ) : (
      <Pill tone="info">Not tested</Pill>
    );
  return (
    <>
      {check} <span className="small">{wp.url}</span>
    </>
  );
}

const RUN_TONE: Record<string, "success" | "danger" | "warning" | "muted"> = {
  completed: "success",
  failed: "danger",
  cancelled: "warning",
};

function AutomationState({ automation, active }: { automation: SiteAutomation; active: boolean }) {
  return (
    <span className="st-automation">
      {automation.active_run ? (
        <Pill tone="info">Running now</Pill>
      ) : !active ? (
        <Pill>Does not run (site deactivated)</Pill>
      ) : automation.is_enabled ? (
        <Pill tone="success">Scheduled</Pill>
      ) : (
        <Pill>Schedule off</Pill>
      )}{" "}
      {active && automation.is_enabled && automation.schedule && <span className="small">{automation.schedule}</span>}
      <span className="small muted" style={{ display: "block" }}>
        {automation.last_run ? (
          <>
            Last run{" "}
            <Pill tone={RUN_TONE[automation.last_run.status] ?? "muted"}>{automation.last_run.status}</Pill>{" "}
            {formatDateTime(automation.last_run.completed_at ?? automation.last_run.started_at)}
          </>
        ) : (
          "No run yet"
        )}
      </span>
    </span>
  );
}
