/** The reader's WordPress panel: queued → published with the post link, or the error with Retry. */
import type { Content } from "../api/types";
import { formatDateTime } from "../shell/format";
import { canPublish, publishState } from "./publish";
import { PublishBadge } from "./ui";

interface Props {
  item: Content;
  pending: boolean;
  /** Publish again with the post status asked for last time. */
  onRetry: () => void;
}

/** The publish action itself is in the page header ("Publish…" / "Update post…"). */
export function PublishPanel({ item, pending, onRetry }: Props) {
  const state = publishState(item);
  const allowed = canPublish(item);
  return (
    <section className="ct-panel" aria-labelledby="publish-heading" data-testid="publish-panel">
      <div className="ct-panel-head">
        <h2 id="publish-heading">WordPress</h2>
        <PublishBadge state={state} />
      </div>
      <p aria-live="polite" data-testid="publish-detail">
        {state.detail}
      </p>
      {state.error && (
        <p className="ct-inline-error" data-testid="publish-error">
          {state.error}
        </p>
      )}
      {state.url && (
        <p>
          <a href={state.url} target="_blank" rel="noopener noreferrer" data-testid="post-link">
            View the post
          </a>
          {item.published_at && <span className="muted small"> · {formatDateTime(item.published_at)}</span>}
        </p>
      )}
      {state.kind === "failed" && allowed && (
        <div className="ct-panel-actions">
          <button type="button" className="btn btn-primary btn-small" disabled={pending} onClick={onRetry}>
            {pending ? "Retrying…" : "Retry"}
          </button>
        </div>
      )}
      {!allowed && <p className="muted small">Approve the article to publish it.</p>}
    </section>
  );
}
