import { describe, expect, it } from "vitest";

import { content } from "../test/utils";
import { canPublish, canRegenerate, canReject, postStatusLabel, publishActionLabel, publishState } from "./publish";

describe("publishState", () => {
  it("is 'not published' for content never sent", () => {
    expect(publishState(content(1, { status: "approved" }))).toMatchObject({ kind: "unpublished", label: "Not published", url: null });
  });

  it("is queued while the publish task runs", () => {
    expect(publishState(content(1, { status: "approved", publish_status: "queued" }))).toMatchObject({
      kind: "queued",
      label: "Queued",
      tone: "pending",
      detail: "Queued: sending it to WordPress…",
    });
  });

  it("is published with the post link and the post status", () => {
    const live = content(1, {
      status: "published",
      publish_status: "published",
      post_status: "publish",
      external_url: "https://blog.example.com/cold-brew/",
    });
    expect(publishState(live)).toMatchObject({
      kind: "published",
      label: "Published",
      tone: "success",
      detail: "Published as live on the site.",
      url: "https://blog.example.com/cold-brew/",
    });
    const draft = { ...live, post_status: "draft" as const };
    expect(publishState(draft)).toMatchObject({ label: "WordPress draft", detail: "Published as a draft in WordPress." });
  });

  it("is failed with the reason (or a fallback) and keeps an earlier post link", () => {
    const failed = content(1, {
      status: "approved",
      publish_status: "failed",
      publish_error: "WordPress refused the application password (401).",
    });
    expect(publishState(failed)).toMatchObject({
      kind: "failed",
      label: "Failed",
      tone: "danger",
      error: "WordPress refused the application password (401).",
      url: null,
    });
    expect(publishState({ ...failed, publish_error: "" }).error).toBe("The publish task failed without a reason.");
    expect(publishState({ ...failed, external_url: "https://blog.example.com/p/" }).url).toBe("https://blog.example.com/p/");
  });

  it("treats published content from before the publish fields as published", () => {
    expect(publishState(content(1, { status: "published", external_url: "https://x.example/p" }))).toMatchObject({
      kind: "published",
      url: "https://x.example/p",
    });
  });
});

describe("labels and permissions", () => {
  it("says Update post once a post exists", () => {
    expect(publishActionLabel(content(1, { status: "approved" }))).toBe("Publish");
    expect(publishActionLabel(content(1, { status: "published" }))).toBe("Update post");
    expect(publishActionLabel(content(1, { status: "approved", external_id: "41" }))).toBe("Update post");
    expect(postStatusLabel("draft")).toBe("a draft in WordPress");
    expect(postStatusLabel("publish")).toBe("live on the site");
  });

  it("allows each action only from the statuses the API accepts", () => {
    expect(["draft", "review", "approved", "published"].map((status) => canPublish({ status: status as never }))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(["draft", "review", "approved", "published"].map((status) => canReject({ status: status as never }))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(canRegenerate({ status: "draft", task: 4 })).toBe(true);
    expect(canRegenerate({ status: "draft", task: null })).toBe(false);
    expect(canRegenerate({ status: "review", task: 4 })).toBe(false);
  });
});
