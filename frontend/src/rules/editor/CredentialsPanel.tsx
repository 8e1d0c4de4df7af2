/**
 * The rule's credentials: the names it has, a form to add one (name + value, the value never shown again),
 * and per name "Replace value" / "Remove". Nothing is sent until the rule is saved: the changes go with the
 * next save as `credentials` (only the changed names).
 */
import { useId, useState, type KeyboardEvent } from "react";

import { FieldError } from "../ui";
import { credentialNameProblem, type CredentialChanges } from "./credentials";
import "./extras.css";

interface Props {
  /** The names the saved rule has. */
  saved: readonly string[];
  changes: CredentialChanges;
  onChange: (changes: CredentialChanges) => void;
  /** Where the steps use each name. */
  usage: Map<string, string[]>;
  /** The API's messages: `credentials` and `credentials.<name>`. */
  errors: Record<string, string[]>;
}

/** Enter in a field of this panel must not submit the rule's form (it would save). */
function onEnter(action: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key === "Enter") {
      event.preventDefault();
      action();
    }
  };
}

export function CredentialsPanel({ saved, changes, onChange, usage, errors }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);
  const [replacement, setReplacement] = useState("");
  const names = [...new Set([...saved, ...Object.keys(changes)])].sort();
  const present = names.filter((n) => changes[n] !== null && (saved.includes(n) || typeof changes[n] === "string"));
  const general = errors.credentials ?? [];

  const add = () => {
    const trimmed = name.trim();
    const why = credentialNameProblem(trimmed, present) ?? (value === "" ? "Give it a value." : null);
    setProblem(why);
    if (why) return;
    onChange({ ...changes, [trimmed]: value });
    setName("");
    setValue("");
  };
  const replace = (credential: string) => {
    if (replacement === "") return;
    onChange({ ...changes, [credential]: replacement });
    setReplacing(null);
    setReplacement("");
  };
  const undo = (credential: string) => {
    const next = { ...changes };
    delete next[credential];
    onChange(next);
  };

  return (
    <div className="rl-credentials" data-testid="credentials-panel">
      {names.length === 0 ? (
        <p className="muted small">No credentials yet.</p>
      ) : (
        <ul className="rl-cred-list">
          {names.map((credential) => {
            const isSaved = saved.includes(credential);
            const change = changes[credential];
            const used = usage.get(credential) ?? [];
            const state = change === null ? "removed on save" : change === undefined ? "set" : isSaved ? "new value on save" : "added on save";
            const messages = errors[`credentials.${credential}`] ?? [];
            return (
              <li key={credential} className={`rl-cred${change === null ? " rl-cred-removed" : ""}`} data-testid="credential" data-name={credential}>
                <div className="rl-cred-main">
                  <code className="rl-cred-name">{credential}</code>
                  <span className={`rl-chip${change === undefined ? "" : " rl-chip-warning"}`} data-testid="credential-state">
                    {state}
                  </span>
                  <span className="rl-cred-value muted" aria-hidden="true" title="Never shown">
                    ••••••••
                  </span>
                  <span className="muted small rl-cred-used">{used.length ? `used by ${used.join(", ")}` : "not used by any step"}</span>
                </div>
                <div className="rl-cred-tools">
                  {change !== undefined ? (
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => undo(credential)} aria-label={`Undo the change to ${credential}`}>
                      Undo
                    </button>
                  ) : (
                    <>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => (setReplacing(credential), setReplacement(""))}
                        aria-label={`Replace the value of ${credential}`}
                      >
                        Replace value
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost rl-danger"
                        onClick={() => onChange({ ...changes, [credential]: null })}
                        aria-label={`Remove ${credential}`}
                      >
                        Remove
                      </button>
                    </>
                  )}
                </div>
                {change === null && used.length > 0 && (
                  <p className="rl-warning-text small">Still used by {used.join(", ")}: the save is refused until those headers change.</p>
                )}
                {replacing === credential && change === undefined && (
                  <div className="rl-cred-replace">
                    <label htmlFor={`${id}-${credential}-new`}>New value for {credential}</label>
                    <input
                      id={`${id}-${credential}-new`}
                      type="password"
                      autoComplete="new-password"
                      value={replacement}
                      autoFocus
                      onChange={(event) => setReplacement(event.target.value)}
                      onKeyDown={onEnter(() => replace(credential))}
                    />
                    <button type="button" className="btn btn-small btn-primary" disabled={replacement === ""} onClick={() => replace(credential)}>
                      Set
                    </button>
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setReplacing(null)}>
                      Cancel
                    </button>
                  </div>
                )}
                <FieldError id={`${id}-${credential}-error`} message={messages.length ? messages.join(" ") : undefined} />
              </li>
            );
          })}
        </ul>
      )}
      <div className="rl-cred-add" role="group" aria-label="Add a credential">
        <div className="field">
          <label htmlFor={`${id}-name`}>Credential name</label>
          <input
            id={`${id}-name`}
            className="rl-mono"
            value={name}
            maxLength={64}
            spellCheck={false}
            autoComplete="off"
            placeholder="crm_token"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-add-error` : undefined}
            onChange={(event) => setName(event.target.value)}
            onKeyDown={onEnter(add)}
            data-testid="credential-name"
          />
        </div>
        <div className="field rl-grow">
          <label htmlFor={`${id}-value`}>Credential value</label>
          <input
            id={`${id}-value`}
            type="password"
            autoComplete="new-password"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            onKeyDown={onEnter(add)}
            data-testid="credential-value"
          />
        </div>
        <button type="button" className="btn" onClick={add} data-testid="credential-add">
          Add credential
        </button>
      </div>
      <FieldError id={`${id}-add-error`} message={problem ?? undefined} />
      <FieldError id={`${id}-error`} message={general.length ? general.join(" ") : undefined} />
      <p className="muted small">
        Values are write-only: they are stored encrypted and never shown again, here or anywhere. Changes are sent when you save the rule.
      </p>
    </div>
  );
}
