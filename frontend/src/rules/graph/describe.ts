/** Conditions and params as short text for the graph's nodes. */

const HIDDEN_FACT_PARAMS = new Set(["stage", "handover_from", "enabled"]);

/** A few readable facts from params: `batch 20`, `drain`, `url: https://…`. */
export function paramFacts(params: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (HIDDEN_FACT_PARAMS.has(key)) continue;
    if (value === true) out.push(key.replace(/_/g, " "));
    else if (value === false || value === null || value === undefined || value === "") continue;
    else if (typeof value === "number") out.push(`${key.replace(/_/g, " ")} ${value}`);
    else if (typeof value === "string") out.push(`${key}: ${truncate(value, 40)}`);
    else if (Array.isArray(value)) out.push(`${key}: ${value.length} item${value.length === 1 ? "" : "s"}`);
    else out.push(`${key}: {…}`);
  }
  return out;
}

// --- conditions as text ---------------------------------------------------------------------------

const INFIX: Record<string, string> = { "==": "=", "===": "=", "!=": "≠", "!==": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤" };

/** `{"and": [{">": [{"var": "object.volume"}, 1000]}, …]}` → `object.volume > 1000 and …`. */
export function describeLogic(logic: unknown, max = 200): string {
  return truncate(text(logic, true), max);
}

function text(node: unknown, top = false): string {
  if (node === null) return "null";
  if (typeof node === "string") return JSON.stringify(node);
  if (typeof node !== "object") return String(node);
  if (Array.isArray(node)) return `[${node.map((n) => text(n)).join(", ")}]`;
  const [op, raw] = Object.entries(node)[0] ?? ["", []];
  const args = Array.isArray(raw) ? raw : [raw];
  if (op === "var") return String(args[0] ?? "");
  if (op === "and" || op === "or") {
    const inner = args.map((a) => text(a)).join(` ${op} `);
    return top ? inner : `(${inner})`;
  }
  if (op === "!") return `not ${text(args[0])}`;
  if (op === "!!") return `${text(args[0])} is set`;
  if (op in INFIX && args.length === 2) return `${text(args[0])} ${INFIX[op]} ${text(args[1])}`;
  if ((op === "<" || op === "<=") && args.length === 3) return `${text(args[1])} between ${text(args[0])} and ${text(args[2])}`;
  if (op === "in" && args.length === 2) {
    return Array.isArray(args[1]) ? `${text(args[0])} in ${text(args[1])}` : `${text(args[1])} contains ${text(args[0])}`;
  }
  return `${op}(${args.map((a) => text(a)).join(", ")})`;
}

export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
