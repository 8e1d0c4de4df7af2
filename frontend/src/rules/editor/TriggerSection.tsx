/** The trigger part of the rule editor: manual, schedule (cron builder), event (catalog + fields to watch), webhook (URL, secret, signing). */
import { useId, useMemo, useState } from "react";

import { CRON_KINDS, defaultModel, describeCron, describeModel, MINUTE_STEPS, parseCron, timezones, toCron, WEEKDAYS, type CronModel } from "../cron";
import { fieldError, type RuleErrors } from "../errors";
import { TriggerIcon } from "../icons";
import type { EventType, Rule, Trigger, TriggerCatalog, TriggerType } from "../types";
import { CopyButton, FieldError, SecretShownOnce } from "../ui";
import { CronPreview, formatIn } from "./CronPreview";
import { checkCron } from "./cronTimes";

const TYPE_LABELS: Record<TriggerType, { label: string; hint: string }> = {
  manual: { label: "Manual", hint: "Run now, or from the API" },
  schedule: { label: "Schedule", hint: "On a cron schedule" },
  event: { label: "Event", hint: "When data changes" },
  webhook: { label: "Webhook", hint: "A signed HTTP call" },
};

interface Props {
  trigger: Trigger;
  onChange: (trigger: Trigger) => void;
  catalog: TriggerCatalog | undefined;
  errors: RuleErrors;
  saved: Rule | null;
  /** Whether the saved rule's trigger equals the draft's (so the server's schedule preview applies). */
  savedTriggerCurrent: boolean;
  secret: string | null;
  onRotateSecret: (() => void) | null;
  rotating: boolean;
  siteTimezone: string;
}

export function TriggerSection(props: Props) {
  const { trigger, onChange, errors } = props;
  const id = useId();
  const typeError = fieldError(errors, "trigger.type") ?? fieldError(errors, "trigger");
  return (
    <div className="rl-trigger-section">
      <div className="rl-choice-grid" role="radiogroup" aria-label="Trigger type" aria-describedby={typeError ? `${id}-type-error` : undefined}>
        {(Object.keys(TYPE_LABELS) as TriggerType[]).map((type) => (
          <label key={type} className={`rl-choice${trigger.type === type ? " rl-choice-on" : ""}`}>
            <input
              type="radio"
              name={`${id}-type`}
              value={type}
              checked={trigger.type === type}
              onChange={() =>
                onChange(
                  type === "schedule" && !trigger.cron
                    ? { ...trigger, type, cron: "0 2 * * *", timezone: trigger.timezone || props.siteTimezone }
                    : { ...trigger, type },
                )
              }
            />
            <span className={`rl-trigger-icon rl-trigger-${type}`}>
              <TriggerIcon type={type} size={18} />
            </span>
            <span>
              <span className="rl-choice-label">{TYPE_LABELS[type].label}</span>
              <span className="rl-choice-hint">{TYPE_LABELS[type].hint}</span>
            </span>
          </label>
        ))}
      </div>
      <FieldError id={`${id}-type-error`} message={typeError} />
      {trigger.type === "manual" && (
        <p className="muted rl-section-note">
          The rule runs when someone presses <strong>Run now</strong>, or calls <code>POST …/rules/{"{id}"}/execute/</code> with an
          optional JSON payload (readable in conditions and params as <code>payload.*</code>).
        </p>
      )}
      {trigger.type === "schedule" && <ScheduleEditor {...props} />}
      {trigger.type === "event" && <EventEditor {...props} />}
      {trigger.type === "webhook" && <WebhookInfo {...props} />}
    </div>
  );
}

// --- schedule ------------------------------------------------------------------------------------

function ScheduleEditor({ trigger, onChange, errors, saved, savedTriggerCurrent, siteTimezone }: Props) {
  const id = useId();
  const [model, setModel] = useState<CronModel>(() => parseCron(trigger.cron || "0 2 * * *"));
  const cron = trigger.cron ?? "";
  const zones = useMemo(() => timezones(trigger.timezone), [trigger.timezone]);
  const cronError = fieldError(errors, "trigger.cron");
  const zoneError = fieldError(errors, "trigger.timezone");
  // Checked while typing: every bad field at once, the description and the next five fire times.
  const check = useMemo(() => checkCron(cron), [cron]);

  const update = (next: CronModel) => {
    setModel(next);
    onChange({ ...trigger, cron: toCron(next) });
  };
  const time = "hour" in model ? `${String(model.hour).padStart(2, "0")}:${String(model.minute).padStart(2, "0")}` : "";
  const setTime = (value: string) => {
    const [h, m] = value.split(":").map(Number);
    if (h === undefined || m === undefined || Number.isNaN(h) || Number.isNaN(m)) return;
    if ("hour" in model) update({ ...model, hour: h, minute: m } as CronModel);
  };

  const serverPreview = saved?.schedule && savedTriggerCurrent ? saved.schedule : null;

  return (
    <div className="rl-schedule">
      <div className="rl-form-row">
        <div className="field">
          <label htmlFor={`${id}-kind`}>Repeat</label>
          <select id={`${id}-kind`} value={model.kind} onChange={(event) => update(defaultModel(event.target.value as CronModel["kind"], model))}>
            {CRON_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        {model.kind === "minutes" && (
          <div className="field">
            <label htmlFor={`${id}-every`}>Every</label>
            <select id={`${id}-every`} value={model.every} onChange={(event) => update({ ...model, every: Number(event.target.value) })}>
              {MINUTE_STEPS.map((n) => (
                <option key={n} value={n}>
                  {n} minutes
                </option>
              ))}
            </select>
          </div>
        )}
        {model.kind === "hourly" && (
          <div className="field">
            <label htmlFor={`${id}-minute`}>At minute</label>
            <input
              id={`${id}-minute`}
              type="number"
              min={0}
              max={59}
              value={model.minute}
              onChange={(event) => update({ ...model, minute: clamp(Number(event.target.value), 0, 59) })}
            />
          </div>
        )}
        {model.kind === "monthly" && (
          <div className="field">
            <label htmlFor={`${id}-dom`}>On day</label>
            <input
              id={`${id}-dom`}
              type="number"
              min={1}
              max={31}
              value={model.day}
              onChange={(event) => update({ ...model, day: clamp(Number(event.target.value), 1, 31) })}
            />
          </div>
        )}
        {"hour" in model && (
          <div className="field">
            <label htmlFor={`${id}-time`}>At</label>
            <input id={`${id}-time`} type="time" value={time} onChange={(event) => setTime(event.target.value)} required />
          </div>
        )}
        {model.kind === "custom" && (
          <div className="field rl-grow">
            <label htmlFor={`${id}-cron`}>Cron expression</label>
            <input
              id={`${id}-cron`}
              className="rl-mono"
              value={model.expression}
              placeholder="minute hour day-of-month month day-of-week"
              aria-invalid={cronError || !check.ok ? true : undefined}
              aria-describedby={`${id}-cron-help${cronError ? ` ${id}-cron-error` : ""}`}
              onChange={(event) => update({ kind: "custom", expression: event.target.value })}
              spellCheck={false}
            />
            <span className="muted small" id={`${id}-cron-help`}>
              Five fields: minute, hour, day of month, month, day of week (e.g. <code>*/30 8-18 * * 1-5</code>).
            </span>
          </div>
        )}
      </div>
      {model.kind === "weekly" && (
        <fieldset className="rl-days">
          <legend>On</legend>
          {[1, 2, 3, 4, 5, 6, 0].map((day) => {
            const on = model.days.includes(day);
            return (
              <button
                key={day}
                type="button"
                className="rl-day"
                aria-pressed={on}
                aria-label={WEEKDAYS[day]}
                onClick={() => {
                  const days = on ? model.days.filter((d) => d !== day) : [...model.days, day];
                  if (days.length) update({ ...model, days });
                }}
              >
                {WEEKDAYS[day]?.slice(0, 3)}
              </button>
            );
          })}
        </fieldset>
      )}
      <div className="rl-form-row">
        <div className="field">
          <label htmlFor={`${id}-tz`}>Time zone</label>
          <select
            id={`${id}-tz`}
            value={trigger.timezone || siteTimezone}
            aria-invalid={zoneError ? true : undefined}
            onChange={(event) => onChange({ ...trigger, timezone: event.target.value })}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-tz-error`} message={zoneError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-catchup`}>Missed while stopped</label>
          <select
            id={`${id}-catchup`}
            value={trigger.catch_up ?? "latest"}
            onChange={(event) => onChange({ ...trigger, catch_up: event.target.value as "latest" | "none" })}
          >
            <option value="latest">Run once to catch up</option>
            <option value="none">Skip</option>
          </select>
        </div>
      </div>
      <div className={`rl-preview${cronError || !check.ok ? " rl-preview-error" : ""}`} aria-live="polite">
        <div className="rl-preview-head">
          <code className="rl-cron" data-testid="cron-expression">
            {cron || "–"}
          </code>
          <span data-testid="cron-description">{model.kind !== "custom" ? describeModel(model) : check.ok ? describeCron(cron) : "Not a valid schedule yet"}</span>
          {model.kind !== "custom" && (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => update({ kind: "custom", expression: cron })}>
              Edit as cron
            </button>
          )}
        </div>
        <FieldError id={`${id}-cron-error`} message={cronError} />
        {serverPreview ? (
          <div className="rl-next-times">
            <span className="muted small">
              Server: <strong>{serverPreview.description}</strong> ({serverPreview.timezone}). Next runs:
            </span>
            <ol data-testid="next-fire-times">
              {serverPreview.next_fire_times.map((iso) => (
                <li key={iso}>{formatInZone(iso, serverPreview.timezone)}</li>
              ))}
            </ol>
          </div>
        ) : (
          <CronPreview check={check} timeZone={trigger.timezone || siteTimezone} hideProblems={!!cronError} />
        )}
      </div>
    </div>
  );
}

function formatInZone(iso: string, timeZone: string): string {
  try {
    return formatIn(new Date(iso), timeZone);
  } catch {
    return iso;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : min;
}

// --- event ---------------------------------------------------------------------------------------

const CUSTOM = "__custom__";

function EventEditor({ trigger, onChange, catalog, errors }: Props) {
  const id = useId();
  const events = catalog?.events ?? [];
  const eventName = trigger.event ?? "";
  const known = events.find((e) => e.name === eventName);
  const isCustom = !!eventName && !known && eventName.startsWith("custom.");
  const [customMode, setCustomMode] = useState(isCustom);
  const groups = useMemo(() => groupEvents(events), [events]);
  const objectFields = (known?.fields ?? []).filter((f) => f.startsWith("object.")).map((f) => f.slice("object.".length));
  const watched = trigger.fields ?? [];
  const eventError = fieldError(errors, "trigger.event");
  const fieldsError = fieldError(errors, "trigger.fields");

  return (
    <div className="rl-event">
      <div className="rl-form-row">
        <div className="field rl-grow">
          <label htmlFor={`${id}-event`}>Event</label>
          <select
            id={`${id}-event`}
            value={customMode ? CUSTOM : eventName}
            aria-invalid={eventError ? true : undefined}
            aria-describedby={eventError ? `${id}-event-error` : undefined}
            onChange={(event) => {
              if (event.target.value === CUSTOM) {
                setCustomMode(true);
                onChange({ ...trigger, event: "custom.", fields: [] });
              } else {
                setCustomMode(false);
                onChange({ ...trigger, event: event.target.value, fields: [] });
              }
            }}
          >
            <option value="" disabled>
              Choose an event…
            </option>
            {groups.map(([group, items]) => (
              <optgroup key={group} label={group}>
                {items.map((e) => (
                  <option key={e.name} value={e.name}>
                    {e.name}
                  </option>
                ))}
              </optgroup>
            ))}
            <optgroup label="Custom">
              <option value={CUSTOM}>custom.… (emitted by the emit_event action)</option>
            </optgroup>
          </select>
          {!customMode && <FieldError id={`${id}-event-error`} message={eventError} />}
        </div>
        {customMode && (
          <div className="field rl-grow">
            <label htmlFor={`${id}-custom`}>Custom event name</label>
            <input
              id={`${id}-custom`}
              className="rl-mono"
              value={eventName}
              onChange={(event) => onChange({ ...trigger, event: event.target.value, fields: [] })}
              aria-invalid={eventError ? true : undefined}
              spellCheck={false}
            />
            <FieldError id={`${id}-event-error`} message={eventError} />
          </div>
        )}
      </div>
      {known && <p className="muted small rl-event-desc">{known.description}</p>}
      {objectFields.length > 0 && (
        <fieldset className="rl-watch" aria-describedby={`${id}-watch-help${fieldsError ? ` ${id}-fields-error` : ""}`}>
          <legend>Fields to watch</legend>
          <p className="muted small" id={`${id}-watch-help`}>
            Fire only when one of these changes. None chosen: any {eventName.split(".")[1] === "updated" ? "change" : "event"} fires.
          </p>
          <div className="rl-chips">
            {objectFields.map((name) => (
              <label key={name} className={`rl-check-chip${watched.includes(name) ? " rl-check-chip-on" : ""}`}>
                <input
                  type="checkbox"
                  checked={watched.includes(name)}
                  onChange={() =>
                    onChange({ ...trigger, fields: watched.includes(name) ? watched.filter((f) => f !== name) : [...watched, name] })
                  }
                />
                {name}
              </label>
            ))}
          </div>
          <FieldError id={`${id}-fields-error`} message={fieldsError} />
        </fieldset>
      )}
      {!objectFields.length && <FieldError id={`${id}-fields-error`} message={fieldsError} />}
    </div>
  );
}

function groupEvents(events: readonly EventType[]): [string, EventType[]][] {
  const groups = new Map<string, EventType[]>();
  for (const event of events) {
    const prefix = event.name.split(".")[0] ?? "other";
    const label = prefix.charAt(0).toUpperCase() + prefix.slice(1);
    groups.set(label, [...(groups.get(label) ?? []), event]);
  }
  return [...groups.entries()];
}

// --- webhook -------------------------------------------------------------------------------------

function WebhookInfo({ saved, secret, onRotateSecret, rotating, savedTriggerCurrent }: Props) {
  const url = saved?.webhook_url && savedTriggerCurrent ? saved.webhook_url : null;
  const shownUrl = url ?? "https://<your host>/api/v1/automation/hooks/<token>/";
  const curl = [
    `SECRET='${secret ?? "<the rule's secret>"}'`,
    `BODY='{"keyword": "espresso grinder"}'`,
    "TS=$(date +%s)",
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')`,
    `curl -X POST '${shownUrl}' \\`,
    "  -H 'Content-Type: application/json' \\",
    '  -H "X-Igny8-Timestamp: $TS" \\',
    '  -H "X-Igny8-Signature: sha256=$SIG" \\',
    '  -d "$BODY"',
  ].join("\n");
  return (
    <div className="rl-webhook">
      {url ? (
        <div className="field">
          <span className="rl-label">Hook URL</span>
          <div className="rl-copy-row">
            <code className="rl-mono rl-url" data-testid="webhook-url">
              {url}
            </code>
            <CopyButton text={url} label="Copy URL" />
          </div>
        </div>
      ) : (
        <p className="muted rl-section-note">Save the rule to get its hook URL and secret.</p>
      )}
      {secret ? (
        <SecretShownOnce secret={secret} testId="webhook-secret" copyLabel="Copy secret" />
      ) : (
        url && (
          <p className="muted small">
            The signing secret was shown once, when the webhook was created. Lost it?{" "}
            {onRotateSecret && (
              <button type="button" className="btn btn-small" onClick={onRotateSecret} disabled={rotating}>
                {rotating ? "Rotating…" : "Rotate the secret"}
              </button>
            )}
          </p>
        )
      )}
      <details className="rl-details" open={!!secret}>
        <summary>How to sign a call</summary>
        <p className="small">
          POST a JSON object to the hook URL; it becomes the run's <code>payload</code>. Send two headers:{" "}
          <code>X-Igny8-Timestamp</code> (Unix seconds; calls more than 5 minutes off are refused) and{" "}
          <code>X-Igny8-Signature: sha256=&lt;hex&gt;</code>, the HMAC-SHA256 of <code>&lt;timestamp&gt;.&lt;raw body&gt;</code> with the
          secret. A wrong signature answers 401.
        </p>
        <div className="rl-code-head">
          <span className="muted small">Shell</span>
          <CopyButton text={curl} label="Copy" />
        </div>
        <pre className="rl-json rl-code">{curl}</pre>
      </details>
    </div>
  );
}
