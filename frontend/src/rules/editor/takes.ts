/**
 * Which items an item action will take, in words, from its params (issue 14: "its params form says which items
 * it will take"): the triggering object, an earlier step's output, named ids, or the site's queue.
 */
import type { JsonSchema } from "../types";

export function takesSummary(schema: JsonSchema, params: Record<string, unknown>): string | null {
  if (!schema.properties || !("items" in schema.properties)) return null; // not an item action
  const items = params.items;
  if (items === "trigger") return "the object that triggered the run (skipped when it is of another kind)";
  if (Array.isArray(items)) return `these ${items.length} item${items.length === 1 ? "" : "s"}: ${items.slice(0, 5).join(", ")}${items.length > 5 ? ", …" : ""}`;
  if (items && typeof items === "object") {
    const path = (items as { var?: unknown }).var;
    const step = typeof path === "string" ? /^steps\.([^.]+)\.output\.(.+)$/.exec(path) : null;
    if (step) return `the ${step[2]} of step ${step[1]}'s output, read when this step starts`;
    if (typeof path === "string") return `the list at ${path}, read when this step starts`;
    return "the list this expression gives when the step starts";
  }
  const ids = params.ids;
  if (Array.isArray(ids) && ids.length) return `these ${ids.length} item${ids.length === 1 ? "" : "s"}`;
  if (params.drain === true) return "the site's queue, batch after batch until it is empty";
  const limit = typeof params.limit === "number" ? params.limit : null;
  return limit ? `up to ${limit} items waiting in the site's queue` : "the items waiting in the site's queue (its default batch)";
}
