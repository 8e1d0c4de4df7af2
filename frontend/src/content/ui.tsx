/** Small building blocks of the content screens: badges, the article frame. */
import { useCallback, useContext, useEffect, useRef, useState } from "react";

import type { ContentStatus } from "../api/types";
import { Pill } from "../shell/Pill";
import { ThemeContext } from "../shell/theme";
import { ARTICLE_SANDBOX, articleDocument } from "./articleDoc";
import type { PublishState } from "./publish";

export const STATUS_LABELS: Record<ContentStatus, string> = {
  draft: "Draft",
  review: "Review",
  approved: "Approved",
  published: "Published",
};

// --- badges --------------------------------------------------------------------------------------

export function StatusBadge({ status }: { status: ContentStatus }) {
  return <Pill className={`ct-badge ct-badge-${status}`}>{STATUS_LABELS[status]}</Pill>;
}

export function PublishBadge({ state }: { state: PublishState }) {
  return (
    <Pill className={`ct-badge ct-publish-${state.tone}`} data-testid="publish-badge">
      {state.kind === "queued" && <span className="ct-dot" aria-hidden="true" />}
      {state.label}
    </Pill>
  );
}

// --- the article, sandboxed ----------------------------------------------------------------------

/**
 * The article HTML in an iframe sandboxed without `allow-scripts`: whatever the stored HTML holds
 * (a `<script>`, an `onerror=`), nothing in it runs. `allow-same-origin` (without scripts it grants
 * the frame nothing) lets the page read the document's height so the frame never scrolls itself.
 */
export function ArticleFrame({ html, title }: { html: string; title: string }) {
  const { theme } = useContext(ThemeContext);
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(240);

  // The body's own height (not the document's scrollHeight, which is never less than the frame): the
  // frame follows its content both ways, e.g. when the preview's HTML gets shorter.
  const measure = useCallback(() => {
    const body = ref.current?.contentDocument?.body;
    if (!body) return;
    const next = Math.ceil(body.getBoundingClientRect().height);
    if (next > 0) setHeight(next);
  }, []);

  useEffect(() => {
    const frame = ref.current;
    if (!frame) return;
    let observer: ResizeObserver | null = null;
    const onLoad = () => {
      measure();
      observer?.disconnect();
      const body = frame.contentDocument?.body;
      if (body && typeof ResizeObserver === "function") {
        observer = new ResizeObserver(measure);
        observer.observe(body);
      }
    };
    frame.addEventListener("load", onLoad);
    window.addEventListener("resize", measure);
    if (frame.contentDocument?.readyState === "complete") onLoad();
    return () => {
      frame.removeEventListener("load", onLoad);
      window.removeEventListener("resize", measure);
      observer?.disconnect();
    };
  }, [measure]);

  return (
    <iframe
      ref={ref}
      className="ct-article-frame"
      title={title}
      sandbox={ARTICLE_SANDBOX}
      srcDoc={articleDocument(html, theme)}
      referrerPolicy="no-referrer"
      style={{ height }}
      data-testid="article-frame"
    />
  );
}
