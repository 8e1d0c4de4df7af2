/** A saved event rule as the API returns it, for the rules screens' tests (override what a test is about). */
import type { Rule } from "./types";

export function savedRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: 5,
    name: "Big keywords",
    description: "",
    site: 1,
    is_active: true,
    is_shadow: false,
    shadow_summary: null,
    mode: "queued",
    max_runs: 10,
    mode_scope: "rule",
    allow_self_trigger: false,
    budget_per_run: null,
    trigger: { type: "event", event: "keyword.created", fields: [] },
    conditions: { ">": [{ var: "object.volume" }, 1000] },
    actions: [{ type: "log", params: { message: "big" }, on_error: "stop" }],
    version: 2,
    preset_key: "",
    execution_count: 0,
    last_executed_at: null,
    next_run_at: null,
    trigger_summary: "on keyword.created",
    schedule: null,
    webhook_url: null,
    last_run: null,
    credential_names: [],
    warnings: {},
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  } as Rule;
}
