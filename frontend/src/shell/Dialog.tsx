/** The app's modal dialogs, on the native <dialog>: focus moves in on open, Escape cancels, focus goes back to the opener. */
import { type ReactNode, type RefObject, useEffect, useId, useRef } from "react";

interface DialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  /** Escape, and whatever the actions call to cancel. */
  onClose: () => void;
  /** The buttons at the bottom (a `type="submit"` one submits). */
  actions: ReactNode;
  /** Submitting the dialog's form (Enter in a field, a submit button). */
  onSubmit?: () => void;
  /** What gets focus on open (otherwise the browser's choice: an `autoFocus` field or the first control). */
  initialFocus?: RefObject<HTMLElement | null>;
}

export function Dialog({ open, title, children, onClose, actions, onSubmit, initialFocus }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      initialFocus?.current?.focus();
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    }
  }, [open, initialFocus]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <form
          method="dialog"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            onSubmit?.();
          }}
        >
          <h2 id={titleId}>{title}</h2>
          <div className="dialog-body">{children}</div>
          <div className="dialog-actions">{actions}</div>
        </form>
      )}
    </dialog>
  );
}

/** "Are you sure?": focus starts on Cancel (the safe choice); the confirm button is red unless `danger={false}`. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = true,
  busy,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      initialFocus={cancelRef}
      actions={
        <>
          <button ref={cancelRef} type="button" className="btn" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={danger ? "btn btn-danger" : "btn btn-primary"} onClick={onConfirm} disabled={busy}>
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
