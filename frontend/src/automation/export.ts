/** Export a run as CSV (one row per stage) or JSON (the run_detail/ answer), downloaded in the browser. */
import { createdCount } from "./progress";
import { stageInfo } from "./stages";
import type { RunDetail } from "./types";

export const CSV_COLUMNS = [
  "run_id",
  "run_title",
  "stage",
  "name",
  "type",
  "status",
  "input_count",
  "output_count",
  "created",
  "credits_used",
  "time_elapsed_seconds",
  "started_at",
  "ended_at",
  "batches",
  "errors",
] as const;

/** Spreadsheets run a cell that starts with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet shows as text: a leading `'` defuses a formula (OWASP); numbers cannot carry one. */
export function neutralise(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return typeof value !== "number" && FORMULA_START.test(text) ? `'${text}` : text;
}

/** One RFC 4180 cell, neutralised first. */
function cell(value: unknown): string {
  const text = neutralise(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV: a header, then one row per stage with its main numbers; no cell runs as a formula. */
export function runToCsv(detail: RunDetail): string {
  const rows = detail.stages.map((stage) => {
    const result = stage.result;
    const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      run_id: detail.run.run_id,
      run_title: detail.run.run_title,
      stage: stage.number,
      name: stage.name,
      type: stage.type,
      status: stage.status,
      input_count: result.input_count,
      output_count: result.output_count,
      created: createdCount(result, stageInfo(stage.number)),
      credits_used: result.credits_used,
      time_elapsed_seconds: result.time_elapsed_seconds,
      started_at: result.started_at ?? "",
      ended_at: result.ended_at ?? "",
      batches: result.batches ?? 0,
      errors: Array.isArray(result.errors) ? result.errors.length : 0,
    };
    return CSV_COLUMNS.map((column) => cell(values[column])).join(",");
  });
  return [CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}

export function runToJson(detail: RunDetail): string {
  return JSON.stringify(detail, null, 2) + "\n";
}

/** A file name safe on every system: "demo.example.com-1-run_20260117_140523_manual.csv". */
export function exportFileName(detail: RunDetail, extension: "csv" | "json"): string {
  const base = `${detail.run.site_domain}-${detail.run.run_number}-${detail.run.run_id}`.replace(/[^\w.-]+/g, "_");
  return `${base}.${extension}`;
}

/** Hand the text to the browser as a download. */
export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
