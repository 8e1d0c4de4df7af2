/** Friendly names for the Credits screen's schema types (generated from the OpenAPI schema). */
import type { components } from "../api/schema";

export type LedgerRow = components["schemas"]["CreditTransaction"];
export type LedgerKind = LedgerRow["kind"];
export type LedgerPage = components["schemas"]["PaginatedCreditTransactionList"];
export type Budget = components["schemas"]["Budget"];
export type Usage = components["schemas"]["Usage"];
export type UsageDay = components["schemas"]["UsageDay"];
export type UsageStage = components["schemas"]["UsageStage"];
