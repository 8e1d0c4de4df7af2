/** Friendly names for the schema types the Keywords and Clusters screens use (generated, never hand-written). */
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type Keyword = Schemas["Keyword"];
export type KeywordPage = Schemas["PaginatedKeywordList"];
export type KeywordIntent = Schemas["IntentEnum"];
export type KeywordStatus = Schemas["KeywordStatusEnum"];
export type KeywordBulkResult = Schemas["KeywordBulkResult"];
export type KeywordImportPreview = Schemas["KeywordImportPreview"];
export type KeywordImportPreviewRow = Schemas["KeywordImportPreviewRow"];
export type KeywordRowError = Schemas["KeywordRowError"];
export type Cluster = Schemas["Cluster"];
export type ClusterPage = Schemas["PaginatedClusterList"];
export type ClusterMembers = Schemas["ClusterMembers"];
export type IdeaStatus = Schemas["IdeaStatusEnum"];

export const KEYWORD_STATUSES = ["new", "mapped"] as const satisfies readonly KeywordStatus[];
export const KEYWORD_INTENTS = [
  "informational",
  "navigational",
  "commercial",
  "transactional",
] as const satisfies readonly KeywordIntent[];
