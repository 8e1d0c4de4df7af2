/**
 * Keywords of the chosen site: filters, search, sortable columns and paging (all in the URL); add one, paste
 * many, import a CSV file with a preview; select rows to disable, enable or delete them together.
 */
import { useEffect, useId, useMemo, useRef, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import type { Site } from "../api/types";
import { useRowSelection } from "../content/selection";
import { ConfirmDialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError, fieldErrorsOf } from "../shell/fields";
import { formatDateTime, formatInteger } from "../shell/format";
import { CheckIcon } from "../shell/icons";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { Pagination, SelectAll, usePageGone } from "../shell/table";
import { usePageTitle } from "../shell/usePageTitle";
import { useBulkDelete, useBulkUpdate, useClusterOptions, useKeywordList } from "./api";
import {
  clearedFilters,
  isFiltered,
  nextOrdering,
  readFilters,
  sortDirection,
  toQuery,
  withFilters,
  type KeywordFilters,
  type SortField,
} from "./filters";
import { AddKeywordForm, capitalize, PasteManyForm } from "./forms";
import { ImportCsvPanel } from "./ImportCsv";
import { KEYWORD_INTENTS, KEYWORD_STATUSES, type Cluster, type Keyword } from "./types";
import { Badge, KeywordTabs } from "./ui";

import "./keywords.css";

export const PAGE_SIZE = 25;

type Panel = "add" | "paste" | "import";

const PANEL_BUTTONS: { panel: Panel; label: string }[] = [
  { panel: "add", label: "Add keyword" },
  { panel: "paste", label: "Paste many" },
  { panel: "import", label: "Import CSV" },
];

export default function KeywordsPage() {
  const { site } = useSites();
  usePageTitle("Keywords");
  if (site === null) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Keywords</h1>
        </header>
        <EmptyState title="No site yet" action={<Link to="/sites">Add a site</Link>}>
          Keywords belong to a site. Add one first.
        </EmptyState>
      </section>
    );
  }
  // Keyed so that panels, notices and the selection start fresh on another site.
  return <KeywordsScreen key={site.id} site={site} />;
}

function KeywordsScreen({ site }: { site: Site }) {
  const [panel, setPanel] = useState<Panel | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const openers = useRef<Partial<Record<Panel, HTMLButtonElement | null>>>({});
  const panelRef = useRef<HTMLDivElement>(null);
  const clusters = useClusterOptions(site.id);
  const clusterList = useMemo(() => clusters.data?.results ?? [], [clusters.data]);

  // Focus the panel's heading when it opens; back to its button when it closes.
  const previous = useRef<Panel | null>(null);
  useEffect(() => {
    if (panel) panelRef.current?.querySelector<HTMLElement>("h2")?.focus();
    else if (previous.current) openers.current[previous.current]?.focus();
    previous.current = panel;
  }, [panel]);

  const toggle = (target: Panel) => {
    setNotice(null);
    setPanel((current) => (current === target ? null : target));
  };

  return (
    <section className="page kw-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Keywords</h1>
          <p className="muted">The keywords the pipeline clusters and writes about for {site.domain}.</p>
        </div>
        <div className="kw-header-actions">
          {PANEL_BUTTONS.map(({ panel: target, label }) => (
            <button
              key={target}
              ref={(element) => {
                openers.current[target] = element;
              }}
              type="button"
              className={panel === target ? "btn btn-primary" : "btn"}
              aria-expanded={panel === target}
              aria-controls="kw-panel"
              onClick={() => toggle(target)}
            >
              {label}
            </button>
          ))}
        </div>
      </header>
      <KeywordTabs site={site.id} current="keywords" />
      {notice && <Notice>{notice}</Notice>}
      <div id="kw-panel" ref={panelRef}>
        {panel === "add" && (
          <AddKeywordForm site={site.id} clusters={clusterList} onDone={setNotice} onClose={() => setPanel(null)} />
        )}
        {panel === "paste" && (
          <PasteManyForm
            site={site.id}
            onDone={(message) => {
              setNotice(message);
              setPanel(null);
            }}
            onClose={() => setPanel(null)}
          />
        )}
        {panel === "import" && (
          <ImportCsvPanel
            site={site.id}
            onDone={(message) => {
              setNotice(message);
              setPanel(null);
            }}
            onClose={() => setPanel(null)}
          />
        )}
      </div>
      <KeywordList site={site} clusters={clusterList} onOpen={toggle} onNotice={setNotice} />
    </section>
  );
}

function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner banner-success" role="status">
      <span className="banner-icon">
        <CheckIcon />
      </span>
      <div className="banner-body">
        <p>{children}</p>
      </div>
    </div>
  );
}

function KeywordList({
  site,
  clusters,
  onOpen,
  onNotice,
}: {
  site: Site;
  clusters: readonly Cluster[];
  onOpen: (panel: Panel) => void;
  onNotice: (message: string | null) => void;
}) {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const query = toQuery(site.id, filters, PAGE_SIZE);
  const list = useKeywordList(query);
  const update = useBulkUpdate();
  const remove = useBulkDelete();
  const [confirming, setConfirming] = useState(false);
  const rows = useMemo(() => list.data?.results ?? [], [list.data]);
  const visible = useMemo(() => rows.map((row) => row.id), [rows]);
  const selection = useRowSelection(visible, JSON.stringify(query));
  const filterErrors = fieldErrorsOf(list.error);
  const actionError = update.error ?? remove.error;
  const busy = update.isPending || remove.isPending;

  // Two inputs may commit within one render (min and max volume typed quickly): each change builds on the
  // last one asked for, not on the URL of the last render, so none is lost.
  const latest = useRef(params);
  useEffect(() => {
    latest.current = params;
  }, [params]);
  const setFilters = (changes: Partial<Record<keyof KeywordFilters, string | null>>) => {
    latest.current = withFilters(latest.current, changes);
    setParams(latest.current);
  };
  const clearFilters = () => {
    latest.current = clearedFilters(latest.current);
    setParams(latest.current);
  };

  // A page past the end (after deleting the last rows of it) goes back to the first page.
  const pageGone = usePageGone(list.error, filters.page);

  const switchSelected = (disabled: boolean) => {
    const ids = selection.ids;
    if (!ids.length) return;
    onNotice(null);
    remove.reset();
    update.mutate(
      { ids, disabled },
      {
        onSuccess: ({ updated }) => {
          selection.clear();
          onNotice(`${disabled ? "Disabled" : "Enabled"} ${plural(updated, "keyword")}.`);
        },
      },
    );
  };

  const deleteSelected = () => {
    const ids = selection.ids;
    onNotice(null);
    update.reset();
    remove.mutate(ids, {
      onSuccess: ({ deleted }) => {
        selection.clear();
        setConfirming(false);
        onNotice(`Deleted ${plural(deleted, "keyword")}.`);
      },
      onError: () => setConfirming(false),
    });
  };

  const filtered = isFiltered(filters);
  const data = list.data;

  return (
    <div className="kw-list">
      <FilterBar filters={filters} clusters={clusters} errors={filterErrors} onChange={setFilters} onClear={clearFilters} />
      {actionError && (
        <ErrorBanner
          title={remove.error ? "Nothing was deleted" : "Nothing was changed"}
          error={actionError}
          onDismiss={() => {
            update.reset();
            remove.reset();
          }}
        />
      )}
      {list.isPending ? (
        <Loading label="Loading keywords…" />
      ) : list.isError && !pageGone ? (
        <ErrorBanner
          title={list.error instanceof ApiError && list.error.status === 400 ? "Check the filters" : "Could not load keywords"}
          error={list.error}
          onRetry={() => void list.refetch()}
        />
      ) : !data ? (
        <Loading label="Loading keywords…" />
      ) : data.count === 0 ? (
        filtered ? (
          <EmptyState
            title="No keywords match these filters"
            action={
              <button type="button" className="btn" onClick={clearFilters}>
                Clear filters
              </button>
            }
          />
        ) : (
          <EmptyState
            title="No keywords yet"
            action={
              <div className="kw-empty-actions">
                <button type="button" className="btn btn-primary" onClick={() => onOpen("import")}>
                  Import CSV
                </button>
                <button type="button" className="btn" onClick={() => onOpen("paste")}>
                  Paste many
                </button>
              </div>
            }
          >
            Add the keywords you want {site.domain} to rank for; the pipeline clusters them and writes articles.
          </EmptyState>
        )
      ) : (
        <>
          <div className="toolbar" role="region" aria-label="Bulk actions">
            <span aria-live="polite" className="toolbar-count">
              {selection.ids.length === 0 ? "No rows selected" : `${selection.ids.length} selected`}
            </span>
            <div className="toolbar-actions kw-bulk-actions">
              {selection.ids.length > 0 && (
                <button type="button" className="btn btn-ghost btn-small" onClick={selection.clear}>
                  Clear selection
                </button>
              )}
              <button type="button" className="btn btn-small" disabled={!selection.ids.length || busy} onClick={() => switchSelected(true)}>
                Disable
              </button>
              <button type="button" className="btn btn-small" disabled={!selection.ids.length || busy} onClick={() => switchSelected(false)}>
                Enable
              </button>
              <button
                type="button"
                className="btn btn-small btn-danger"
                disabled={!selection.ids.length || busy}
                onClick={() => setConfirming(true)}
              >
                Delete…
              </button>
            </div>
          </div>
          <div className="table-wrap kw-table-wrap" aria-busy={list.isFetching}>
            <table className="table table-cards kw-table">
              <caption className="visually-hidden">
                Keywords of {site.domain}, page {filters.page}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="col-check">
                    <SelectAll checked={selection.all} mixed={selection.some} onChange={selection.toggleAll} />
                  </th>
                  <SortHeader field="text" label="Keyword" ordering={filters.ordering} onSort={setFilters} />
                  <SortHeader field="volume" label="Volume" ordering={filters.ordering} onSort={setFilters} numeric />
                  <SortHeader field="difficulty" label="Difficulty" ordering={filters.ordering} onSort={setFilters} numeric />
                  <SortHeader field="intent" label="Intent" ordering={filters.ordering} onSort={setFilters} />
                  <th scope="col">Cluster</th>
                  <SortHeader field="status" label="Status" ordering={filters.ordering} onSort={setFilters} />
                  <SortHeader field="created_at" label="Added" ordering={filters.ordering} onSort={setFilters} />
                </tr>
              </thead>
              <tbody>
                {rows.map((keyword) => (
                  <KeywordRow
                    key={keyword.id}
                    keyword={keyword}
                    site={site.id}
                    selected={selection.isSelected(keyword.id)}
                    onToggle={() => selection.toggle(keyword.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={filters.page}
            pageSize={PAGE_SIZE}
            count={data.count}
            onPage={(page) => setFilters({ page: page <= 1 ? null : String(page) })}
          />
        </>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${plural(selection.ids.length, "keyword")}?`}
        confirmLabel={remove.isPending ? "Deleting…" : "Delete"}
        busy={remove.isPending}
        onConfirm={deleteSelected}
        onCancel={() => setConfirming(false)}
      >
        <p>
          The selected keywords are removed from {site.domain} and from their clusters and ideas. This cannot be undone;
          disable them instead to keep them out of the pipeline.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function KeywordRow({
  keyword,
  site,
  selected,
  onToggle,
}: {
  keyword: Keyword;
  site: number;
  selected: boolean;
  onToggle: () => void;
}) {
  const classes = [selected ? "selected" : "", keyword.disabled ? "kw-disabled" : ""].filter(Boolean).join(" ");
  return (
    <tr className={classes || undefined} data-testid="keyword-row" data-keyword={keyword.text}>
      <td className="col-check">
        <input type="checkbox" checked={selected} onChange={onToggle} aria-label={`Select “${keyword.text}”`} />
      </td>
      <td className="kw-col-text">
        <span className="kw-text">{keyword.text}</span>
        {keyword.disabled && <Badge status="disabled" />}
      </td>
      <td className="num" data-label="Volume">
        {formatInteger(keyword.volume)}
      </td>
      <td className="num" data-label="Difficulty">
        {formatInteger(keyword.difficulty)}
      </td>
      <td data-label="Intent">{keyword.intent ? capitalize(keyword.intent) : "–"}</td>
      <td data-label="Cluster" className="kw-col-cluster">
        {keyword.cluster ? (
          <Link to={withSite("/keywords/clusters", site, { open: String(keyword.cluster) })}>{keyword.cluster_name}</Link>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td data-label="Status">
        <Badge status={keyword.status ?? "new"} />
      </td>
      <td data-label="Added" className="kw-col-added">
        {formatDateTime(keyword.created_at)}
      </td>
    </tr>
  );
}

function SortHeader({
  field,
  label,
  ordering,
  onSort,
  numeric,
}: {
  field: SortField;
  label: string;
  ordering: string;
  onSort: (changes: { ordering: string }) => void;
  numeric?: boolean;
}) {
  const direction = sortDirection(ordering, field);
  return (
    <th scope="col" aria-sort={direction} className={numeric ? "num" : undefined}>
      <button type="button" className="kw-sort" onClick={() => onSort({ ordering: nextOrdering(ordering, field) })}>
        {label}
        <span className="kw-sort-icon" aria-hidden="true">
          {direction === "ascending" ? "▲" : direction === "descending" ? "▼" : "↕"}
        </span>
      </button>
    </th>
  );
}

// --- filters -------------------------------------------------------------------------------------

function FilterBar({
  filters,
  clusters,
  errors,
  onChange,
  onClear,
}: {
  filters: KeywordFilters;
  clusters: readonly Cluster[];
  errors: Record<string, string[]>;
  onChange: (changes: Partial<Record<keyof KeywordFilters, string | null>>) => void;
  onClear: () => void;
}) {
  const id = useId();
  return (
    <div className="kw-filters" role="search" aria-label="Filter keywords">
      <div className="kw-filter kw-filter-search">
        <label htmlFor={`${id}-q`}>Search</label>
        <DebouncedInput
          id={`${id}-q`}
          type="search"
          placeholder="Keyword contains…"
          value={filters.search}
          onCommit={(value) => onChange({ search: value })}
        />
      </div>
      <div className="kw-filter">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={filters.status ?? ""} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">Any</option>
          {KEYWORD_STATUSES.map((status) => (
            <option key={status} value={status}>
              {capitalize(status)}
            </option>
          ))}
        </select>
      </div>
      <div className="kw-filter">
        <label htmlFor={`${id}-cluster`}>Cluster</label>
        <select id={`${id}-cluster`} value={filters.cluster ?? ""} onChange={(e) => onChange({ cluster: e.target.value })}>
          <option value="">Any</option>
          {clusters.map((cluster) => (
            <option key={cluster.id} value={cluster.id}>
              {cluster.name}
            </option>
          ))}
          {filters.cluster !== null && !clusters.some((c) => c.id === filters.cluster) && (
            <option value={filters.cluster}>Cluster {filters.cluster}</option>
          )}
        </select>
      </div>
      <div className="kw-filter">
        <label htmlFor={`${id}-intent`}>Intent</label>
        <select id={`${id}-intent`} value={filters.intent ?? ""} onChange={(e) => onChange({ intent: e.target.value })}>
          <option value="">Any</option>
          {KEYWORD_INTENTS.map((intent) => (
            <option key={intent} value={intent}>
              {capitalize(intent)}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="kw-filter kw-filter-range">
        <legend>Volume</legend>
        <div className="kw-range">
          <DebouncedInput
            id={`${id}-vmin`}
            inputMode="numeric"
            aria-label="Minimum volume"
            placeholder="min"
            value={filters.volumeMin}
            onCommit={(value) => onChange({ volumeMin: value.trim() })}
            invalid={errors.volume_min ? `${id}-vmin-error` : undefined}
          />
          <span aria-hidden="true">–</span>
          <DebouncedInput
            id={`${id}-vmax`}
            inputMode="numeric"
            aria-label="Maximum volume"
            placeholder="max"
            value={filters.volumeMax}
            onCommit={(value) => onChange({ volumeMax: value.trim() })}
            invalid={errors.volume_max ? `${id}-vmax-error` : undefined}
          />
        </div>
        <FieldError id={`${id}-vmin-error`} messages={errors.volume_min} />
        <FieldError id={`${id}-vmax-error`} messages={errors.volume_max} />
      </fieldset>
      <div className="kw-filter">
        <label htmlFor={`${id}-disabled`}>Enabled</label>
        <select
          id={`${id}-disabled`}
          value={filters.disabled === null ? "" : String(filters.disabled)}
          onChange={(e) => onChange({ disabled: e.target.value })}
        >
          <option value="">All</option>
          <option value="false">Enabled only</option>
          <option value="true">Disabled only</option>
        </select>
      </div>
      {isFiltered(filters) && (
        <button type="button" className="btn btn-ghost btn-small kw-clear" onClick={onClear}>
          Clear filters
        </button>
      )}
    </div>
  );
}

/** A text input that writes its value to the URL a moment after typing stops (and at once on Enter). */
function DebouncedInput({
  value,
  onCommit,
  invalid,
  ...props
}: {
  value: string;
  onCommit: (value: string) => void;
  invalid?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  const commit = useRef(onCommit);
  useEffect(() => {
    commit.current = onCommit;
  });
  // The URL changed from elsewhere (Clear filters, back button): show it.
  if (value !== committed.current) {
    committed.current = value;
    if (text !== value) setText(value);
  }
  useEffect(() => {
    if (text === committed.current) return;
    const timer = window.setTimeout(() => {
      committed.current = text;
      commit.current(text);
    }, 350);
    return () => window.clearTimeout(timer);
  }, [text]);
  return (
    <input
      {...props}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === "Enter" && text !== committed.current) {
          committed.current = text;
          commit.current(text);
        }
      }}
      aria-invalid={invalid ? true : undefined}
      aria-describedby={invalid}
    />
  );
}

function plural(n: number, word: string): string {
  return `${formatInteger(n)} ${n === 1 ? word : `${word}s`}`;
}
