/** The pipeline grid (seed 004 §5): stages 1–6, the review gate (stage 7) and the current-status card. */
import { Link } from "react-router";

import { formatCredits, formatInteger } from "../shell/format";
import { withSite } from "../shell/site";
import { formatZonedDateTime, formatZonedTime, zoneAbbreviation } from "./format";
import { CheckCircleIcon, PauseIcon, StageIcon, XCircleIcon } from "./icons";
import { type OverallProgress, runStatusBadge, type RunSnapshot, type StageCardModel } from "./progress";
import { REVIEW_GATE } from "./stages";
import { ProgressBar, Stat, StatusBadge } from "./ui";

const BAR_TONE = {
  completed: "success",
  failed: "danger",
  paused: "warning",
} as const;

function barTone(card: StageCardModel) {
  return BAR_TONE[card.status as keyof typeof BAR_TONE] ?? "primary";
}

/** One stage; its times are in the site's time zone (`timezone`), named after them. */
export function StageCard({ card, timezone = "UTC" }: { card: StageCardModel; timezone?: string }) {
  const running = card.status === "running";
  return (
    <article
      className={`stage-card stage-${card.number} is-${card.status}`}
      aria-labelledby={`stage-${card.number}-title`}
      data-testid={`stage-card-${card.number}`}
      data-status={card.status}
    >
      <header className="stage-card-header">
        <span className="stage-icon">
          <StageIcon stage={card.number} />
        </span>
        <div className="stage-heading">
          <h3 id={`stage-${card.number}-title`}>
            Stage {card.number}
            <span className="visually-hidden">: {card.name}</span>
          </h3>
          <p className="stage-name" aria-hidden="true">
            {card.name}
          </p>
        </div>
        <StatusBadge badge={card.badge} testId={`stage-${card.number}-status`} />
      </header>
      <dl className="stage-stats">
        <Stat label="Total queue" value={formatInteger(card.total)} testId={`stage-${card.number}-total`} />
        <Stat label="Processed" value={formatInteger(card.processed)} testId={`stage-${card.number}-processed`} />
        <Stat label="Remaining" value={formatInteger(card.remaining)} testId={`stage-${card.number}-remaining`} />
      </dl>
      <div className="stage-progress">
        <ProgressBar
          percent={card.percent}
          label={`Stage ${card.number} progress`}
          tone={barTone(card)}
          animated={running}
        />
        <span className="stage-percent">
          {card.percent === 100 && card.status === "completed" ? <CheckCircleIcon size={14} /> : null}
          {card.percent}%
        </span>
      </div>
      <footer className="stage-footer">
        <span title="Credits used by this stage">
          <strong>{formatCredits(card.credits)}</strong> cr
          {card.created !== null && (
            <>
              {" · "}
              {formatInteger(card.created)} {card.info.output}
            </>
          )}
        </span>
        <span className="stage-times" title={`Started → ended (${timezone})`}>
          {card.startedAt
            ? `${formatZonedTime(card.startedAt, timezone)} → ${card.endedAt ? formatZonedTime(card.endedAt, timezone) : "…"} ${zoneAbbreviation(timezone, new Date(card.startedAt))}`
            : "Not started"}
        </span>
      </footer>
      {(card.error || card.skipReason || card.errorCount > 0) && (
        <p className={`stage-note${card.error ? " is-error" : ""}`}>
          {card.error ?? (card.skipReason ? `Skipped: ${card.skipReason}` : `${card.errorCount} items failed`)}
        </p>
      )}
    </article>
  );
}

/** Stage 7: the manual review gate. Automation stops here; people review and approve. */
export function ReviewGateCard({
  card,
  inReview,
  siteId,
}: {
  card: StageCardModel;
  inReview: number | undefined;
  siteId: number;
}) {
  const count = inReview ?? 0;
  return (
    <article
      className={`stage-card review-gate is-${card.status}`}
      aria-labelledby="review-gate-title"
      data-testid={`stage-card-${REVIEW_GATE}`}
      data-status={card.status}
    >
      <header className="stage-card-header">
        <span className="stage-icon">
          <StageIcon stage={REVIEW_GATE} />
        </span>
        <div className="stage-heading">
          <h3 id="review-gate-title">
            Stage {REVIEW_GATE}
            <span className="visually-hidden">: Manual Review Gate</span>
          </h3>
          <p className="stage-name" aria-hidden="true">
            Manual Review Gate
          </p>
        </div>
        <StatusBadge badge={card.badge} testId={`stage-${REVIEW_GATE}-status`} />
      </header>
      <p className="gate-stop">Automation stops here</p>
      <div className="gate-count">
        <strong data-testid="review-count">{inReview === undefined ? "–" : formatInteger(count)}</strong>
        <span>ready for review</span>
      </div>
      <div className="gate-actions">
        {count > 0 ? (
          <Link className="btn btn-primary btn-small" to={withSite("/content", siteId, { status: "review" })}>
            Go to review
          </Link>
        ) : (
          <button type="button" className="btn btn-small" disabled>
            Go to review
          </button>
        )}
        <span className="tooltip-wrap" title="Coming soon: publishing straight from the pipeline">
          <button
            type="button"
            className="btn btn-small"
            disabled
            aria-describedby="publish-without-review-tip"
            data-testid="publish-without-review"
          >
            Publish without review
          </button>
          <span id="publish-without-review-tip" role="tooltip" className="tooltip">
            Coming soon
          </span>
        </span>
      </div>
      <p className="gate-queue muted small">
        This run: {formatInteger(card.processed)} of {formatInteger(card.total)} articles passed the gate
      </p>
    </article>
  );
}

/** "Stage 8": read-only summary of the run on screen. */
export function CurrentStatusCard({
  run,
  progress,
  live,
  timezone = "UTC",
}: {
  run: RunSnapshot | null;
  progress: OverallProgress;
  live: boolean;
  timezone?: string;
}) {
  const badge = run ? runStatusBadge(run.status) : { label: "Idle", tone: "neutral" as const };
  return (
    <article className={`stage-card status-card tone-${badge.tone}`} aria-labelledby="current-status-title" data-testid="current-status">
      <header className="status-card-header">
        <h3 id="current-status-title">{live ? "Current run" : run ? "Last run" : "Current status"}</h3>
        <span className={`status-symbol status-${run?.status ?? "idle"}`} aria-hidden="true">
          {run?.status === "running" || run?.status === "queued" ? (
            <span className="spinner" />
          ) : run?.status === "completed" ? (
            <CheckCircleIcon size={28} />
          ) : run?.status === "failed" || run?.status === "cancelled" ? (
            <XCircleIcon size={28} />
          ) : run?.status === "paused" ? (
            <PauseIcon size={28} />
          ) : null}
        </span>
      </header>
      <p className="status-label">
        <StatusBadge badge={badge} testId="run-status" />
      </p>
      {run ? (
        <dl className="stage-stats">
          <Stat label="Run" value={<code className="run-id">{run.runId}</code>} />
          <Stat label="Started" value={formatZonedDateTime(run.startedAt, timezone)} testId="run-started" />
          <Stat label="Stage" value={progress.stageLabel ?? "–"} />
          <Stat label="Credits" value={formatCredits(run.totalCredits)} />
          <Stat label="Complete" value={`${Math.round(progress.percent)}%`} testId="run-percent" />
        </dl>
      ) : (
        <p className="muted small">No run yet. Press Run now to start the pipeline.</p>
      )}
    </article>
  );
}
