/**
 * A webhook's `headers` (header → value) and `secret_headers` (header → one of the rule's credentials) as
 * labelled rows. A plain header whose name looks secret is flagged (the API refuses it); a secret header
 * offers the rule's credential names.
 */
import type { FieldProps } from "@rjsf/utils";
import { useEffect, useRef, useState } from "react";

import type { ErrorSchema } from "../errors";
import { deepEqual } from "../json";
import { useRuleExtras } from "./extras";
import "./extras.css";

/** The header names the API takes for secrets only (actions/builtin/webhook.py `SECRET_HEADER`). */
export const SECRET_HEADER = /authorization|token|secret|api[-_]?key|password|cookie/i;

interface Row {
  id: number;
  name: string;
  value: string;
}

let nextRow = 1;

function toRows(value: unknown): Row[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ id: nextRow++, name, value: typeof v === "string" ? v : String(v) }));
}

export function rowsToObject(rows: readonly Row[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) if (row.name.trim()) out[row.name.trim()] = row.value;
  return out;
}

export function HeaderMapField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, errorSchema, uiSchema, disabled, readonly } = props;
  const secret = !!(uiSchema?.["ui:options"] as { secret?: boolean } | undefined)?.secret;
  const { credentialNames } = useRuleExtras();
  const [rows, setRows] = useState<Row[]>(() => toRows(formData));
  const sent = useRef<unknown>(formData);
  const id = fieldPathId.$id;
  const errors = (errorSchema ?? {}) as ErrorSchema;

  // An edit elsewhere (the JSON view, undo) replaces the rows; our own edits come back as the same object.
  useEffect(() => {
    if (!deepEqual(formData ?? {}, sent.current ?? {})) {
      sent.current = formData;
      setRows(toRows(formData));
    }
  }, [formData]);

  const commit = (next: Row[]) => {
    setRows(next);
    const value = rowsToObject(next);
    const out = Object.keys(value).length ? value : undefined;
    sent.current = out;
    onChange(out, fieldPathId.path);
  };
  const set = (rowId: number, patch: Partial<Row>) => commit(rows.map((r) => (r.id === rowId ? { ...r, ...patch } : r)));
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.name.trim().toLowerCase(), (counts.get(r.name.trim().toLowerCase()) ?? 0) + 1);
  // The field's own messages, and those of a header no row has (any more).
  const own = [
    ...(errors.__errors ?? []),
    ...Object.entries(errors)
      .filter(([key]) => key !== "__errors" && !rows.some((r) => r.name.trim() === key))
      .flatMap(([key, node]) => ((node as ErrorSchema | undefined)?.__errors ?? []).map((m) => `${key}: ${m}`)),
  ];

  return (
    // A div, not a fieldset: the params form lays out an object's own fieldset as its grid of fields.
    <div className="rl-headers" role="group" aria-labelledby={`${id}-title`} data-testid={secret ? "secret-headers" : "headers"}>
      <span className="control-label" id={`${id}-title`}>
        {schema.title}
      </span>
      {schema.description && <p className="field-description">{schema.description}</p>}
      {rows.length === 0 && <p className="muted small">{secret ? "No secret headers." : "No extra headers."}</p>}
      {rows.map((row, index) => {
        const rowErrors = [...(((errors[row.name.trim()] as ErrorSchema | undefined)?.__errors as string[] | undefined) ?? [])];
        const looksSecret = !secret && SECRET_HEADER.test(row.name);
        const twice = (counts.get(row.name.trim().toLowerCase()) ?? 0) > 1;
        const unknown = secret && row.value !== "" && !credentialNames.includes(row.value);
        return (
          <div key={row.id} className="rl-header-row" data-testid="header-row">
            <div className="field">
              <label htmlFor={`${id}-${row.id}-name`}>{secret ? `Secret header ${index + 1}` : `Header ${index + 1}`}</label>
              <input
                id={`${id}-${row.id}-name`}
                value={row.name}
                placeholder={secret ? "Authorization" : "X-Source"}
                spellCheck={false}
                disabled={disabled || readonly}
                aria-invalid={rowErrors.length || looksSecret || twice ? true : undefined}
                onChange={(event) => set(row.id, { name: event.target.value })}
              />
            </div>
            <div className="field rl-grow">
              <label htmlFor={`${id}-${row.id}-value`}>{secret ? "Credential" : "Value"}</label>
              {secret ? (
                <select
                  id={`${id}-${row.id}-value`}
                  value={row.value}
                  disabled={disabled || readonly}
                  aria-invalid={rowErrors.length || unknown ? true : undefined}
                  onChange={(event) => set(row.id, { value: event.target.value })}
                >
                  <option value="">Choose a credential…</option>
                  {credentialNames.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                  {unknown && <option value={row.value}>{row.value} (not a credential of this rule)</option>}
                </select>
              ) : (
                <input
                  id={`${id}-${row.id}-value`}
                  value={row.value}
                  disabled={disabled || readonly}
                  onChange={(event) => set(row.id, { value: event.target.value })}
                />
              )}
            </div>
            <button
              type="button"
              className="btn btn-small btn-ghost rl-header-remove"
              aria-label={`Remove ${secret ? "secret header" : "header"} ${row.name || index + 1}`}
              disabled={disabled || readonly}
              onClick={() => commit(rows.filter((r) => r.id !== row.id))}
            >
              ✕
            </button>
            <ul className="rl-header-notes">
              {looksSecret && (
                <li className="rl-warning-text small" data-testid="header-secret-hint">
                  “{row.name}” looks like it carries a secret: add the value under Credentials and send it as a secret header.
                </li>
              )}
              {twice && <li className="rl-warning-text small">This header is named twice: only the last one is sent.</li>}
              {unknown && (
                <li className="rl-warning-text small">
                  “{row.value}” is not a credential of this rule: add it under <a href="#credentials">Credentials</a>.
                </li>
              )}
              {rowErrors.map((message) => (
                <li key={message} className="text-danger small">
                  {message}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      {secret && credentialNames.length === 0 && (
        <p className="muted small">
          The rule has no credentials yet: add one under <a href="#credentials">Credentials</a>, then pick it here.
        </p>
      )}
      <button
        type="button"
        className="btn btn-small"
        disabled={disabled || readonly}
        onClick={() => commit([...rows, { id: nextRow++, name: "", value: "" }])}
      >
        {secret ? "Add secret header" : "Add header"}
      </button>
      {own.length > 0 && (
        <ul className="error-detail">
          {own.map((message) => (
            <li key={message} className="text-danger">
              {message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
