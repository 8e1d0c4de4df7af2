/** "Add keyword" and "Paste many": both save nothing on a bad input and show the API's message where it belongs. */
import { useId, useRef, useState, type FormEvent } from "react";

import { ApiError } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { formatInteger } from "../shell/format";
import { useBulkCreate, useCreateKeyword } from "./api";
import { parsePasted, rowProblems, type RowProblem } from "./filters";
import { KEYWORD_INTENTS, type Cluster, type KeywordIntent } from "./types";
import { FieldError } from "../shell/fields";

const FIELD_LABELS: Record<string, string> = {
  text: "Keyword",
  volume: "Volume",
  difficulty: "Difficulty",
  intent: "Intent",
  unexpected_extra_columns: "Extra columns",
};

export function AddKeywordForm({
  site,
  clusters,
  onDone,
  onClose,
}: {
  site: number;
  clusters: readonly Cluster[];
  onDone: (message: string) => void;
  onClose: () => void;
}) {
  const create = useCreateKeyword();
  const id = useId();
  const textRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [volume, setVolume] = useState("");
  const [difficulty, setDifficulty] = useState("");
  const [intent, setIntent] = useState<KeywordIntent>("informational");
  const [cluster, setCluster] = useState("");
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const known = ["text", "volume", "difficulty", "intent", "cluster"];
  const other = create.error && !known.some((field) => errors[field]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        site,
        text,
        // An empty number field is left out (the API's default, 0); anything typed goes to the API to check.
        ...(volume.trim() !== "" ? { volume: apiNumber(volume) } : {}),
        ...(difficulty.trim() !== "" ? { difficulty: apiNumber(difficulty) } : {}),
        intent,
        cluster: cluster ? Number(cluster) : null,
      },
      {
        onSuccess: (keyword) => {
          onDone(`Added “${keyword.text}”.`);
          setText("");
          setVolume("");
          setDifficulty("");
          textRef.current?.focus();
        },
      },
    );
  };

  const invalid = (field: string) => (errors[field] ? { "aria-invalid": true, "aria-describedby": `${id}-${field}-error` } : {});

  return (
    <form className="kw-panel" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <div className="kw-panel-head">
        <h2 id={`${id}-title`} tabIndex={-1}>
          Add a keyword
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      {other && <ErrorBanner title="The keyword was not added" error={create.error} />}
      <div className="kw-form-grid">
        <div className="field kw-field-wide">
          <label htmlFor={`${id}-text`}>Keyword</label>
          <input
            ref={textRef}
            id={`${id}-text`}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            required
            {...invalid("text")}
          />
          <FieldError id={`${id}-text-error`} messages={errors.text} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-volume`}>Search volume</label>
          <input id={`${id}-volume`} inputMode="numeric" value={volume} onChange={(e) => setVolume(e.target.value)} {...invalid("volume")} />
          <FieldError id={`${id}-volume-error`} messages={errors.volume} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-difficulty`}>Difficulty (0–100)</label>
          <input
            id={`${id}-difficulty`}
            inputMode="numeric"
            value={difficulty}
            onChange={(e) => setDifficulty(e.target.value)}
            {...invalid("difficulty")}
          />
          <FieldError id={`${id}-difficulty-error`} messages={errors.difficulty} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-intent`}>Intent</label>
          <select id={`${id}-intent`} value={intent} onChange={(e) => setIntent(e.target.value as KeywordIntent)} {...invalid("intent")}>
            {KEYWORD_INTENTS.map((value) => (
              <option key={value} value={value}>
                {capitalize(value)}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-intent-error`} messages={errors.intent} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-cluster`}>Cluster</label>
          <select id={`${id}-cluster`} value={cluster} onChange={(e) => setCluster(e.target.value)} {...invalid("cluster")}>
            <option value="">No cluster</option>
            {clusters.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-cluster-error`} messages={errors.cluster} />
        </div>
      </div>
      <div className="kw-panel-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add keyword"}
        </button>
      </div>
    </form>
  );
}

export function PasteManyForm({
  site,
  onDone,
  onClose,
}: {
  site: number;
  onDone: (message: string) => void;
  onClose: () => void;
}) {
  const bulk = useBulkCreate();
  const id = useId();
  const [text, setText] = useState("");
  const [lines, setLines] = useState<number[]>([]);
  const [localError, setLocalError] = useState<string | null>(null);
  const fieldErrors = bulk.error instanceof ApiError ? bulk.error.fieldErrors : {};
  const problems: RowProblem[] = rowProblems(fieldErrors, "keywords", (index) => lines[index] ?? index + 1);
  const general = bulk.error && problems.length === 0;
  const describedBy = [`${id}-hint`, problems.length || localError ? `${id}-problems` : ""].filter(Boolean).join(" ");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const rows = parsePasted(text);
    if (rows.length === 0) {
      bulk.reset();
      setLocalError("Paste at least one keyword.");
      return;
    }
    setLocalError(null);
    setLines(rows.map((r) => r.line));
    bulk.mutate(
      { site, keywords: rows.map((r) => r.row) },
      {
        onSuccess: (result) => {
          onDone(`Added ${formatInteger(result.created)} ${result.created === 1 ? "keyword" : "keywords"}.`);
          setText("");
        },
      },
    );
  };

  return (
    <form className="kw-panel" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <div className="kw-panel-head">
        <h2 id={`${id}-title`} tabIndex={-1}>
          Paste many keywords
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      {general && <ErrorBanner title="Nothing was added" error={bulk.error} />}
      <div className="field">
        <label htmlFor={`${id}-text`}>Keywords, one per line</label>
        <textarea
          id={`${id}-text`}
          className="kw-textarea"
          rows={8}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby={describedBy}
          aria-invalid={problems.length > 0 || localError !== null ? true : undefined}
          spellCheck={false}
        />
        <span id={`${id}-hint`} className="muted small">
          Optionally with figures: <code>keyword, volume, difficulty, intent</code> (commas or tabs). Every line is
          checked first; when one is wrong nothing is added.
        </span>
        {(problems.length > 0 || localError) && (
          <div id={`${id}-problems`} className="kw-problems" role="alert">
            {localError ?? (
              <>
                <strong>Nothing was added. Fix these lines:</strong>
                <ul>
                  {problems.map((p) => (
                    <li key={`${p.line}-${p.field}-${p.message}`}>
                      Line {p.line}: {FIELD_LABELS[p.field] ?? p.field}: {p.message}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </div>
      <div className="kw-panel-actions">
        <button type="submit" className="btn btn-primary" disabled={bulk.isPending}>
          {bulk.isPending ? "Adding…" : "Add keywords"}
        </button>
      </div>
    </form>
  );
}

/** A typed number as the API takes it; anything else as typed, so the API's message names what is wrong. */
export function apiNumber(value: string): number {
  const text = value.trim();
  return (/^\d+$/.test(text) ? Number(text) : text) as number;
}

export function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

export { FIELD_LABELS };
