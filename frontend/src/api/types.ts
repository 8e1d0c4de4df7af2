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

/** The content statuses in pipeline order (the tabs of the review list). */
export const CONTENT_STATUSES = ["draft", "review", "approved", "published"] as const satisfies readonly ContentStatus[];
