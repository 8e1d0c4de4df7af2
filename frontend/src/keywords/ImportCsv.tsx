/**
 * CSV import in two steps: choose a file → the API checks it and answers every row with its problems (nothing
 * saved) → Import, enabled only when no row has a problem. The import itself is all or nothing too: should a
 * row fail then (a keyword added meanwhile), the API's messages appear at their rows and nothing is saved.
 */
import { useId, useMemo, useRef, useState } from "react";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { useImportCsv, useImportPreview } from "./api";
import { rowProblems, type RowProblem } from "./filters";
import { FIELD_LABELS } from "./forms";
import type { KeywordImportPreviewRow } from "./types";
import { FieldError } from "../shell/fields";

const MAX_SHOWN = 300;
const COLUMNS = ["text", "volume", "difficulty", "intent"] as const;

export function ImportCsvPanel({
  site,
  onDone,
  onClose,
}: {
  site: number;
  onDone: (message: string) => void;
  onClose: () => void;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const preview = useImportPreview();
  const importer = useImportCsv();
  const data = preview.data;
  const previewErrors = preview.error instanceof ApiError ? preview.error.fieldErrors : {};
  const importErrors = useMemo(() => (importer.error instanceof ApiError ? importer.error.fieldErrors : {}), [importer.error]);
  const importProblems = useMemo(() => rowProblems(importErrors, "rows", (line) => line), [importErrors]);
  const fileErrors = previewErrors.file ?? importErrors.file;
  const otherPreviewError = preview.error && !previewErrors.file;
  const otherImportError = importer.error && importProblems.length === 0 && !importErrors.file;

  const problemsByRow = useMemo(() => {
    const byRow = new Map<number, RowProblem[]>();
    const add = (p: RowProblem) => byRow.set(p.line, [...(byRow.get(p.line) ?? []), p]);
    for (const e of data?.errors ?? []) add({ line: e.row, field: e.field, message: e.message });
    for (const p of importProblems) add(p);
    return byRow;
  }, [data, importProblems]);
  const badRows = problemsByRow.size;

  const shown = useMemo(() => {
    const rows = data?.rows ?? [];
    if (rows.length <= MAX_SHOWN) return rows;
    const bad = rows.filter((r) => problemsByRow.has(r.row)).slice(0, MAX_SHOWN);
    const good = rows.filter((r) => !problemsByRow.has(r.row)).slice(0, Math.max(0, MAX_SHOWN - bad.length));
    return [...bad, ...good].sort((a, b) => a.row - b.row);
  }, [data, problemsByRow]);

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    importer.reset();
    preview.mutate({ site, file: chosen });
  };

  const runImport = () => {
    if (!file) return;
    importer.mutate(
      { site, file },
      {
        onSuccess: (result) => {
          onDone(`Imported ${formatInteger(result.created)} ${result.created === 1 ? "keyword" : "keywords"} from ${file.name}.`);
          setFile(null);
          preview.reset();
        },
      },
    );
  };

  return (
    <section className="kw-panel" aria-labelledby={`${id}-title`}>
      <div className="kw-panel-head">
        <h2 id={`${id}-title`} tabIndex={-1}>
          Import keywords from a CSV file
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small" id={`${id}-hint`}>
        A header row with a <code>keyword</code> column, optionally <code>volume</code>, <code>difficulty</code> (0–100)
        and <code>intent</code>. You see every row and its problems before anything is saved.
      </p>
      <div className="kw-file-row">
        {/* The file input is hidden (no Tab stop of its own); the button opens it. */}
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          hidden
          tabIndex={-1}
          data-testid="csv-file-input"
          onChange={(event) => {
            choose(event.target.files?.[0]);
            event.target.value = ""; // choosing the same (fixed) file again reads it again
          }}
        />
        <button
          type="button"
          className="btn"
          onClick={() => input.current?.click()}
          aria-describedby={fileErrors ? `${id}-file-error ${id}-hint` : `${id}-hint`}
        >
          {file ? "Choose another file…" : "Choose CSV file…"}
        </button>
        <span className="kw-file-name" aria-live="polite">
          {file ? file.name : "No file chosen"}
        </span>
      </div>
      <FieldError id={`${id}-file-error`} messages={fileErrors} />
      {otherPreviewError && <ErrorBanner title="The file could not be checked" error={preview.error} />}
      {preview.isPending && <p className="muted" role="status">Checking {file?.name}…</p>}
      {data && !preview.isPending && (
        <>
          <p className={badRows ? "kw-summary kw-summary-bad" : "kw-summary"} role="status" data-testid="import-summary">
            {formatInteger(data.total)} {data.total === 1 ? "row" : "rows"}:{" "}
            {badRows
              ? `${formatInteger(badRows)} with problems. Nothing is imported until every row is right: fix the file and choose it again.`
              : `all ready to import.`}
          </p>
          {otherImportError && <ErrorBanner title="Nothing was imported" error={importer.error} />}
          {importProblems.length > 0 && (
            <div className="banner banner-error" role="alert">
              <div className="banner-body">
                <strong className="banner-title">Nothing was imported</strong>
                <p>Some rows were refused; their problems are shown at the rows below.</p>
              </div>
            </div>
          )}
          <PreviewTable rows={shown} problems={problemsByRow} caption={`Rows of ${file?.name ?? "the file"}`} />
          {shown.length < data.rows.length && (
            <p className="muted small">
              Showing {formatInteger(shown.length)} of {formatInteger(data.rows.length)} rows (rows with problems first).
            </p>
          )}
          <div className="kw-panel-actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={badRows > 0 || importer.isPending || data.valid === 0}
              onClick={runImport}
            >
              {importer.isPending ? "Importing…" : `Import ${formatInteger(data.valid)} ${data.valid === 1 ? "keyword" : "keywords"}`}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function PreviewTable({
  rows,
  problems,
  caption,
}: {
  rows: KeywordImportPreviewRow[];
  problems: Map<number, RowProblem[]>;
  caption: string;
}) {
  return (
    <div className="kw-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table className="table kw-preview-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Line
            </th>
            <th scope="col">Keyword</th>
            <th scope="col" className="num">
              Volume
            </th>
            <th scope="col" className="num">
              Difficulty
            </th>
            <th scope="col">Intent</th>
            <th scope="col">Problems</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const rowProblems = problems.get(row.row) ?? [];
            const bad = new Set(rowProblems.map((p) => p.field));
            return (
              <tr key={row.row} className={rowProblems.length ? "kw-row-error" : undefined} data-testid="preview-row" data-line={row.row}>
                <td className="num kw-cell-line" data-label="Line">
                  {row.row}
                </td>
                {COLUMNS.map((column) => {
                  const value = row.keyword && !bad.has(column) ? String(row.keyword[column]) : (row.values[column] ?? "");
                  const classes = [
                    column === "volume" || column === "difficulty" ? "num" : "",
                    column === "text" ? "kw-cell-text" : "",
                    bad.has(column) ? "kw-cell-error" : "",
                  ];
                  return (
                    <td
                      key={column}
                      className={classes.filter(Boolean).join(" ") || undefined}
                      data-label={column === "text" ? undefined : FIELD_LABELS[column]}
                    >
                      {value === "" ? <span className="muted">–</span> : value}
                    </td>
                  );
                })}
                <td className="kw-problem-cell">
                  {rowProblems.length === 0 ? (
                    <span className="kw-ok">OK</span>
                  ) : (
                    <ul>
                      {rowProblems.map((p) => (
                        <li key={`${p.field}-${p.message}`}>
                          {FIELD_LABELS[p.field] ?? p.field}: {p.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
