/** Parts of the paged list tables: the pager, the `?page=` of the URL, the select-all checkbox. */
import { useCallback, useEffect } from "react";
import { useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { formatInteger } from "./format";

export function pageCount(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}

/** A `?page=` value: a whole number from 1, else 1. */
export function parsePage(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

/** The URL's page and a way to go to another one (page 1 drops the parameter). */
export function usePageParam(): [number, (page: number) => void] {
  const [params, setParams] = useSearchParams();
  const goToPage = useCallback(
    (target: number) =>
      setParams((current) => {
        const next = new URLSearchParams(current);
        if (target <= 1) next.delete("page");
        else next.set("page", String(target));
        return next;
      }),
    [setParams],
  );
  return [parsePage(params.get("page")), goToPage];
}

/**
 * A page past the end (the list shrank: rows deleted, approved, filtered away) answers 404: go back to the
 * first page. True while that happens (show no error for it).
 */
export function usePageGone(error: unknown, page: number): boolean {
  const [, setParams] = useSearchParams();
  const gone = error instanceof ApiError && error.status === 404 && page > 1;
  useEffect(() => {
    if (!gone) return;
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete("page");
        return next;
      },
      { replace: true },
    );
  }, [gone, setParams]);
  return gone;
}

/** "Showing 21–40 of 57" with Previous / Next; hidden when everything fits on one page. */
export function Pagination({
  page,
  pageSize,
  count,
  onPage,
}: {
  page: number;
  pageSize: number;
  count: number;
  onPage: (page: number) => void;
}) {
  const pages = pageCount(count, pageSize);
  const first = count === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(count, page * pageSize);
  return (
    <nav className="pagination" aria-label="Pagination">
      <span className="muted">
        Showing {formatInteger(first)}–{formatInteger(last)} of {formatInteger(count)}
      </span>
      {pages > 1 && (
        <div className="pagination-buttons">
          <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous
          </button>
          <span aria-current="page">
            Page {page} of {pages}
          </span>
          <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next
          </button>
        </div>
      )}
    </nav>
  );
}

/** The header checkbox of a selectable table (mixed when some rows of the page are selected). */
export function SelectAll({ checked, mixed, onChange }: { checked: boolean; mixed: boolean; onChange: () => void }) {
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
