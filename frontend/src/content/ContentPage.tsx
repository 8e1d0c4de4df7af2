/** Content review list: status tabs, approve per row, bulk approve of the selected rows, pagination. */
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { useApproveContent, useBulkApprove, useContentCounts, useContentList } from "../api/queries";
import { CONTENT_STATUSES, type Content, type ContentStatus, type Site } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatDateTime, formatInteger } from "../shell/format";
import { CheckIcon } from "../shell/icons";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import { Pagination } from "./Pagination";
import { useRowSelection } from "./selection";

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

export function parsePage(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
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
          <p className="muted">Review what the pipeline wrote for {site.domain} and approve it for publishing.</p>
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
  const [params, setParams] = useSearchParams();
  const page = parsePage(params.get("page"));
  const list = useContentList({ site: site.id, status, page, pageSize: PAGE_SIZE });
  const approve = useApproveContent();
  const bulk = useBulkApprove();
  const [notice, setNotice] = useState<string | null>(null);
  const rows = useMemo(() => list.data?.results ?? [], [list.data]);
  const visible = useMemo(() => rows.map((row) => row.id), [rows]);
  const selection = useRowSelection(visible, String(page));
  const reviewing = status === "review";
  const actionError = bulk.error ?? approve.error;

  // A page past the end (after approving the last rows of it) answers 404: go back to the first page.
  const pageGone = list.error instanceof ApiError && list.error.status === 404 && page > 1;
  useEffect(() => {
    if (!pageGone) return;
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete("page");
        return next;
      },
      { replace: true },
    );
  }, [pageGone, setParams]);

  const goToPage = (target: number) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (target <= 1) next.delete("page");
      else next.set("page", String(target));
      return next;
    });

  const approveOne = (item: Content) => {
    setNotice(null);
    bulk.reset();
    approve.mutate(item.id, { onSuccess: () => setNotice(`Approved “${item.title}”.`) });
  };

  const approveSelected = () => {
    const ids = selection.ids;
    if (ids.length === 0) return;
    setNotice(null);
    approve.reset();
    bulk.mutate(ids, {
      onSuccess: (data) => {
        selection.clear();
        const n = data.approved.length;
        setNotice(`Approved ${n} ${n === 1 ? "item" : "items"}.`);
      },
    });
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
        <ErrorBanner
          title="Approval failed"
          error={actionError}
          onDismiss={() => {
            approve.reset();
            bulk.reset();
          }}
        />
      )}
      {notice && (
        <div className="banner banner-success" role="status">
          <span className="banner-icon">
            <CheckIcon />
          </span>
          <div className="banner-body">
            <p>
              {notice}{" "}
              <Link to={withSite("/content", site.id, { status: "approved" })}>See approved content</Link>
            </p>
          </div>
        </div>
      )}
      {reviewing && data.count > 0 && (
        <div className="toolbar" role="region" aria-label="Bulk actions">
          <span aria-live="polite" className="toolbar-count">
            {selection.ids.length === 0 ? "No rows selected" : `${selection.ids.length} selected`}
          </span>
          <div className="toolbar-actions">
            {selection.ids.length > 0 && (
              <button type="button" className="btn btn-ghost" onClick={selection.clear}>
                Clear selection
              </button>
            )}
            <button
              type="button"
              className="btn btn-primary"
              disabled={selection.ids.length === 0 || bulk.isPending}
              onClick={approveSelected}
            >
              {bulk.isPending ? "Approving…" : `Approve selected${selection.ids.length ? ` (${selection.ids.length})` : ""}`}
            </button>
          </div>
        </div>
      )}
      {data.count === 0 ? (
        <EmptyState title={EMPTY[status].title}>{EMPTY[status].text}</EmptyState>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table className="table content-table">
              <caption className="visually-hidden">
                {LABELS[status]} content for {site.domain}, page {page}
              </caption>
              <thead>
                <tr>
                  {reviewing && (
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
                    {reviewing && (
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
                      <span className="title">{item.title}</span>
                      {item.primary_keyword && <span className="muted small">{item.primary_keyword}</span>}
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
                    {reviewing && (
                      <td className="col-action">
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={approve.isPending || bulk.isPending}
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
    </div>
  );
}

function SelectAll({ checked, mixed, onChange }: { checked: boolean; mixed: boolean; onChange: () => void }) {
  return (
    <input
      type="checkbox"
      checked={checked}
      ref={(element) => {
        if (element) element.indeterminate = mixed;
      }}
      onChange={onChange}
      aria-label="Select all rows on this page"
    />
  );
}
