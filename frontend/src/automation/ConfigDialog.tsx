/**
 * Configure the pipeline: every AutomationConfig field, saved as a partial PUT; the API's 400 shows at
 * each field. The config is the site's preset rule: a custom cron set in the rule editor is shown read-only
 * with a link there, and saving other fields keeps it.
 */
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { Link } from "react-router";

import { ApiError, describeFieldErrors } from "../api/client";
import { ErrorBanner } from "../shell/ErrorBanner";
import { withSite } from "../shell/site";
import { formatZonedDateTime, ordinal, timeInputValue, WEEKDAYS } from "./format";
import { useSaveConfig } from "./queries";
import { STAGES } from "./stages";
import type { AutomationConfig, AutomationConfigSaved, AutomationConfigUpdate } from "./types";
import { Modal } from "./ui";

type Field = keyof AutomationConfigUpdate;

/** The form's values: numbers as strings so a half-typed value can be shown (and sent for the API to judge). */
export type ConfigForm = Record<Field, string | boolean>;

const NUMBER_FIELDS: readonly Field[] = [
  "scheduled_weekday",
  "scheduled_day_of_month",
  "stage_1_batch_size",
  "stage_2_batch_size",
  "stage_3_batch_size",
  "stage_4_batch_size",
  "stage_5_batch_size",
  "stage_6_batch_size",
  "within_stage_delay",
  "between_stage_delay",
  "stage_4_concurrency",
  "stage_6_concurrency",
  "ideas_per_cluster",
];
const BOOLEAN_FIELDS: readonly Field[] = [
  "is_enabled",
  "stage_1_enabled",
  "stage_2_enabled",
  "stage_3_enabled",
  "stage_4_enabled",
  "stage_5_enabled",
  "stage_6_enabled",
  "stage_7_enabled",
  "notify_email",
];
const TEXT_FIELDS: readonly Field[] = ["frequency", "scheduled_time", "notify_webhook_url"];
export const CONFIG_FIELDS: readonly Field[] = [...BOOLEAN_FIELDS, ...TEXT_FIELDS, ...NUMBER_FIELDS];

export function formFromConfig(config: AutomationConfig): ConfigForm {
  const form = {} as ConfigForm;
  for (const field of BOOLEAN_FIELDS) form[field] = Boolean(config[field]);
  for (const field of NUMBER_FIELDS) form[field] = config[field] === undefined ? "" : String(config[field]);
  form.frequency = config.frequency ?? "daily";
  form.scheduled_time = timeInputValue(config.scheduled_time);
  form.notify_webhook_url = config.notify_webhook_url ?? "";
  return form;
}

/** Only the fields that changed, typed for the API (a number field that is not a number is sent as typed). */
export function changedFields(before: ConfigForm, after: ConfigForm): AutomationConfigUpdate {
  const body: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    if (before[field] === after[field]) continue;
    const value = after[field];
    if (NUMBER_FIELDS.includes(field)) {
      const text = String(value).trim();
      body[field] = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
    } else {
      body[field] = value;
    }
  }
  return body as AutomationConfigUpdate;
}

/** The API's limits: keyword clustering takes at most 20 keywords per call; other stages up to 100 per batch. */
export const MAX_CLUSTER_BATCH = 20;
export const MAX_BATCH = 100;

const BATCH_HELP: Record<number, string> = {
  1: "Keywords per clustering call (1–20).",
  2: "Clusters per batch (1–100).",
  3: "Ideas per batch (1–100, local, free).",
  4: "Tasks per batch (1–100).",
  5: "Articles per batch (1–100).",
  6: "Images per batch (1–100).",
};

/** Why switching stage 5 or 6 off changes what the review gate does (backend: normalize_stages). */
export const STAGE_SWITCH_NOTE =
  "When image prompts (5) or images (6) are off, the review gate (7) sends every draft to review; their images stay pending.";

export function ConfigDialog({
  site,
  config,
  onClose,
  onSaved,
}: {
  site: number;
  config: AutomationConfig;
  onClose: () => void;
  /** Called with the PUT's answer (it holds `signing_secret` once, when a notification webhook was first set). */
  onSaved?: (saved: AutomationConfigSaved) => void;
}) {
  const timezone = config.timezone || "UTC";
  const initial = useMemo(() => formFromConfig(config), [config]);
  const [form, setForm] = useState<ConfigForm>(initial);
  const save = useSaveConfig(site);
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const changes = changedFields(initial, form);
  const dirty = Object.keys(changes).length > 0;
  // Errors the form cannot show next to a field (detail, non_field_errors, unknown keys) go in a banner.
  // Fields the form shows for the chosen frequency; an error for a hidden one goes in the banner too.
  const shown = (key: string) =>
    CONFIG_FIELDS.includes(key as Field) &&
    !(key === "scheduled_weekday" && form.frequency !== "weekly") &&
    !(key === "scheduled_day_of_month" && form.frequency !== "monthly") &&
    !(key === "scheduled_time" && form.frequency === "custom");
  const otherErrors = Object.fromEntries(Object.entries(errors).filter(([key]) => !shown(key)));
  const fieldErrorCount = Object.keys(errors).length - Object.keys(otherErrors).length;

  const set = (field: Field, value: string | boolean) => setForm((current) => ({ ...current, [field]: value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!dirty) {
      onClose();
      return;
    }
    save.mutate(changes, {
      onSuccess: (saved) => {
        onSaved?.(saved);
        onClose();
      },
    });
  };

  const field = (name: Field) => ({
    id: `config-${name}`,
    name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `config-${name}-error` : undefined,
  });
  const number = (name: Field) => ({
    ...field(name),
    type: "number",
    inputMode: "numeric" as const,
    value: String(form[name]),
    onChange: (event: { target: { value: string } }) => set(name, event.target.value),
  });
  const check = (name: Field) => ({
    ...field(name),
    type: "checkbox",
    checked: Boolean(form[name]),
    onChange: (event: { target: { checked: boolean } }) => set(name, event.target.checked),
  });

  return (
    <Modal
      title="Pipeline configuration"
      description="Schedule, batch sizes, pacing and notifications of the seven-stage pipeline."
      onClose={onClose}
      size="large"
      busy={save.isPending}
      footer={
        <>
          <span className="muted small">{dirty ? `${Object.keys(changes).length} unsaved changes` : "No changes"}</span>
          <button type="button" className="btn" onClick={onClose} disabled={save.isPending}>
            Cancel
          </button>
          <button type="submit" form="config-form" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id="config-form" className="config-form" onSubmit={onSubmit} noValidate>
        {save.isError && fieldErrorCount > 0 && (
          <div className="banner banner-error" role="alert">
            <div className="banner-body">
              <strong className="banner-title">Could not save the configuration</strong>
              <p>
                {fieldErrorCount === 1 ? "One field needs" : `${fieldErrorCount} fields need`} attention (marked below).
              </p>
            </div>
          </div>
        )}
        {save.isError && (Object.keys(otherErrors).length > 0 || !(save.error instanceof ApiError)) && (
          <ErrorBanner
            title="Could not save the configuration"
            error={
              save.error instanceof ApiError
                ? new ApiError(save.error.status, describeFieldErrors(otherErrors).join(" "), otherErrors)
                : save.error
            }
          />
        )}

        <fieldset className="config-section">
          <legend>Schedule</legend>
          <div className="config-grid">
            <FieldRow name="is_enabled" label="Scheduled runs" errors={errors} inline>
              <input {...check("is_enabled")} />
              <span className="muted small">Run automatically on the schedule</span>
            </FieldRow>
            <FieldRow name="frequency" label="Frequency" errors={errors}>
              <select {...field("frequency")} value={String(form.frequency)} onChange={(e) => set("frequency", e.target.value)}>
                <option value="daily">Daily</option>
                <option value="weekly">Weekly</option>
                <option value="monthly">Monthly</option>
                {config.frequency === "custom" && <option value="custom">Custom (set in the rule editor)</option>}
              </select>
            </FieldRow>
            {form.frequency === "custom" ? (
              <div className="field field-wide config-custom" data-testid="config-custom-schedule">
                <span className="field-label">Custom schedule</span>
                <p>
                  <strong>{config.schedule_description || "A cron set in the rule editor"}</strong>{" "}
                  <span className="muted">({timezone})</span>
                </p>
                <p className="field-help">
                  A cron the dialog cannot express; it stays as it is when you save other settings.{" "}
                  <Link to={withSite(`/rules/${config.rule_id}`, site)}>Change it in the rule editor</Link>, or pick
                  another frequency here.
                </p>
              </div>
            ) : (
              <>
                {form.frequency === "weekly" && (
                  <FieldRow name="scheduled_weekday" label="Day of the week" errors={errors}>
                    <select
                      {...field("scheduled_weekday")}
                      value={String(form.scheduled_weekday)}
                      onChange={(e) => set("scheduled_weekday", e.target.value)}
                    >
                      {WEEKDAYS.map((day, index) => (
                        <option key={day} value={String(index)}>
                          {day}
                        </option>
                      ))}
                    </select>
                  </FieldRow>
                )}
                {form.frequency === "monthly" && (
                  <FieldRow name="scheduled_day_of_month" label="Day of the month" errors={errors} help="1st–28th: every month has them">
                    <select
                      {...field("scheduled_day_of_month")}
                      value={String(form.scheduled_day_of_month)}
                      onChange={(e) => set("scheduled_day_of_month", e.target.value)}
                    >
                      {Array.from({ length: 28 }, (_, index) => index + 1).map((day) => (
                        <option key={day} value={String(day)}>
                          {ordinal(day)}
                        </option>
                      ))}
                    </select>
                  </FieldRow>
                )}
                <FieldRow name="scheduled_time" label={`Time (${timezone})`} errors={errors} help="In the site's time zone">
                  <input
                    {...field("scheduled_time")}
                    type="time"
                    value={String(form.scheduled_time)}
                    onChange={(e) => set("scheduled_time", e.target.value)}
                  />
                </FieldRow>
              </>
            )}
          </div>
          <p className="muted small config-next" data-testid="config-next-run">
            {!config.is_enabled
              ? "No scheduled run: scheduled runs are off."
              : config.next_run_at
                ? `Next run ${formatZonedDateTime(config.next_run_at, timezone)}${dirty ? " (before these changes)" : ""}.`
                : "No next run is planned."}
            {config.last_run_at && ` Last run ${formatZonedDateTime(config.last_run_at, timezone)}.`}
          </p>
        </fieldset>

        <fieldset className="config-section">
          <legend>Stages</legend>
          <p className="muted small config-stage-switches" data-testid="stage-switch-note">
            {STAGE_SWITCH_NOTE}
          </p>
          <div className="config-stages" role="group" aria-label="Stages">
            {STAGES.map((stage) => {
              const enabled = `stage_${stage.number}_enabled` as Field;
              const batch = `stage_${stage.number}_batch_size` as Field;
              return (
                <div className="config-stage" key={stage.number}>
                  <label className="config-stage-toggle" htmlFor={`config-${enabled}`}>
                    <input {...check(enabled)} aria-label={`Stage ${stage.number} enabled`} />
                    <span>
                      <strong>Stage {stage.number}</strong> <span className="muted">{stage.name}</span>
                    </span>
                  </label>
                  {stage.number <= 6 ? (
                    <FieldRow name={batch} label="Batch size" errors={errors} help={BATCH_HELP[stage.number]} compact>
                      <input
                        {...number(batch)}
                        min={1}
                        max={stage.number === 1 ? MAX_CLUSTER_BATCH : MAX_BATCH}
                        aria-label={`Stage ${stage.number} batch size`}
                      />
                    </FieldRow>
                  ) : (
                    <p className="muted small config-stage-note">Moves finished articles to review; never publishes.</p>
                  )}
                  {stage.number === 2 && (
                    <FieldRow name="ideas_per_cluster" label="Ideas per cluster" errors={errors} compact>
                      <input {...number("ideas_per_cluster")} min={1} max={10} />
                    </FieldRow>
                  )}
                  {(stage.number === 4 || stage.number === 6) && (
                    <FieldRow
                      name={`stage_${stage.number}_concurrency` as Field}
                      label="Parallel calls"
                      errors={errors}
                      compact
                    >
                      <input {...number(`stage_${stage.number}_concurrency` as Field)} min={1} max={16} />
                    </FieldRow>
                  )}
                </div>
              );
            })}
          </div>
        </fieldset>

        <fieldset className="config-section">
          <legend>Pacing</legend>
          <div className="config-grid">
            <FieldRow name="within_stage_delay" label="Delay between batches (s)" errors={errors} help="0–600 seconds">
              <input {...number("within_stage_delay")} min={0} max={600} />
            </FieldRow>
            <FieldRow name="between_stage_delay" label="Delay between stages (s)" errors={errors} help="0–3600 seconds">
              <input {...number("between_stage_delay")} min={0} max={3600} />
            </FieldRow>
          </div>
        </fieldset>

        <fieldset className="config-section">
          <legend>Notifications</legend>
          <div className="config-grid">
            <FieldRow name="notify_email" label="Email" errors={errors} inline>
              <input {...check("notify_email")} />
              <span className="muted small">Email the account when a run ends</span>
            </FieldRow>
            <FieldRow name="notify_webhook_url" label="Webhook URL" errors={errors} help="POSTed a JSON summary when a run ends" wide>
              <input
                {...field("notify_webhook_url")}
                type="url"
                placeholder="https://example.com/hooks/igny8"
                value={String(form.notify_webhook_url)}
                onChange={(e) => set("notify_webhook_url", e.target.value)}
              />
            </FieldRow>
          </div>
        </fieldset>
      </form>
    </Modal>
  );
}

function FieldRow({
  name,
  label,
  errors,
  help,
  children,
  inline = false,
  compact = false,
  wide = false,
}: {
  name: Field;
  label: string;
  errors: Record<string, string[]>;
  help?: string;
  children: ReactNode;
  inline?: boolean;
  compact?: boolean;
  wide?: boolean;
}) {
  const messages = errors[name];
  return (
    <div
      className={`field${inline ? " field-inline" : ""}${compact ? " field-compact" : ""}${wide ? " field-wide" : ""}${messages ? " has-error" : ""}`}
      data-field={name}
    >
      <label htmlFor={`config-${name}`}>{label}</label>
      <div className="field-control">{children}</div>
      {messages ? (
        <p className="field-error" id={`config-${name}-error`} data-testid={`error-${name}`}>
          {messages.join(" ")}
        </p>
      ) : (
        help && <p className="field-help">{help}</p>
      )}
    </div>
  );
}
