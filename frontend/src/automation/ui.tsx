/** Small building blocks of the automation screens: status badge, progress bar, modal dialog, a secret to copy. */
import { type ReactNode, useEffect, useId, useRef, useState } from "react";

import type { Badge as BadgeModel } from "./progress";

export function StatusBadge({ badge, testId }: { badge: BadgeModel; testId?: string }) {
  return (
    <span className={`badge badge-${badge.tone}`} data-testid={testId}>
      <span className="badge-dot" aria-hidden="true" />
      {badge.label}
    </span>
  );
}

/** A labelled progress bar; `animated` adds the moving stripes of work in progress. */
export function ProgressBar({
  percent,
  label,
  tone = "primary",
  animated = false,
  size = "small",
}: {
  percent: number;
  label: string;
  tone?: "primary" | "success" | "warning" | "danger" | "neutral";
  animated?: boolean;
  size?: "small" | "large";
}) {
  const value = Math.max(0, Math.min(100, percent));
  return (
    <div
      className={`progress progress-${size} progress-${tone}${animated ? " progress-animated" : ""}${value === 0 ? " progress-empty" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
    >
      <span className="progress-fill" style={{ width: `${value}%` }} />
    </div>
  );
}

/**
 * A modal dialog: focus moves in on open and back on close, Escape and the backdrop close it, Tab
 * stays inside. (A div with role="dialog" rather than <dialog>: jsdom has no showModal().)
 */
export function Modal({
  title,
  description,
  onClose,
  children,
  footer,
  size = "medium",
  busy = false,
}: {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  size?: "small" | "medium" | "large";
  busy?: boolean;
}) {
  const titleId = useId();
  const descriptionId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>("[data-autofocus], input, select, button, a[href]");
    (first ?? panel.current)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        close.current();
      } else if (event.key === "Tab" && panel.current) {
        const focusable = [
          ...panel.current.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href], [tabindex='0']"),
        ].filter((el) => !el.hasAttribute("disabled"));
        const firstEl = focusable[0];
        const lastEl = focusable[focusable.length - 1];
        if (!firstEl || !lastEl) return;
        if (event.shiftKey && document.activeElement === firstEl) {
          event.preventDefault();
          lastEl.focus();
        } else if (!event.shiftKey && document.activeElement === lastEl) {
          event.preventDefault();
          firstEl.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    return () => {
      document.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
      previous?.focus?.();
    };
  }, []);

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget && !busy) onClose();
      }}
    >
      <div
        ref={panel}
        className={`modal modal-${size}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        aria-busy={busy || undefined}
        tabIndex={-1}
      >
        <header className="modal-header">
          <h2 id={titleId}>{title}</h2>
          {description && (
            <p id={descriptionId} className="muted">
              {description}
            </p>
          )}
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>
  );
}

/** A small "label: value" row used in cards. */
export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="stat-row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** A secret shown once, with a Copy button. */
export function CopySecret({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-secret">
      <code data-testid="secret-value">{secret}</code>
      <button
        type="button"
        className="btn btn-small"
        onClick={() =>
          void navigator.clipboard?.writeText(secret).then(
            () => {
              setCopied(true);
              window.setTimeout(() => setCopied(false), 1500);
            },
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}
