/**
 * "Replay…": the journal's events of a range sent to a saved rule again, through the normal dispatch (conditions,
 * mode, loop guard). An event replayed before starts nothing new. The answer in words, with links to the runs.
 */
import { useId, useState } from "react";
import { Link } from "react-router";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { withSite } from "../shell/site";
import { useReplay } from "./api";
import { RANGES, rangeSince, replayWords, type RangeKey } from "./backtest";
import type { ReplayResult } from "./types";
import { Dialog, FieldError } from "./ui";

const SHOWN_RUNS = 20;

interface Props {
  open: boolean;
  rule: { id: number; name: string; is_shadow?: boolean };
  siteId: number | null;
  onClose: () => void;
}

export function ReplayDialog({ open, rule, siteId, onClose }: Props) {
  const id = useId();
  const replay = useReplay(rule.id);
  const [range, setRange] = useState<RangeKey>("24h");
  const [answer, setAnswer] = useState<ReplayResult | null>(null);
  const error = replay.error;
  const fieldErrors = error instanceof ApiError && error.status === 400 ? error.fieldErrors : null;
  const rangeError = fieldErrors ? [...(fieldErrors.since ?? []), ...(fieldErrors.until ?? [])].join(" ") : "";
  const otherError = error && !(fieldErrors && rangeError && Object.keys(fieldErrors).every((k) => k === "since" || k === "until")) ? error : null;

  const close = () => {
    replay.reset();
    setAnswer(null);
    onClose();
  };

  const start = () => {
    setAnswer(null);
    replay.mutate({ since: rangeSince(range) }, { onSuccess: setAnswer });
  };

  return (
    <Dialog
      open={open}
      title={`Replay events to “${rule.name}”`}
      onClose={close}
      actions={
        <>
          <button type="button" className="btn" onClick={close}>
            {answer ? "Close" : "Cancel"}
          </button>
          <button type="button" className="btn btn-primary" onClick={start} disabled={replay.isPending}>
            {replay.isPending ? "Replaying…" : "Replay"}
          </button>
        </>
      }
    >
      <p>
        The journal's events of this rule's trigger in the range go through the rule again, as if they happened now:
        conditions, mode and loop guard apply, and {rule.is_shadow ? "this shadow rule records what it would do" : "runs start for real"}.
        An event replayed before is not run again.
      </p>
      <div className="field">
        <label htmlFor={`${id}-range`}>Events from</label>
        <select
          id={`${id}-range`}
          value={range}
          aria-invalid={rangeError ? true : undefined}
          aria-describedby={rangeError ? `${id}-range-error` : undefined}
          onChange={(event) => setRange(event.target.value as RangeKey)}
        >
          {RANGES.map((r) => (
            <option key={r.key} value={r.key}>
              {r.label}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-range-error`} message={rangeError || undefined} />
      </div>
      {otherError && <ErrorBanner title="The replay did not run" error={otherError} />}
      {answer && (
        <div className="rl-replay-answer" role="status" data-testid="replay-result">
          <p>{replayWords(answer)}</p>
          {answer.run_ids.length > 0 && (
            <ul className="rl-replay-runs" aria-label="Runs the replay made">
              {answer.run_ids.slice(0, SHOWN_RUNS).map((runId) => (
                <li key={runId}>
                  <Link to={withSite(`/runs/${runId}`, siteId)} className="rl-mono small">
                    {runId}
                  </Link>
                </li>
              ))}
              {answer.run_ids.length > SHOWN_RUNS && (
                <li>
                  <Link to={withSite("/runs", siteId, { rule: String(rule.id) })} className="small">
                    and {answer.run_ids.length - SHOWN_RUNS} more in the run history
                  </Link>
                </li>
              )}
            </ul>
          )}
        </div>
      )}
    </Dialog>
  );
}
