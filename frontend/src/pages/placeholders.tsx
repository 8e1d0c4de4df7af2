/** Screens that the next phase builds (they need the automation API); no made-up data meanwhile. */
import { Link, useParams } from "react-router";

import { useSites, withSite } from "../shell/site";
import { ComingSoon } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";

export function AutomationPage() {
  const { site } = useSites();
  return (
    <ComingSoon title="Automation">
      The pipeline dashboard for <strong>{site?.domain}</strong> — schedule, Run Now, the seven stage cards, the review
      gate and the live activity log — arrives with the automation API. Content waiting for review is already on the{" "}
      <Link to={withSite("/content", site?.id, { status: "review" })}>Content</Link> page.
    </ComingSoon>
  );
}

export function RunDetailPage() {
  const { runId } = useParams();
  return (
    <ComingSoon title={`Run ${runId ?? ""}`}>
      The run detail — summary, pipeline flow, stage results, credits breakdown, timeline and log export — arrives with
      the automation API.
    </ComingSoon>
  );
}

export function RulesPage() {
  return (
    <ComingSoon title="Rules">
      The rule editor (trigger, conditions and ordered actions) arrives with the rules API.
    </ComingSoon>
  );
}

export function RunsPage() {
  return (
    <ComingSoon title="Runs">
      The run history with per-stage results, durations and credits arrives with the automation API.
    </ComingSoon>
  );
}

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
