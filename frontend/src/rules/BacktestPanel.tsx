/**
 * The editor's backtest: the rule as the editor holds it (saved or not) run over the journal's past events of
 * its trigger, nothing executed. Shows "Would have fired 37 times in the last 7 days, ≈ 410 credits", the events
 * scanned, the drop reasons with the clause that failed most often, and up to 20 samples with their traces.
 * The draft's own errors (400 `rule.<field>`) go to the editor's fields; the range's stay here.
 */
import { useId, useState } from "react";
import { Link } from "react-router";

import { ApiError, type FieldErrors } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { withSite } from "../shell/site";
import { useBacktest } from "./api";
import {
  approxCredits,
  backtestErrors,
  backtestHeadline,
  DECISION_STATUS,
  droppedLines,
  RANGES,
  rangeSince,
  rangeWords,
  type RangeKey,
} from "./backtest";
import { stableStringify } from "./draft";
import { TraceTable } from "./editor/TraceTable";
import type { BacktestResult, BacktestSample, RulePayload } from "./types";
import { exactTime, FieldError, StatusBadge, When } from "./ui";

interface Props {
  /** The rule as the editor holds it (the body a save would send). */
  rule: RulePayload;
  /** The saved rule's id (sent with the draft: the loop guard and run-length history use it). */
  savedId: number | null;
  siteId: number | null;
  /** The draft's own errors from a 400, keyed like a save's (`conditions`, `trigger.event`); null after a good answer. */
  onRuleErrors: (errors: FieldErrors | null) => void;
}

interface Shown {
  result: BacktestResult;
  range: RangeKey;
  /** The rule the answer is for: when the draft moves on, the answer is marked out of date. */
  ruleKey: string;
}

export function BacktestPanel({ rule, savedId, siteId, onRuleErrors }: Props) {
  const id = useId();
  const backtest = useBacktest();
  const [range, setRange] = useState<RangeKey>("7d");
  const [shown, setShown] = useState<Shown | null>(null);
  const [rangeErrors, setRangeErrors] = useState<string[]>([]);
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const manual = rule.trigger.type === "manual";
  const ruleKey = stableStringify(rule);

  const run = () => {
    setRangeErrors([]);
    setOtherErrors([]);
    backtest.reset();
    const body = { rule: savedId ? { ...rule, id: savedId } : rule, since: rangeSince(range) };
    backtest.mutate(body, {
      onSuccess: (result) => {
        onRuleErrors(null);
        setShown({ result, range, ruleKey: stableStringify(rule) });
      },
      onError: (error) => {
        if (error instanceof ApiError && error.status === 400) {
          const sorted = backtestErrors(error.fieldErrors);
          setRangeErrors(sorted.range);
          setOtherErrors(sorted.other);
          onRuleErrors(Object.keys(sorted.rule).length ? sorted.rule : null);
        }
      },
    });
  };

  const failed = backtest.error && !(backtest.error instanceof ApiError && backtest.error.status === 400) ? backtest.error : null;
  const ruleErrorCount = backtest.error instanceof ApiError && backtest.error.status === 400
    ? Object.keys(backtestErrors(backtest.error.fieldErrors).rule).length
    : 0;

  return (
    <div className="rl-backtest" data-testid="backtest">
      <div className="rl-backtest-controls">
        <div className="field">
          <label htmlFor={`${id}-range`}>Backtest range</label>
          <select
            id={`${id}-range`}
            value={range}
            aria-invalid={rangeErrors.length ? true : undefined}
            aria-describedby={rangeErrors.length ? `${id}-range-error` : undefined}
            onChange={(event) => setRange(event.target.value as RangeKey)}
          >
            {RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-range-error`} message={rangeErrors.length ? rangeErrors.join(" ") : undefined} />
        </div>
        <button type="button" className="btn" onClick={run} disabled={backtest.isPending || manual}>
          {backtest.isPending ? "Backtesting…" : "Backtest"}
        </button>
        <span className="muted small rl-backtest-note">
          {manual
            ? "A manual rule has no events to backtest: it runs only when started."
            : "Uses the rule as it is here, saved or not. Nothing is executed or charged."}
        </span>
      </div>

      {backtest.isPending && (
        <p className="muted small" role="status">
          Replaying the journal's events through the trigger and conditions…
        </p>
      )}
      {otherErrors.length > 0 && (
        <div className="banner banner-error" role="alert" data-testid="backtest-error">
          <div className="banner-body">
            <strong className="banner-title">The backtest could not run</strong>
            <ul className="banner-list">
              {otherErrors.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {ruleErrorCount > 0 && (
        <p className="text-danger small" role="alert" data-testid="backtest-rule-errors">
          The rule has {ruleErrorCount === 1 ? "a problem" : `${ruleErrorCount} problems`}: each is shown at its field above.
        </p>
      )}
      {failed && <ErrorBanner title="The backtest could not run" error={failed} onDismiss={() => backtest.reset()} />}

      {shown && !backtest.isPending && (
        <BacktestAnswer shown={shown} stale={shown.ruleKey !== ruleKey || shown.range !== range} siteId={siteId} />
      )}
    </div>
  );
}

function BacktestAnswer({ shown, stale, siteId }: { shown: Shown; stale: boolean; siteId: number | null }) {
  const { result, range } = shown;
  const dropped = droppedLines(result.dropped);
  const droppedByModeOrBudget = result.would_trigger - result.estimated_runs;
  return (
    <div className={`rl-backtest-result${stale ? " rl-backtest-stale" : ""}`} role="status" data-testid="backtest-result">
      <p className="rl-backtest-headline">
        <strong data-testid="backtest-headline" data-runs={result.estimated_runs}>
          {backtestHeadline(result, range)}
        </strong>
        {stale && <span className="rl-chip">out of date: the rule or the range changed since — backtest again</span>}
      </p>
      <p className="small" data-testid="backtest-scanned">
        {formatInteger(result.events_scanned)} {result.events_scanned === 1 ? "event" : "events"} scanned {rangeWords(range)} (
        <span title={`${exactTime(result.since)} – ${exactTime(result.until)}`}>
          <When iso={result.since} /> to <When iso={result.until} />
        </span>
        ); {formatInteger(result.would_trigger)} passed the trigger and conditions
        {droppedByModeOrBudget > 0 && <>, of which the mode or the budget would have dropped {formatInteger(droppedByModeOrBudget)}</>}.
      </p>
      {result.truncated && (
        <p className="rl-warning-text small" data-testid="backtest-truncated">
          The range holds more events than one backtest scans: these figures cover only part of it. Pick a shorter range for
          the full count.
        </p>
      )}
      {dropped.length > 0 ? (
        <div className="rl-backtest-dropped">
          <h3 className="rl-backtest-h">Dropped</h3>
          <ul data-testid="backtest-dropped">
            {dropped.map((line) => (
              <li key={line.reason}>
                <strong>{formatInteger(line.count)}</strong> — {line.text}
              </li>
            ))}
          </ul>
          {result.most_failed_clause && (
            <p className="small" data-testid="backtest-clause">
              Most often false: <code className="rl-mono">{result.most_failed_clause.clause}</code> (
              {formatInteger(result.most_failed_clause.count)} {result.most_failed_clause.count === 1 ? "time" : "times"})
            </p>
          )}
        </div>
      ) : (
        result.events_scanned > 0 && <p className="muted small">No event was dropped.</p>
      )}
      {result.samples.length > 0 ? (
        <Samples samples={result.samples} siteId={siteId} />
      ) : (
        <p className="muted small">
          {result.events_scanned === 0 ? "The journal holds no events of this rule's trigger in the range." : "No samples."}
        </p>
      )}
    </div>
  );
}

/** The would-be runs, listed; the dropped events folded (open when nothing would have run: that's the question then). */
function Samples({ samples, siteId }: { samples: BacktestSample[]; siteId: number | null }) {
  const indexed = samples.map((sample, index) => ({ sample, index }));
  const would = indexed.filter(({ sample }) => sample.decision === "would_trigger");
  const dropped = indexed.filter(({ sample }) => sample.decision !== "would_trigger");
  const list = (items: typeof indexed, label: string) => (
    <ol className="rl-backtest-list" aria-label={label}>
      {items.map(({ sample, index }) => (
        <Sample key={`${sample.event_id ?? sample.at}-${index}`} sample={sample} index={index} siteId={siteId} />
      ))}
    </ol>
  );
  return (
    <div className="rl-backtest-samples">
      {would.length > 0 && (
        <>
          <h3 className="rl-backtest-h">
            Would have run <span className="muted small">({would.length} sample{would.length === 1 ? "" : "s"})</span>
          </h3>
          {list(would, "Samples that would have run")}
        </>
      )}
      {dropped.length > 0 && (
        <details className="rl-details rl-backtest-dropped-samples" open={would.length === 0}>
          <summary>
            Dropped events <span className="muted small">({dropped.length} sample{dropped.length === 1 ? "" : "s"}, with the reason)</span>
          </summary>
          {list(dropped, "Samples that were dropped")}
        </details>
      )}
    </div>
  );
}

function Sample({ sample, index, siteId }: { sample: BacktestSample; index: number; siteId: number | null }) {
  const object =
    sample.object_type && sample.object_id !== null ? (
      sample.object_type === "content" ? (
        <Link to={withSite(`/content/${sample.object_id}`, siteId)}>content #{sample.object_id}</Link>
      ) : (
        <span>
          {sample.object_type} #{sample.object_id}
        </span>
      )
    ) : null;
  return (
    <li className="rl-backtest-sample" data-testid="backtest-sample" data-decision={sample.decision}>
      <div className="rl-backtest-sample-head">
        <StatusBadge status={DECISION_STATUS[sample.decision] ?? sample.decision} size="small" />
        <span className="rl-mono small">{sample.event}</span>
        {object && <span className="small">{object}</span>}
        <span className="muted small" title={exactTime(sample.at)}>
          <When iso={sample.at} />
        </span>
        {sample.estimated_credits !== null && sample.decision === "would_trigger" && (
          <span className="muted small">{approxCredits(sample.estimated_credits)}</span>
        )}
      </div>
      {sample.reason && <p className="small rl-backtest-reason">{sample.reason}</p>}
      {sample.trace.length > 0 && (
        <details className="rl-details">
          <summary>Condition trace</summary>
          <TraceTable trace={sample.trace} label={`Trace of sample ${index + 1}`} />
        </details>
      )}
    </li>
  );
}
