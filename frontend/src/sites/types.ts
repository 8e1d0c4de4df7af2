/** Friendly names for the schema types the Sites and Settings screens use. */
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type SiteWithStatus = Schemas["SiteWithStatus"];
export type SiteAutomation = Schemas["SiteAutomation"];
export type RunSummary = Schemas["RunSummary"];
export type SiteWordPress = Schemas["SiteWordPress"];
export type Integration = Schemas["Integration"];
export type ConnectionCheck = Schemas["ConnectionCheck"];
export type SiteInput = Schemas["SiteWithStatusRequest"];
