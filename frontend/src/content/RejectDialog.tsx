/** "Reject with a note": the note goes back to the writer, the content back to draft. */
import { useId, useState } from "react";

import { ApiError } from "../api/client";
import { Dialog } from "../shell/Dialog";
import { ErrorBanner } from "../shell/ErrorBanner";
import { FieldError } from "../shell/fields";
import { REJECT_NOTE_MAX } from "./publish";

interface Props {
  open: boolean;
  /** "“How to brew coffee”" or "3 articles". */
  what: string;
  pending: boolean;
  error: unknown;
  onSubmit: (note: string) => void;
  onClose: () => void;
}

export function RejectDialog({ open, what, pending, error, onSubmit, onClose }: Props) {
  const [note, setNote] = useState("");
  const [blank, setBlank] = useState(false);
  const noteId = useId();
  const errorId = useId();
  const hintId = useId();
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};
  const noteErrors = blank ? ["Write what should change; the note goes to the writer."] : fieldErrors.note;
  const otherError = error && !fieldErrors.note ? error : null;
  const length = [...note].length;

  const close = () => {
    setNote("");
    setBlank(false);
    onClose();
  };
  const submit = () => {
    if (!note.trim()) {
      setBlank(true);
      return;
    }
    onSubmit(note.trim());
  };

  return (
    <Dialog
      open={open}
      title={`Reject ${what}?`}
      onClose={close}
      onSubmit={submit}
      actions={
        <>
          <button type="button" className="btn" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={pending}>
            {pending ? "Rejecting…" : "Reject"}
          </button>
        </>
      }
    >
      <p>It goes back to Draft with your note; re-generating it gives the note to the writer.</p>
      {otherError ? <ErrorBanner title="Could not reject" error={otherError} /> : null}
      <div className="field">
        <label htmlFor={noteId}>Note for the writer</label>
        <textarea
          id={noteId}
          rows={5}
          value={note}
          autoFocus
          maxLength={REJECT_NOTE_MAX}
          aria-invalid={noteErrors?.length ? true : undefined}
          aria-describedby={`${hintId}${noteErrors?.length ? ` ${errorId}` : ""}`}
          onChange={(event) => {
            setNote(event.target.value);
            setBlank(false);
          }}
        />
        <span id={hintId} className="muted small">
          {length} / {REJECT_NOTE_MAX} characters
        </span>
        <FieldError id={errorId} messages={noteErrors} />
      </div>
    </Dialog>
  );
}
