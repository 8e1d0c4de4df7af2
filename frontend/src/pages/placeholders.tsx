/** The page for an address the app has no screen for. */
import { Link } from "react-router";

import { useSites, withSite } from "../shell/site";
import { usePageTitle } from "../shell/usePageTitle";

export function NotFoundPage() {
  const { site } = useSites();
  usePageTitle("Not found");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Page not found</h1>
      </header>
      <p>
        There is nothing at this address. Go to <Link to={withSite("/automation", site?.id)}>Automation</Link>.
      </p>
    </section>
  );
}
