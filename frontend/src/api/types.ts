/** Friendly names for the generated OpenAPI schema types (never hand-written shapes). */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Me = Schemas["Me"];
export type Account = Schemas["Account"];
export type Site = Schemas["Site"];
export type Content = Schemas["Content"];
export type ContentStatus = Schemas["ContentStatusEnum"];
export type ContentPage = Schemas["PaginatedContentList"];
export type Credits = Schemas["Credits"];
export type BulkApproveResponse = Schemas["BulkApproveResponse"];
/** The fields a person edits in the article reader (PATCH /content/{id}/). */
export type ContentEdit = Pick<
  Schemas["PatchedContentRequest"],
  "title" | "html_content" | "excerpt" | "meta_title" | "meta_description" | "primary_keyword"
>;
/** WordPress publishing: "" (never asked), queued, published or failed. */
export type PublishStatus = Content["publish_status"];
/** The WordPress post status asked for: "draft" or "publish". */
export type PostStatus = Exclude<NonNullable<Content["post_status"]>, "">;
export type Image = Schemas["Image"];
export type ImageKind = Schemas["ImageKindEnum"];
export type ImageStatus = Schemas["ImageStatusEnum"];

/** The content statuses in pipeline order (the tabs of the review list). */
export const CONTENT_STATUSES = ["draft", "review", "approved", "published"] as const satisfies readonly ContentStatus[];
