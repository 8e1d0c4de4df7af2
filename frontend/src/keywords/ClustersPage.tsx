/** Clusters of the chosen site with their counts; each opens to its keywords, ideas and articles. */
import { useEffect, useId, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";

import type { Site } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { Pagination, parsePage, usePageGone } from "../shell/table";
import { usePageTitle } from "../shell/usePageTitle";
import { useClusterList, useClusterMembers } from "./api";
import { capitalize } from "./forms";
import type { Cluster } from "./types";
import { Badge, KeywordTabs } from "./ui";

import "./keywords.css";

export const PAGE_SIZE = 20;

const SORTS = [
  { value: "name", label: "Name" },
  { value: "-keywords_count", label: "Most keywords" },
  { value: "-content_count", label: "Most articles" },
  { value: "-created_at", label: "Newest" },
] as const;

export default function ClustersPage() {
  const { site } = useSites();
  usePageTitle("Clusters");
  return (
    <section className="page kw-page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">Clusters</h1>
          <p className="muted">
            {site
              ? `Topics the pipeline grouped ${site.domain}'s keywords into, with the ideas and articles made from them.`
              : "Keywords belong to a site."}
          </p>
        </div>
      </header>
      {site ? (
        <>
          <KeywordTabs site={site.id} current="clusters" />
          <ClusterList key={site.id} site={site} />
        </>
      ) : (
        <EmptyState title="No site yet" action={<Link to="/sites">Add a site</Link>}>
          Add a site first.
        </EmptyState>
      )}
    </section>
  );
}

function ClusterList({ site }: { site: Site }) {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const page = parsePage(params.get("page"));
  const ordering = SORTS.some((s) => s.value === params.get("sort")) ? (params.get("sort") as string) : "name";
  const search = params.get("q") ?? "";
  const openId = Number(params.get("open")) || null;
  const [searchText, setSearchText] = useState(search);
  const list = useClusterList({ site: site.id, ordering, page, page_size: PAGE_SIZE, search: search || undefined });

  const set = (changes: Record<string, string | null>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
      }
      if (!("page" in changes)) next.delete("page");
      return next;
    });

  const pageGone = usePageGone(list.error, page);

  const data = list.data;
  return (
    <div className="kw-list">
      <form
        className="kw-filters"
        role="search"
        aria-label="Find clusters"
        onSubmit={(event) => {
          event.preventDefault();
          set({ q: searchText.trim() });
        }}
      >
        <div className="kw-filter kw-filter-search">
          <label htmlFor={`${id}-q`}>Search</label>
          <input id={`${id}-q`} type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} placeholder="Cluster name…" />
        </div>
        <button type="submit" className="btn kw-filter-submit">
          Search
        </button>
        <div className="kw-filter">
          <label htmlFor={`${id}-sort`}>Sort by</label>
          <select id={`${id}-sort`} value={ordering} onChange={(e) => set({ sort: e.target.value === "name" ? null : e.target.value })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {list.isPending ? (
        <Loading label="Loading clusters…" />
      ) : list.isError && !pageGone ? (
        <ErrorBanner title="Could not load clusters" error={list.error} onRetry={() => void list.refetch()} />
      ) : !data ? (
        <Loading label="Loading clusters…" />
      ) : data.count === 0 ? (
        search ? (
          <EmptyState title={`No cluster matches “${search}”`}>Try another name.</EmptyState>
        ) : (
          <EmptyState title="No clusters yet" action={<Link to={withSite("/keywords", site.id)}>Go to keywords</Link>}>
            The pipeline's first stage groups the site's keywords into clusters. Add keywords and run the automation.
          </EmptyState>
        )
      ) : (
        <>
          <ul className="kw-clusters" aria-busy={list.isFetching}>
            {data.results.map((cluster) => (
              <ClusterCard key={cluster.id} cluster={cluster} site={site.id} initiallyOpen={cluster.id === openId} />
            ))}
          </ul>
          <Pagination page={page} pageSize={PAGE_SIZE} count={data.count} onPage={(p) => set({ page: p <= 1 ? null : String(p) })} />
        </>
      )}
    </div>
  );
}

function ClusterCard({ cluster, site, initiallyOpen }: { cluster: Cluster; site: number; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const panelId = useId();
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (initiallyOpen) ref.current?.scrollIntoView({ block: "nearest" });
  }, [initiallyOpen]);
  return (
    <li ref={ref} className="kw-cluster" data-testid="cluster-card" data-cluster={cluster.name}>
      <div className="kw-cluster-head">
        <h2 className="kw-cluster-name">
          <button type="button" className="kw-cluster-toggle" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
            <span className="kw-chevron" aria-hidden="true">
              {open ? "▾" : "▸"}
            </span>
            {cluster.name}
          </button>
        </h2>
        <Badge status={cluster.status ?? "new"} />
        <dl className="kw-counts">
          <div>
            <dt>Keywords</dt>
            <dd data-testid="keywords-count">{formatInteger(cluster.keywords_count)}</dd>
          </div>
          <div>
            <dt>Ideas</dt>
            <dd data-testid="ideas-count">{formatInteger(cluster.ideas_count)}</dd>
          </div>
          <div>
            <dt>Articles</dt>
            <dd data-testid="content-count">{formatInteger(cluster.content_count)}</dd>
          </div>
        </dl>
      </div>
      {cluster.description && <p className="muted small kw-cluster-description">{cluster.description}</p>}
      <div id={panelId} hidden={!open}>
        {open && <Members cluster={cluster} site={site} />}
      </div>
    </li>
  );
}

function Members({ cluster, site }: { cluster: Cluster; site: number }) {
  const members = useClusterMembers(cluster.id, true);
  if (members.isPending) return <Loading label={`Loading ${cluster.name}…`} />;
  if (members.isError) {
    return <ErrorBanner title="Could not load this cluster" error={members.error} onRetry={() => void members.refetch()} />;
  }
  const { keywords, ideas, articles, limit } = members.data;
  const more = (shown: number, total: number) =>
    shown >= limit && total > shown ? <p className="muted small">Showing {formatInteger(shown)} of {formatInteger(total)}.</p> : null;
  return (
    <div className="kw-members">
      <section aria-label={`Keywords of ${cluster.name}`}>
        <h3>Keywords</h3>
        {keywords.length === 0 ? (
          <p className="muted small">No keywords.</p>
        ) : (
          <ul className="kw-member-list">
            {keywords.map((k) => (
              <li key={k.id} className={k.disabled ? "kw-disabled" : undefined}>
                <span className="kw-member-title">{k.text}</span>
                <span className="muted small">
                  {formatInteger(k.volume)} vol · {capitalize(k.intent ?? "informational")}
                </span>
                <span className="kw-member-badges">
                  {k.disabled && <Badge status="disabled" />}
                  <Badge status={k.status ?? "new"} />
                </span>
              </li>
            ))}
          </ul>
        )}
        {more(keywords.length, cluster.keywords_count)}
        <Link className="small" to={withSite("/keywords", site, { cluster: String(cluster.id) })}>
          Open in the keyword list
        </Link>
      </section>
      <section aria-label={`Ideas of ${cluster.name}`}>
        <h3>Ideas</h3>
        {ideas.length === 0 ? (
          <p className="muted small">No ideas yet.</p>
        ) : (
          <ul className="kw-member-list">
            {ideas.map((idea) => (
              <li key={idea.id}>
                <span className="kw-member-title">{idea.title}</span>
                <span className="kw-member-badges">
                  <Badge status={idea.status ?? "new"} />
                </span>
              </li>
            ))}
          </ul>
        )}
        {more(ideas.length, cluster.ideas_count)}
      </section>
      <section aria-label={`Articles of ${cluster.name}`}>
        <h3>Articles</h3>
        {articles.length === 0 ? (
          <p className="muted small">No articles yet.</p>
        ) : (
          <ul className="kw-member-list">
            {articles.map((article) => (
              <li key={article.id}>
                <Link className="kw-member-title" to={withSite(`/content/${article.id}`, site)}>
                  {article.title}
                </Link>
                <span className="kw-member-badges">
                  <Badge status={article.status} />
                </span>
              </li>
            ))}
          </ul>
        )}
        {more(articles.length, cluster.content_count)}
      </section>
    </div>
  );
}
