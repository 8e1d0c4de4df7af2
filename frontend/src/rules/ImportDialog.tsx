/**
 * Import preview: the API names and validates the file's rules first (`preview: true`, nothing saved), then
 * Import saves them all or nothing. Every rule comes in inactive; a name that clashes is renamed or refused.
 */
import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { importErrors } from "./draft";
import type { ImportConflict, ImportedRule } from "./types";
import { Dialog } from "./ui";

interface Props {
  fileName: string;
  /** The rules as parsed from the file (names come from here until the preview answers). */
  rules: Record<string, unknown>[];
  onConflict: ImportConflict;
  onConflictChange: (value: ImportConflict) => void;
  /** The preview's rows; undefined while it loads or when it failed. */
  preview: ImportedRule[] | undefined;
  previewing: boolean;
  /** The preview's or the import's failure (a 400 is shown at each rule). */
  error: unknown;
  importing: boolean;
  onImport: () => void;
  onClose: () => void;
}

export function ImportDialog({
  fileName,
  rules,
  onConflict,
  onConflictChange,
  preview,
  previewing,
  error,
  importing,
  onImport,
  onClose,
}: Props) {
  const invalid = error instanceof ApiError && error.status === 400 ? importErrors(error.fieldErrors) : null;
  const problems = invalid ? Object.values(invalid.byRule).reduce((sum, list) => sum + list.length, 0) + invalid.other.length : 0;
  const otherFailure = error && !invalid ? error : null;
  const ready = !!preview && !error && !previewing;
  const count = rules.length;
  return (
    <Dialog
      open
      title={`Import ${count === 1 ? "1 rule" : `${count} rules`} from ${fileName}`}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={importing}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={onImport} disabled={!ready || importing}>
            {importing ? "Importing…" : count === 1 ? "Import" : `Import ${count} rules`}
          </button>
        </>
      }
    >
      <div className="rl-import" data-testid="import-preview" aria-busy={previewing || undefined}>
        <p className="muted small">
          Every rule comes in <strong>inactive</strong>: check it, then switch it on in the list. Nothing is saved until you
          press Import.
        </p>
        <fieldset className="rl-import-conflict">
          <legend>When a rule of that name exists</legend>
          <label className="rl-check">
            <input
              type="radio"
              name="import-conflict"
              value="rename"
              checked={onConflict === "rename"}
              onChange={() => onConflictChange("rename")}
            />
            <span>Rename the imported rule (“Name (imported)”)</span>
          </label>
          <label className="rl-check">
            <input
              type="radio"
              name="import-conflict"
              value="refuse"
              checked={onConflict === "refuse"}
              onChange={() => onConflictChange("refuse")}
            />
            <span>Refuse the import</span>
          </label>
        </fieldset>
        {invalid && (
          <div className="banner banner-error" role="alert">
            <div className="banner-body">
              <strong className="banner-title">
                Nothing can be imported: {problems} problem{problems === 1 ? "" : "s"}, shown at {problems === 1 ? "its" : "each"} rule.
              </strong>
              {invalid.other.length > 0 && (
                <ul className="banner-list">
                  {invalid.other.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        )}
        {otherFailure !== null && <ErrorBanner title="Could not check the file" error={otherFailure} />}
        <ol className="rl-import-list">
          {rules.map((source, index) => {
            const row = preview?.[index];
            const messages = invalid?.byRule[index] ?? [];
            const sourceName = typeof source.name === "string" ? source.name : `Rule ${index + 1}`;
            return (
              <li
                key={index}
                className={`rl-import-rule${messages.length ? " rl-import-invalid" : ""}`}
                data-testid="import-rule"
                aria-invalid={messages.length ? true : undefined}
              >
                <div className="rl-import-head">
                  <strong className="rl-import-name">{row?.name ?? sourceName}</strong>
                  {row?.renamed && <span className="rl-chip">renamed from “{row.original_name}”</span>}
                  <span className="rl-chip">comes in inactive</span>
                </div>
                {row ? (
                  <span className="muted small rl-block">
                    {row.trigger_summary} · {row.steps} step{row.steps === 1 ? "" : "s"}
                  </span>
                ) : (
                  !messages.length && <span className="muted small rl-block">{previewing ? "Checking…" : ""}</span>
                )}
                {messages.length > 0 && (
                  <ul className="rl-import-errors" data-testid="import-rule-errors">
                    {messages.map((message) => (
                      <li key={message} className="rl-field-error">
                        {message}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      </div>
    </Dialog>
  );
}
