/** Form parts shared by the screens: a field's error message, a labelled text field, the API's field errors. */
import { type HTMLAttributes, type Ref, useId } from "react";

import { ApiError, type FieldErrors } from "../api/client";

/** A field's error message under it (give the input `aria-describedby={id}` and `aria-invalid`); nothing without messages. */
export function FieldError({
  id,
  messages,
  ...rest
}: { id?: string; messages: readonly string[] | undefined } & Omit<HTMLAttributes<HTMLSpanElement>, "id" | "children">) {
  if (!messages?.length) return null;
  return (
    <span id={id} className="field-error" {...rest}>
      {messages.join(" ")}
    </span>
  );
}

/** The API's field errors of a failed mutation ({} for anything else). */
export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiError && error.status === 400 ? error.fieldErrors : {};
}

/** Errors that no field of the form shows (they go to a banner). */
export function hasOtherErrors(error: unknown, fields: readonly string[]): boolean {
  if (!error) return false;
  const errors = fieldErrorsOf(error);
  const keys = Object.keys(errors);
  return keys.length === 0 || keys.some((key) => !fields.includes(key));
}

/** A labelled input with its API error under it (aria-invalid, aria-describedby). */
export function TextField({
  label,
  name,
  value,
  onChange,
  errors,
  type = "text",
  placeholder,
  hint,
  autoComplete = "off",
  inputRef,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  errors: FieldErrors;
  type?: string;
  placeholder?: string;
  hint?: string;
  autoComplete?: string;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const id = useId();
  const messages = errors[name];
  const describedBy = [messages?.length ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        autoComplete={autoComplete}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={messages?.length ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint && (
        <span id={`${id}-hint`} className="small muted">
          {hint}
        </span>
      )}
      <FieldError id={`${id}-error`} messages={messages} />
    </div>
  );
}
