/** Run notifications of the selected site: email on/off, webhook URL, on complete / on fail; the API's errors at their fields. */
import { useEffect, useId, useState, type FormEvent } from "react";

import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError, fieldErrorsOf, hasOtherErrors, TextField } from "../shell/fields";
import { Loading } from "../shell/states";

import { type NotificationSettings, useNotificationConfig, useSaveNotifications } from "./api";

const FIELDS = ["notify_email", "notify_webhook_url", "notify_on_complete", "notify_on_fail"] as const;

export function NotificationsSection({ siteId, siteName }: { siteId: number; siteName: string }) {
  const headingId = useId();
  const config = useNotificationConfig(siteId);
  return (
    <section className="st-card st-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Run notifications</h2>
      <p className="muted small">When a pipeline run of {siteName} ends: an email to the account's users and a signed POST to a webhook.</p>
      {config.isPending ? (
        <Loading label="Loading notification settings…" />
      ) : config.isError ? (
        <ErrorBanner error={config.error} title="Could not load the notification settings" onRetry={() => void config.refetch()} />
      ) : (
        <NotificationsForm siteId={siteId} initial={config.data} />
      )}
    </section>
  );
}

function NotificationsForm({ siteId, initial }: { siteId: number; initial: NotificationSettings }) {
  const save = useSaveNotifications(siteId);
  const [values, setValues] = useState<NotificationSettings>(pick(initial));
  const [saved, setSaved] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  useEffect(() => setValues(pick(initial)), [initial]);

  const set = <K extends keyof NotificationSettings>(key: K, value: NotificationSettings[K]) => {
    setSaved(false);
    setValues((current) => ({ ...current, [key]: value }));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate(
      { ...values, notify_webhook_url: values.notify_webhook_url.trim() },
      {
        onSuccess: (answer) => {
          setSaved(true);
          if (answer.signing_secret) setSecret(answer.signing_secret);
        },
      },
    );
  };
  const errors = fieldErrorsOf(save.error);
  return (
    <form className="st-form" onSubmit={submit} aria-label="Run notifications" noValidate>
      {hasOtherErrors(save.error, FIELDS) && <ErrorBanner error={save.error} title="Could not save the notifications" />}
      <Switch label="Email the account's users" checked={values.notify_email} onChange={(v) => set("notify_email", v)} errors={errors.notify_email} />
      <TextField
        label="Webhook URL (optional)"
        name="notify_webhook_url"
        value={values.notify_webhook_url}
        onChange={(v) => set("notify_webhook_url", v)}
        errors={errors}
        placeholder="https://hooks.example.com/igny8"
        hint="Gets a signed JSON POST (X-Automation-Signature) with the run's summary."
      />
      <fieldset className="st-fieldset">
        <legend className="small">Notify when a run</legend>
        <Switch label="completes" checked={values.notify_on_complete} onChange={(v) => set("notify_on_complete", v)} errors={errors.notify_on_complete} />
        <Switch label="fails" checked={values.notify_on_fail} onChange={(v) => set("notify_on_fail", v)} errors={errors.notify_on_fail} />
      </fieldset>
      <div className="st-form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save notifications"}
        </button>
        {saved && (
          <span className="small" role="status">
            Saved.
          </span>
        )}
      </div>
      {secret && (
        <div className="banner banner-success" role="status" aria-label="Webhook signing secret">
          <div className="banner-body">
            <strong className="banner-title">The webhook's signing secret, shown once:</strong>
            <div className="st-secret">
              <code>{secret}</code>
            </div>
            <p className="small">Check each call's X-Automation-Signature: sha256=HMAC(secret, "&lt;timestamp&gt;.&lt;body&gt;").</p>
          </div>
          <div className="banner-actions">
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setSecret(null)}>
              Dismiss
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

function pick(config: NotificationSettings): NotificationSettings {
  return {
    notify_email: config.notify_email,
    notify_webhook_url: config.notify_webhook_url,
    notify_on_complete: config.notify_on_complete,
    notify_on_fail: config.notify_on_fail,
  };
}

function Switch({
  label,
  checked,
  onChange,
  errors,
}: {
  label: string;
  checked: boolean;
  onChange: (value: boolean) => void;
  errors: string[] | undefined;
}) {
  const id = useId();
  return (
    <div>
      <label className="st-switch" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
          aria-invalid={errors?.length ? true : undefined}
          aria-describedby={errors?.length ? `${id}-error` : undefined}
        />
        {label}
      </label>
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}
