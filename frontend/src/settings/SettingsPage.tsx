/** Settings: the caller's API tokens (create — shown once —, list, revoke) and the selected site's run notifications. */
import { useSites } from "../shell/site";
import { EmptyState } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import "../sites/sites.css";
import { NotificationsSection } from "./NotificationsSection";
import { TokensSection } from "./TokensSection";

export default function SettingsPage() {
  usePageTitle("Settings");
  const { site } = useSites();
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Settings</h1>
      </header>
      <TokensSection />
      {site ? (
        <NotificationsSection key={site.id} siteId={site.id} siteName={site.name} />
      ) : (
        <EmptyState title="No site">Add a site on the Sites page to set up its run notifications.</EmptyState>
      )}
    </section>
  );
}
