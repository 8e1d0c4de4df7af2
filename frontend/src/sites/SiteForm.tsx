/** Add or edit a site: name, domain, time zone; the API's messages at their fields. */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError, fieldErrorsOf, hasOtherErrors, TextField } from "../shell/fields";
import { useCreateSite, useUpdateSite } from "./api";
import type { SiteWithStatus } from "./types";

const FIELDS = ["name", "domain", "timezone"] as const;

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf ? ["UTC", ...intl.supportedValuesOf("timeZone")] : ["UTC"];
  } catch {
    return ["UTC"];
  }
}

export function SiteForm({
  site,
  onDone,
  onCancel,
}: {
  site?: SiteWithStatus;
  onDone: (site: SiteWithStatus) => void;
  onCancel: () => void;
}) {
  const create = useCreateSite();
  const update = useUpdateSite();
  const mutation = site ? update : create;
  const [name, setName] = useState(site?.name ?? "");
  const [domain, setDomain] = useState(site?.domain ?? "");
  const [timezone, setTimezone] = useState(site?.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"));
  const first = useRef<HTMLInputElement>(null);
  const zonesId = useId();
  const [zones] = useState(timeZones);
  useEffect(() => first.current?.focus(), []);

  const errors = fieldErrorsOf(mutation.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { name: name.trim(), domain: domain.trim(), timezone: timezone.trim() };
    if (site) update.mutate({ id: site.id, ...body }, { onSuccess: onDone });
    else create.mutate(body, { onSuccess: onDone });
  };

  return (
    <form className="st-form" onSubmit={submit} aria-label={site ? `Edit ${site.name}` : "Add a site"} noValidate>
      {hasOtherErrors(mutation.error, FIELDS) && (
        <ErrorBanner error={mutation.error} title={site ? "Could not save the site" : "Could not add the site"} />
      )}
      <div className="st-form-grid">
        <TextField label="Name" name="name" value={name} onChange={setName} errors={errors} inputRef={first} />
        <TextField
          label="Domain"
          name="domain"
          value={domain}
          onChange={setDomain}
          errors={errors}
          placeholder="blog.example.com"
        />
        <div className="field">
          <TimeZoneInput value={timezone} onChange={setTimezone} listId={zonesId} errors={errors.timezone} />
          <datalist id={zonesId}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </div>
      </div>
      <div className="st-form-actions">
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : site ? "Save site" : "Add site"}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TimeZoneInput({
  value,
  onChange,
  listId,
  errors,
}: {
  value: string;
  onChange: (value: string) => void;
  listId: string;
  errors: string[] | undefined;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>Time zone</label>
      <input
        id={id}
        name="timezone"
        list={listId}
        value={value}
        autoComplete="off"
        placeholder="Europe/Berlin"
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? `${id}-error` : undefined}
      />
      <FieldError id={`${id}-error`} messages={errors} />
    </>
  );
}
