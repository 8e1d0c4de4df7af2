/**
 * The dashboard's prominent notice after a failed run (current_run/'s `last_run`, no run active): the
 * error, a link to the run, and Re-run (a new run of the pipeline with the same trigger data).
 */
import { Link } from "react-router";

import { ErrorBanner } from "../shell/ErrorBanner";
import { AlertIcon } from "../shell/icons";
import { withSite } from "../shell/site";
import { readableRefusal, useRerun } from "../rules/api";
import { formatZonedDateTime } from "./format";
import { RerunIcon } from "./icons";
import type { LastFinishedRun } from "./types";

export function FailedRunBanner({
  run,
  siteId,
  timezone,
  onRerun,
}: {
  run: LastFinishedRun;
  siteId: number;
  timezone: string;
  /** The new run started (its id). */
  onRerun: (runId: string) => void;
}) {
  const rerun = useRerun();
  return (
    <>
      <div className="banner banner-error failed-run" role="alert" data-testid="failed-run">
        <span className="banner-icon">
          <AlertIcon />
        </span>
        <div className="banner-body">
          <strong className="banner-title">The last run failed</strong>
          <p>
            Run <code>{run.run_id}</code> failed{run.completed_at ? ` ${formatZonedDateTime(run.completed_at, timezone)}` : ""}
            {run.error_message ? ":" : "."}
          </p>
          {run.error_message && <p className="failed-run-error">{run.error_message}</p>}
          <p className="muted small">
            Fix the cause (the run shows which stage stopped and why), then run it again. Failed articles and images can
            also be queued again below, under “Needs attention”.
          </p>
        </div>
        <div className="banner-actions">
          <Link className="btn btn-small" to={withSite(`/automation/runs/${encodeURIComponent(run.run_id)}`, siteId)}>
            Open the run
          </Link>
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={rerun.isPending}
            onClick={() => rerun.mutate(run.run_id, { onSuccess: (started) => onRerun(started.run_id) })}
          >
            <RerunIcon /> {rerun.isPending ? "Starting…" : "Re-run"}
          </button>
        </div>
      </div>
      {rerun.isError && (
        <ErrorBanner title="The run was not run again" error={readableRefusal(rerun.error)} onDismiss={() => rerun.reset()} />
      )}
    </>
  );
}
