/**
 * Content list: status tabs; titles open the article reader; approve per row; bulk approve, reject
 * (with a note) and publish of the selected rows; the WordPress publish state of approved and
 * published rows (queued, published with the post link, failed with the error and a Retry); pagination.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";

import {
  useApproveContent,
  useBulkApprove,
  useBulkPublish,
  useBulkReject,
  useContentCounts,
  useContentList,
  usePublishContent,
} from "../api/queries";
import { CONTENT_STATUSES, type Content, type ContentStatus, type PostStatus, type Site } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatDateTime, formatInteger } from "../shell/format";
import { CheckIcon } from "../shell/icons";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { Pagination, SelectAll, usePageGone, usePageParam } from "../shell/table";
import { usePageTitle } from "../shell/usePageTitle";
import "./content.css";
import { publishState } from "./publish";
import { PublishDialog } from "./PublishDialog";
import { RejectDialog } from "./RejectDialog";
import { useRowSelection } from "./selection";
import { PublishBadge } from "./ui";

export const PAGE_SIZE = 20;
export const DEFAULT_STATUS: ContentStatus = "review";

const LABELS: Record<ContentStatus, string> = {
  draft: "Draft",
  review: "Review",
  approved: "Approved",
  published: "Published",
};

const EMPTY: Record<ContentStatus, { title: string; text: string }> = {
  draft: { title: "No drafts", text: "Drafts appear here while the pipeline writes content and generates its images." },
  review: {
    title: "Nothing waiting for review",
    text: "When the automation pipeline reaches the review gate, its articles appear here for approval.",
  },
  approved: { title: "No approved content yet", text: "Approve content in Review and it moves here, ready to publish." },
  published: { title: "Nothing published yet", text: "Published articles appear here once they are sent to WordPress." },
};

export function parseStatus(value: string | null): ContentStatus {
  return (CONTENT_STATUSES as readonly string[]).includes(value ?? "") ? (value as ContentStatus) : DEFAULT_STATUS;
}

/** The bulk actions each tab offers (drafts have none: they are still being written or were sent back). */
export function bulkActionsFor(status: ContentStatus): { approve: boolean; reject: boolean; publish: boolean } {
  return {
    approve: status === "review",
    reject: status === "review" || status === "approved",
    publish: status === "approved" || status === "published",
  };
}

function plural(n: number, one: string, many: string): string {
  return `${formatInteger(n)} ${n === 1 ? one : many}`;
}

export default function ContentPage() {
  const { site } = useSites();
  const [params] = useSearchParams();
  const status = parseStatus(params.get("status"));
  usePageTitle(`${LABELS[status]} content`);
  if (site === null) return null;
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Content</h1>
          <p className="muted">Read, approve or send back what the pipeline wrote for {site.domain}, and publish it to WordPress.</p>
        </div>
      </header>
      <StatusTabs site={site} status={status} />
      {/* Keyed so that notices, errors and selection start fresh on another site or tab. */}
      <ContentList key={`${site.id}:${status}`} site={site} status={status} />
    </section>
  );
}

function StatusTabs({ site, status }: { site: Site; status: ContentStatus }) {
  const counts = useContentCounts(site.id);
  return (
    <nav className="tabs" aria-label="Content status">
      {CONTENT_STATUSES.map((tab) => (
        <Link
          key={tab}
          to={withSite("/content", site.id, { status: tab })}
          className="tab"
          aria-current={tab === status ? "page" : undefined}
          data-testid={`tab-${tab}`}
        >
          {LABELS[tab]}
          {counts[tab] !== undefined && <span className="tab-count">{formatInteger(counts[tab])}</span>}
        </Link>
      ))}
    </nav>
  );
}

function ContentList({ site, status }: { site: Site; status: ContentStatus }) {
  const [page, goToPage] = usePageParam();
  const list = useContentList({ site: site.id, status, page, pageSize: PAGE_SIZE });
  const approve = useApproveContent();
  const bulk = useBulkApprove();
  const bulkReject = useBulkReject();
  const bulkPublish = useBulkPublish();
  const retry = usePublishContent();
  const [notice, setNotice] = useState<{ text: string; link?: { to: ContentStatus; label: string } } | null>(null);
  const [dialog, setDialog] = useState<"reject" | "publish" | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  // The approved or rejected rows (and the button pressed) leave the page: focus goes to the notice.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  const rows = useMemo(() => list.data?.results ?? [], [list.data]);
  const visible = useMemo(() => rows.map((row) => row.id), [rows]);
  const selection = useRowSelection(visible, String(page));
  const actions = bulkActionsFor(status);
  const reviewing = status === "review";
  const selectable = actions.approve || actions.reject || actions.publish;
  const showPublishing = status === "approved" || status === "published";
  const actionError = bulk.error ?? approve.error ?? retry.error;
  const busy = bulk.isPending || approve.isPending || bulkReject.isPending || bulkPublish.isPending;
  const count = selection.ids.length;

  // A page past the end (after approving the last rows of it) goes back to the first page.
  const pageGone = usePageGone(list.error, page);

  const resetActions = () => {
    setNotice(null);
    approve.reset();
    bulk.reset();
    retry.reset();
  };

  const approveOne = (item: Content) => {
    resetActions();
    approve.mutate(item.id, {
      onSuccess: () => setNotice({ text: `Approved “${item.title}”.`, link: { to: "approved", label: "See approved content" } }),
    });
  };

  const approveSelected = () => {
    const ids = selection.ids;
    if (ids.length === 0) return;
    resetActions();
    bulk.mutate(ids, {
      onSuccess: (data) => {
        selection.clear();
        setNotice({
          text: `Approved ${plural(data.approved.length, "item", "items")}.`,
          link: { to: "approved", label: "See approved content" },
        });
      },
    });
  };

  const rejectSelected = (note: string) => {
    const ids = selection.ids;
    bulkReject.mutate(
      { ids, note },
      {
        onSuccess: (data) => {
          setDialog(null);
          selection.clear();
          setNotice({
            text: `Rejected ${plural(data.rejected.length, "item", "items")}: back in Draft with your note.`,
            link: { to: "draft", label: "See drafts" },
          });
        },
      },
    );
  };

  const publishSelected = (postStatus: PostStatus) => {
    const ids = selection.ids;
    bulkPublish.mutate(
      { ids, postStatus },
      {
        // 202 {"queued": ids}: all or nothing, so every selected row is queued.
        onSuccess: () => {
          setDialog(null);
          selection.clear();
          setNotice({ text: `Queued ${plural(ids.length, "item", "items")} for WordPress; the list follows them.` });
        },
      },
    );
  };

  const retryOne = (item: Content) => {
    resetActions();
    retry.mutate({ id: item.id, postStatus: (item.post_status || "publish") as PostStatus });
  };

  if (list.isPending) return <Loading label="Loading content…" />;
  if (list.isError && !pageGone) {
    return <ErrorBanner title="Could not load content" error={list.error} onRetry={() => void list.refetch()} />;
  }
  const data = list.data;
  if (!data) return <Loading label="Loading content…" />;

  return (
    <div className="content-list">
      {actionError && (
        <ErrorBanner title={retry.error ? "Could not publish" : "Approval failed"} error={actionError} onDismiss={resetActions} />
      )}
      {notice && (
        <div className="banner banner-success" role="status" ref={noticeRef} tabIndex={-1}>
          <span className="banner-icon">
            <CheckIcon />
          </span>
          <div className="banner-body">
            <p>
              {notice.text}{" "}
              {notice.link && <Link to={withSite("/content", site.id, { status: notice.link.to })}>{notice.link.label}</Link>}
            </p>
          </div>
        </div>
      )}
      {selectable && data.count > 0 && (
        <div className="toolbar" role="region" aria-label="Bulk actions">
          <span aria-live="polite" className="toolbar-count">
            {count === 0 ? "No rows selected" : `${count} selected`}
          </span>
          <div className="toolbar-actions ct-toolbar-actions">
            {count > 0 && (
              <button type="button" className="btn btn-ghost" onClick={selection.clear}>
                Clear selection
              </button>
            )}
            {actions.reject && (
              <button
                type="button"
                className="btn btn-danger-ghost"
                disabled={count === 0 || busy}
                onClick={() => {
                  resetActions();
                  bulkReject.reset();
                  setDialog("reject");
                }}
              >
                {`Reject selected${count ? ` (${count})` : ""}…`}
              </button>
            )}
            {actions.approve && (
              <button type="button" className="btn btn-primary" disabled={count === 0 || busy} onClick={approveSelected}>
                {bulk.isPending ? "Approving…" : `Approve selected${count ? ` (${count})` : ""}`}
              </button>
            )}
            {actions.publish && (
              <button
                type="button"
                className="btn btn-primary"
                disabled={count === 0 || busy}
                onClick={() => {
                  resetActions();
                  bulkPublish.reset();
                  setDialog("publish");
                }}
              >
                {`${status === "published" ? "Update posts" : "Publish selected"}${count ? ` (${count})` : ""}…`}
              </button>
            )}
          </div>
        </div>
      )}
      {data.count === 0 ? (
        <EmptyState title={EMPTY[status].title}>{EMPTY[status].text}</EmptyState>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table className="table table-cards content-table">
              <caption className="visually-hidden">
                {LABELS[status]} content for {site.domain}, page {page}
              </caption>
              <thead>
                <tr>
                  {selectable && (
                    <th scope="col" className="col-check">
                      <SelectAll checked={selection.all} mixed={selection.some} onChange={selection.toggleAll} />
                    </th>
                  )}
                  <th scope="col">Title</th>
                  <th scope="col" className="num">
                    Words
                  </th>
                  <th scope="col" className="num">
                    SEO
                  </th>
                  <th scope="col" className="num">
                    Images
                  </th>
                  <th scope="col">Created</th>
                  {showPublishing && <th scope="col">WordPress</th>}
                  {reviewing && (
                    <th scope="col" className="col-action">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.map((item) => (
                  <tr key={item.id} className={selection.isSelected(item.id) ? "selected" : undefined} data-testid="content-row">
                    {selectable && (
                      <td className="col-check">
                        <input
                          type="checkbox"
                          checked={selection.isSelected(item.id)}
                          onChange={() => selection.toggle(item.id)}
                          aria-label={`Select “${item.title}”`}
                        />
                      </td>
                    )}
                    <td className="col-title">
                      <Link className="title" to={withSite(`/content/${item.id}`, site.id)}>
                        {item.title}
                      </Link>
                      {item.primary_keyword && <span className="muted small">{item.primary_keyword}</span>}
                      {item.review_note && status === "draft" && (
                        <span className="ct-row-note small" data-testid="row-review-note">
                          Rejected: {item.review_note}
                        </span>
                      )}
                    </td>
                    <td className="num cell-words" data-label="Words">
                      {formatInteger(item.word_count)}
                    </td>
                    <td className="num cell-seo" data-label="SEO">
                      {item.seo_score ?? "–"}
                    </td>
                    <td className="num cell-images" data-label="Images">
                      {formatInteger(item.images_count)}
                    </td>
                    <td className="cell-created" data-label="Created">{formatDateTime(item.created_at)}</td>
                    {showPublishing && (
                      <td className="cell-publish" data-label="WordPress">
                        <PublishCell item={item} retrying={retry.isPending && retry.variables?.id === item.id} onRetry={() => retryOne(item)} />
                      </td>
                    )}
                    {reviewing && (
                      <td className="col-action">
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={busy}
                          onClick={() => approveOne(item)}
                          aria-label={`Approve “${item.title}”`}
                        >
                          {approve.isPending && approve.variables === item.id ? "Approving…" : "Approve"}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} count={data.count} onPage={goToPage} />
        </>
      )}
      <RejectDialog
        open={dialog === "reject"}
        what={plural(count, "article", "articles")}
        pending={bulkReject.isPending}
        error={bulkReject.error}
        onClose={() => {
          setDialog(null);
          bulkReject.reset();
        }}
        onSubmit={rejectSelected}
      />
      <PublishDialog
        open={dialog === "publish"}
        title={`${status === "published" ? "Update" : "Publish"} ${plural(count, "article", "articles")} on WordPress`}
        action={status === "published" ? "Update posts" : "Publish"}
        siteId={site.id}
        pending={bulkPublish.isPending}
        error={bulkPublish.error}
        onClose={() => {
          setDialog(null);
          bulkPublish.reset();
        }}
        onSubmit={publishSelected}
      />
    </div>
  );
}

/** A row's WordPress state: the badge, the post link, or the error with Retry. */
function PublishCell({ item, retrying, onRetry }: { item: Content; retrying: boolean; onRetry: () => void }) {
  const state = publishState(item);
  if (state.kind === "unpublished") return <span className="muted small">Not published</span>;
  return (
    <div className="ct-publish-cell">
      <PublishBadge state={state} />
      {state.url && (
        <a href={state.url} target="_blank" rel="noopener noreferrer" className="small" aria-label={`View the post of “${item.title}”`}>
          View post
        </a>
      )}
      {state.error && (
        <>
          <span className="ct-inline-error small" data-testid="row-publish-error">
            {state.error}
          </span>
          <button type="button" className="btn btn-small" disabled={retrying} onClick={onRetry} aria-label={`Retry publishing “${item.title}”`}>
            {retrying ? "Retrying…" : "Retry"}
          </button>
        </>
      )}
    </div>
  );
}

