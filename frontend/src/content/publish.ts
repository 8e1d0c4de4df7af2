/** Publishing states of a content item as the list and the reader show them. Pure. */
import type { Content } from "../api/types";

export type PublishTone = "none" | "pending" | "success" | "danger";

export interface PublishState {
  kind: "unpublished" | "queued" | "published" | "failed";
  /** A short badge text: "Queued", "Published", "Failed". */
  label: string;
  tone: PublishTone;
  /** A sentence for the reader's publish panel. */
  detail: string;
  url: string | null;
  error: string | null;
}

type PublishFields = Pick<Content, "status" | "external_url" | "publish_status" | "publish_error" | "post_status">;

export function postStatusLabel(postStatus: string | null | undefined): string {
  return postStatus === "draft" ? "a draft in WordPress" : "live on the site";
}

export function publishState(item: PublishFields): PublishState {
  const url = item.external_url || null;
  switch (item.publish_status) {
    case "queued":
      return {
        kind: "queued",
        label: "Queued",
        tone: "pending",
        detail: "Queued: sending it to WordPress…",
        url,
        error: null,
      };
    case "failed":
      return {
        kind: "failed",
        label: "Failed",
        tone: "danger",
        detail: "Publishing failed.",
        url,
        error: item.publish_error || "The publish task failed without a reason.",
      };
    case "published":
      return {
        kind: "published",
        label: item.post_status === "draft" ? "WordPress draft" : "Published",
        tone: "success",
        detail: `Published as ${postStatusLabel(item.post_status)}.`,
        url,
        error: null,
      };
    default:
      if (item.status === "published" || url) {
        return { kind: "published", label: "Published", tone: "success", detail: "Published.", url, error: null };
      }
      return { kind: "unpublished", label: "Not published", tone: "none", detail: "Not published yet.", url: null, error: null };
  }
}

/** Only approved or published content can be sent to WordPress. */
export function canPublish(item: Pick<Content, "status">): boolean {
  return item.status === "approved" || item.status === "published";
}

/** "Update post" once a post exists (publishing again updates the same post), "Publish" before. */
export function publishActionLabel(item: Pick<Content, "status" | "external_url" | "external_id">): string {
  return item.status === "published" || Boolean(item.external_url) || Boolean(item.external_id) ? "Update post" : "Publish";
}

/** Content that may be sent back to draft with a note. */
export function canReject(item: Pick<Content, "status">): boolean {
  return item.status === "review" || item.status === "approved";
}

/** A draft with a writing task can be re-written by re-queuing its task. */
export function canRegenerate(item: Pick<Content, "status" | "task">): boolean {
  return item.status === "draft" && item.task !== null && item.task !== undefined;
}

export const REJECT_NOTE_MAX = 2000;
