/**
 * The article reader (`/content/:contentId`): the article as it will be published (sandboxed), its
 * images, SEO and WordPress panels; Approve, Reject with a note, Re-generate, Publish / Update post;
 * Edit (title, body, excerpt, meta fields, keyword) in a lazily loaded editor with a live preview.
 */
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import {
  useApproveContent,
  useContent,
  useContentImages,
  usePublishContent,
  useRegenerateContent,
  useRejectContent,
} from "../api/queries";
import type { Content, PostStatus } from "../api/types";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatDateTime, formatInteger } from "../shell/format";
import { CheckIcon } from "../shell/icons";
import { SITE_PARAM, useSites, withSite } from "../shell/site";
import { EmptyState, Loading } from "../shell/states";
import { usePageTitle } from "../shell/usePageTitle";
import "./content.css";
import { ImagesPanel } from "./ImagesPanel";
import { canPublish, canRegenerate, canReject, publishActionLabel } from "./publish";
import { PublishDialog } from "./PublishDialog";
import { PublishPanel } from "./PublishPanel";
import { RejectDialog } from "./RejectDialog";
import { SeoPanel } from "./SeoPanel";
import { ArticleFrame, StatusBadge, STATUS_LABELS } from "./ui";

// CodeMirror and the editor load only when someone presses Edit.
const ContentEditor = lazy(() => import("./ContentEditor"));

/** `/content/12` → 12; anything else is no content id at all. */
export function parseContentId(value: string | undefined): number | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export default function ContentReaderPage() {
  const id = parseContentId(useParams().contentId);
  if (id === null) return <NotFound />;
  return <Reader key={id} id={id} />;
}

function NotFound() {
  const { site } = useSites();
  usePageTitle("Content not found");
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">Content not found</h1>
      </header>
      <EmptyState
        title="Content not found"
        action={
          <Link className="btn" to={withSite("/content", site?.id)}>
            Back to content
          </Link>
        }
      >
        It does not exist, was deleted, or belongs to another account.
      </EmptyState>
    </section>
  );
}

function Reader({ id }: { id: number }) {
  const query = useContent(id);
  usePageTitle(query.data?.title ?? "Article");
  useFollowSite(query.data);

  if (query.isPending) return <Loading label="Loading the article…" />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) return <NotFound />;
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Article</h1>
        </header>
        <ErrorBanner title="Could not load the article" error={query.error} onRetry={() => void query.refetch()} />
      </section>
    );
  }
  return <Article item={query.data} />;
}

/**
 * The shell's site follows the article: a link without (or with another) `?site=` shows the
 * article's own site; choosing another site in the header afterwards goes to that site's list.
 */
function useFollowSite(item: Content | undefined) {
  const { site } = useSites();
  const [, setParams] = useSearchParams();
  const navigate = useNavigate();
  const aligned = useRef(false);
  const itemSite = item?.site;
  const siteId = site?.id;
  useEffect(() => {
    if (itemSite === undefined || siteId === undefined) return;
    if (itemSite === siteId) {
      aligned.current = true;
      return;
    }
    if (!aligned.current) {
      aligned.current = true;
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set(SITE_PARAM, String(itemSite));
          return next;
        },
        { replace: true },
      );
      return;
    }
    navigate(withSite("/content", siteId));
  }, [itemSite, siteId, setParams, navigate]);
}

type Dialogs = "reject" | "publish" | null;

function Article({ item }: { item: Content }) {
  const [mode, setMode] = useState<"read" | "edit">("read");
  const [dialog, setDialog] = useState<Dialogs>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  // The button that was pressed may be gone (Approve after approving, Reject after rejecting):
  // focus moves to the notice that says what happened.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  const approve = useApproveContent();
  const reject = useRejectContent();
  const regenerate = useRegenerateContent();
  const publish = usePublishContent();
  const images = useContentImages(item.id);
  const featured = images.data?.find((image) => image.kind === "featured" && image.file_url);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const actionError = approve.error ?? regenerate.error ?? (dialog === "publish" ? null : publish.error);
  const status = item.status ?? "draft";
  const listLink = withSite("/content", item.site, { status });

  const resetActions = () => {
    setNotice(null);
    approve.reset();
    regenerate.reset();
    publish.reset();
  };

  const doApprove = () => {
    resetActions();
    approve.mutate(item.id, { onSuccess: () => setNotice("Approved: it is ready to publish.") });
  };
  const doRegenerate = () => {
    resetActions();
    regenerate.mutate(item.id, {
      onSuccess: () => setNotice("Re-queued: the pipeline's next run re-writes this article, with the reviewer's note."),
    });
  };
  const doPublish = (postStatus: PostStatus) => {
    setNotice(null);
    publish.mutate(
      { id: item.id, postStatus },
      {
        onSuccess: () => {
          setDialog(null);
          setNotice(null);
        },
      },
    );
  };

  if (mode === "edit") {
    return (
      <section className="page ct-reader" aria-labelledby="page-title">
        <Suspense fallback={<Loading label="Loading the editor…" />}>
          <ContentEditor
            item={item}
            onDone={(saved) => {
              setMode("read");
              setNotice(saved ? "Saved." : null);
              if (!saved) requestAnimationFrame(() => headingRef.current?.focus());
            }}
          />
        </Suspense>
      </section>
    );
  }

  return (
    <section className="page ct-reader" aria-labelledby="page-title">
      <nav className="ct-crumbs" aria-label="Breadcrumb">
        <Link to={listLink}>← {STATUS_LABELS[status]} content</Link>
      </nav>
      <header className="page-header ct-reader-header">
        <div className="ct-title-block">
          <h1 id="page-title" ref={headingRef} tabIndex={-1}>
            {item.title}
          </h1>
          <p className="ct-byline muted">
            <StatusBadge status={status} />
            <span>{formatInteger(item.word_count)} words</span>
            <span>Updated {formatDateTime(item.updated_at)}</span>
          </p>
        </div>
        <div className="ct-actions" role="group" aria-label="Article actions">
          <button
            type="button"
            className="btn"
            onClick={() => {
              resetActions();
              setMode("edit");
            }}
          >
            Edit
          </button>
          {canReject(item) && (
            <button type="button" className="btn btn-danger-ghost" onClick={() => setDialog("reject")}>
              Reject…
            </button>
          )}
          {canRegenerate(item) && (
            <button type="button" className="btn" disabled={regenerate.isPending} onClick={doRegenerate}>
              {regenerate.isPending ? "Re-queuing…" : "Re-generate"}
            </button>
          )}
          {status === "review" && (
            <button type="button" className="btn btn-primary" disabled={approve.isPending} onClick={doApprove}>
              {approve.isPending ? "Approving…" : "Approve"}
            </button>
          )}
          {canPublish(item) && (
            <button
              type="button"
              className="btn btn-primary"
              disabled={publish.isPending || item.publish_status === "queued"}
              onClick={() => {
                publish.reset();
                setDialog("publish");
              }}
            >
              {publishActionLabel(item)}…
            </button>
          )}
        </div>
      </header>

      {item.review_note && (
        <div className="ct-note" role="note" data-testid="review-note">
          <strong>Rejected:</strong> <span>{item.review_note}</span>
        </div>
      )}
      {actionError && <ErrorBanner title="That did not work" error={actionError} onDismiss={resetActions} />}
      {notice && (
        <div className="banner banner-success" role="status" ref={noticeRef} tabIndex={-1}>
          <span className="banner-icon">
            <CheckIcon />
          </span>
          <div className="banner-body">
            <p>{notice}</p>
          </div>
        </div>
      )}

      <div className="ct-layout">
        <article className="ct-article" aria-label="Article preview">
          {featured?.file_url && (
            <img className="ct-featured" src={featured.file_url} alt={featured.prompt || item.title} />
          )}
          {item.excerpt && <p className="ct-excerpt">{item.excerpt}</p>}
          {item.html_content?.trim() ? (
            <ArticleFrame html={item.html_content} title={`Article: ${item.title}`} />
          ) : (
            <p className="muted">This article has no body yet.</p>
          )}
        </article>
        <aside className="ct-side" aria-label="Article details">
          <PublishPanel
            item={item}
            pending={publish.isPending}
            onRetry={() => doPublish((item.post_status || "publish") as PostStatus)}
          />
          <SeoPanel
            primaryKeyword={item.primary_keyword ?? ""}
            wordCount={item.word_count}
            metaTitle={item.meta_title ?? ""}
            metaDescription={item.meta_description ?? ""}
          />
          <ImagesPanel contentId={item.id} />
        </aside>
      </div>

      <RejectDialog
        open={dialog === "reject"}
        what={`“${item.title}”`}
        pending={reject.isPending}
        error={reject.error}
        onClose={() => {
          setDialog(null);
          reject.reset();
        }}
        onSubmit={(note) =>
          reject.mutate(
            { id: item.id, note },
            {
              onSuccess: () => {
                setDialog(null);
                setNotice("Rejected: it is back in Draft with your note.");
              },
            },
          )
        }
      />
      <PublishDialog
        key={item.post_status}
        open={dialog === "publish"}
        title={`${publishActionLabel(item)}: “${item.title}”`}
        action={publishActionLabel(item)}
        siteId={item.site}
        initialStatus={(item.post_status || "publish") as PostStatus}
        pending={publish.isPending}
        error={publish.error}
        onClose={() => {
          setDialog(null);
          publish.reset();
        }}
        onSubmit={doPublish}
      />
    </section>
  );
}
