/**
 * The automation screens' query keys (their hooks are in queries.ts). A module of its own so the rule
 * screens can refresh the dashboard when they change the site's pipeline rule, without loading its hooks.
 */
export type CountKind = "keywords" | "clusters" | "ideas" | "content" | "images";

export const automationKeys = {
  all: ["automation"] as const,
  site: (site: number) => ["automation", site] as const,
  config: (site: number) => ["automation", site, "config"] as const,
  currentRun: (site: number) => ["automation", site, "current_run"] as const,
  estimate: (site: number) => ["automation", site, "estimate"] as const,
  pipeline: (site: number) => ["automation", site, "pipeline_overview"] as const,
  overview: (site: number) => ["automation", site, "overview_stats"] as const,
  history: (site: number, page: number, pageSize: number) => ["automation", site, "history", page, pageSize] as const,
  counts: (site: number) => ["automation", site, "counts"] as const,
  count: (site: number, kind: CountKind, status: string) => ["automation", site, "counts", kind, status] as const,
  logs: (runId: string, lines: number) => ["automation", "logs", runId, lines] as const,
  runs: ["automation", "run"] as const,
  runDetail: (runId: string) => ["automation", "run", runId] as const,
  runLog: (runId: string) => ["automation", "run", runId, "log"] as const,
};
