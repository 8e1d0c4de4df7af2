/**
 * A site's WordPress connection: URL, user, application password (write-only: "set — leave blank to keep"),
 * Save, Test connection (what it found: version, user, REST mode; or why it failed) and the last check.
 */
import { useEffect, useState, type FormEvent } from "react";

import { ErrorBanner } from "../shell/ErrorBanner";
import { fieldErrorsOf, hasOtherErrors, TextField } from "../shell/fields";
import { formatDateTime } from "../shell/format";
import { Pill } from "../shell/Pill";
import { Loading } from "../shell/states";
import { useIntegration, useSaveIntegration, useTestIntegration, useTestUnsaved } from "./api";
import type { ConnectionCheck, Integration } from "./types";

const FIELDS = ["url", "username", "application_password"] as const;

const REASONS: Record<string, string> = {
  unreachable: "The site could not be reached",
  refused: "Refused by the outbound guard",
  not_wordpress: "This is not a WordPress site",
  bad_credentials: "WordPress rejected the user or application password",
  failed: "The test failed",
};

const REST_MODES: Record<string, string> = {
  pretty: "pretty permalinks (/wp-json/)",
  rest_route: "plain permalinks (?rest_route=)",
};

export function WordPressPanel({ siteId }: { siteId: number }) {
  const integration = useIntegration(siteId);
  if (integration.isPending) return <Loading label="Loading the WordPress connection…" />;
  if (integration.isError) {
    return (
      <ErrorBanner
        error={integration.error}
        title="Could not load the WordPress connection"
        onRetry={() => void integration.refetch()}
      />
    );
  }
  return <WordPressForm siteId={siteId} integration={integration.data} />;
}

function WordPressForm({ siteId, integration }: { siteId: number; integration: Integration | null }) {
  const save = useSaveIntegration(siteId);
  const testSaved = useTestIntegration(siteId);
  const testUnsaved = useTestUnsaved();
  const [url, setUrl] = useState(integration?.url ?? "");
  const [username, setUsername] = useState(integration?.username ?? "");
  const [password, setPassword] = useState("");
  const [result, setResult] = useState<ConnectionCheck | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setUrl(integration?.url ?? "");
    setUsername(integration?.username ?? "");
  }, [integration?.url, integration?.username]);

  const dirty = !integration || url !== integration.url || username !== integration.username || password !== "";
  const errors = { ...fieldErrorsOf(testUnsaved.error), ...fieldErrorsOf(save.error) };
  const testing = testSaved.isPending || testUnsaved.isPending;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setResult(null);
    testUnsaved.reset();
    save.mutate(
      { id: integration?.id ?? null, values: { url: url.trim(), username: username.trim(), application_password: password } },
      {
        onSuccess: () => {
          setPassword("");
          setSaved(true);
        },
      },
    );
  };

  const test = () => {
    setSaved(false);
    setResult(null);
    save.reset();
    const onSuccess = (check: ConnectionCheck) => setResult(check);
    if (integration && !dirty) testSaved.mutate(integration.id, { onSuccess });
    else
      testUnsaved.mutate(
        { url: url.trim(), username: username.trim(), application_password: password, integration: integration?.id ?? null },
        { onSuccess },
      );
  };

  const testError = testSaved.error ?? (hasOtherErrors(testUnsaved.error, FIELDS) ? testUnsaved.error : null);
  return (
    <form className="st-form" onSubmit={submit} aria-label="WordPress connection" noValidate>
      {hasOtherErrors(save.error, FIELDS) && <ErrorBanner error={save.error} title="Could not save the connection" />}
      {testError && <ErrorBanner error={testError} title="Could not test the connection" />}
      <div className="st-form-grid">
        <TextField
          label="WordPress URL"
          name="url"
          value={url}
          onChange={setUrl}
          errors={errors}
          placeholder="https://blog.example.com"
        />
        <TextField label="WordPress user" name="username" value={username} onChange={setUsername} errors={errors} />
        <TextField
          label="Application password"
          name="application_password"
          type="password"
          value={password}
          onChange={setPassword}
          errors={errors}
          autoComplete="new-password"
          placeholder={integration?.has_password ? "set — leave blank to keep" : "xxxx xxxx xxxx xxxx xxxx xxxx"}
          hint={
            integration?.has_password
              ? "A password is set — leave blank to keep it. It is never shown again."
              : "Create one in WordPress under Users → Profile → Application Passwords."
          }
        />
      </div>
      <div className="st-form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending || !dirty}>
          {save.isPending ? "Saving…" : integration ? "Save connection" : "Connect WordPress"}
        </button>
        <button type="button" className="btn" onClick={test} disabled={testing || !url.trim() || !username.trim()}>
          {testing ? "Testing…" : "Test connection"}
        </button>
        {saved && (
          <span className="small" role="status">
            Saved.
          </span>
        )}
      </div>
      {testing && <Loading label="Testing the connection…" />}
      {result && <CheckResult check={result} unsaved={!(integration && !dirty)} />}
      {integration && !result && <LastCheck integration={integration} />}
    </form>
  );
}

function CheckResult({ check, unsaved }: { check: ConnectionCheck; unsaved: boolean }) {
  if (check.ok) {
    return (
      <div className="st-result st-result-ok" role="status" aria-label="Connection test result">
        <strong>Connected{check.site_name ? ` to “${check.site_name}”` : ""}.</strong>
        <p>
          WordPress {check.wordpress_version ?? "version not shown by the site"} · user {check.user} · REST mode{" "}
          {REST_MODES[check.rest_mode ?? ""] ?? check.rest_mode}
        </p>
        {unsaved && <p className="small muted">Tested before saving: save to keep these values.</p>}
      </div>
    );
  }
  return (
    <div className="st-result st-result-fail" role="alert" aria-label="Connection test result">
      <strong>{REASONS[check.reason ?? "failed"] ?? REASONS.failed}.</strong>
      <p>{check.error}</p>
    </div>
  );
}

function LastCheck({ integration }: { integration: Integration }) {
  if (!integration.last_checked_at) return <p className="small muted">Not tested yet.</p>;
  return (
    <p className="small muted">
      Last test {formatDateTime(integration.last_checked_at)}:{" "}
      {integration.last_check_ok ? <Pill tone="success">OK</Pill> : <Pill tone="danger">failed</Pill>}
      {integration.last_check_error ? ` ${integration.last_check_error}` : ""}
    </p>
  );
}
