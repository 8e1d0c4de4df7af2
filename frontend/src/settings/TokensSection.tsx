/** API tokens: create with a name (the key is shown once, with a copy button), list, revoke with a confirmation. */
import { useId, useRef, useState, type FormEvent } from "react";

import { ConfirmDialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { fieldErrorsOf, hasOtherErrors, TextField } from "../shell/fields";
import { formatDateTime } from "../shell/format";
import { Pill } from "../shell/Pill";
import { EmptyState, Loading } from "../shell/states";
import { type ApiToken, type ApiTokenCreated, useCreateToken, useRevokeToken, useTokens } from "./api";

export function TokensSection() {
  const headingId = useId();
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [name, setName] = useState("");
  const [expires, setExpires] = useState("");
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const keyRef = useRef<HTMLElement>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCopied(false);
    const days = expires.trim() === "" ? null : Number(expires);
    create.mutate(
      { name: name.trim(), expires_in_days: days },
      {
        onSuccess: (token) => {
          setCreated(token);
          setName("");
          setExpires("");
          requestAnimationFrame(() => keyRef.current?.focus());
        },
      },
    );
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const errors = fieldErrorsOf(create.error);
  return (
    <section className="st-card st-section" aria-labelledby={headingId}>
      <h2 id={headingId}>API tokens</h2>
      <p className="muted small">
        For scripts and other programs: send <code>Authorization: Token &lt;key&gt;</code>. Tokens are stored hashed, so
        a key is shown only once, when it is created.
      </p>
      {created && (
        <div className="banner banner-success" role="status" aria-label="New API token">
          <div className="banner-body">
            <strong className="banner-title">Token “{created.name}” created. Copy it now: it will not be shown again.</strong>
            <div className="st-secret">
              <code ref={keyRef} tabIndex={-1} data-testid="new-token-key">
                {created.key}
              </code>
              <button type="button" className="btn btn-small" onClick={() => void copy()}>
                {copied ? "Copied" : "Copy"}
              </button>
            </div>
          </div>
          <div className="banner-actions">
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      <form className="st-form" onSubmit={submit} aria-label="Create an API token" noValidate>
        {hasOtherErrors(create.error, ["name", "expires_in_days"]) && (
          <ErrorBanner error={create.error} title="Could not create the token" />
        )}
        <div className="st-form-grid">
          <TextField label="Token name" name="name" value={name} onChange={setName} errors={errors} placeholder="e.g. CI deploy" />
          <TextField
            label="Expires after (days, optional)"
            name="expires_in_days"
            type="number"
            value={expires}
            onChange={setExpires}
            errors={errors}
            placeholder="never"
          />
        </div>
        <div className="st-form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create token"}
          </button>
        </div>
      </form>
      <div className="st-panel">
        {revoke.isError && (
          <ErrorBanner error={revoke.error} title="Could not revoke the token" onDismiss={() => revoke.reset()} />
        )}
        {tokens.isPending ? (
          <Loading label="Loading tokens…" />
        ) : tokens.isError ? (
          <ErrorBanner error={tokens.error} title="Could not load the tokens" onRetry={() => void tokens.refetch()} />
        ) : tokens.data.results.length === 0 ? (
          <EmptyState title="No API tokens">Create one above to use the API from a script.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-cards st-table" aria-label="API tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.results.map((token) => (
                  <tr key={token.id}>
                    <td>
                      {token.name || <span className="muted">(no name)</span>}{" "}
                      {token.current && <Pill tone="info">this session's token</Pill>}
                    </td>
                    <td data-label="Prefix">
                      <code>{token.prefix}…</code>
                    </td>
                    <td data-label="Created">{formatDateTime(token.created_at)}</td>
                    <td data-label="Last used">{token.last_used_at ? formatDateTime(token.last_used_at) : "never"}</td>
                    <td data-label="Expires">{token.expires_at ? formatDateTime(token.expires_at) : "never"}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small btn-danger-outline"
                        onClick={() => setRevoking(token)}
                        aria-label={`Revoke ${token.name || token.prefix}`}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name || revoking?.prefix || ""}”?`}
        confirmLabel="Revoke"
        danger
        busy={revoke.isPending}
        onConfirm={() => {
          if (revoking) revoke.mutate(revoking.id, { onSettled: () => setRevoking(null) });
        }}
        onCancel={() => setRevoking(null)}
      >
        Programs that use this token are refused from now on. This cannot be undone.
      </ConfirmDialog>
    </section>
  );
}
