/** Small building blocks shared by the rules and runs screens: badges, dialogs, tabs, JSON, times. */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { timeAgo } from "../shell/format";

import "./rules.css";
import "./backtest.css";

// --- status --------------------------------------------------------------------------------------

const STATUS_LABELS: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  paused: "Paused",
  completed: "Completed",
  completed_with_errors: "Completed with errors",
  waiting: "Waiting",
  failed: "Failed",
  cancelled: "Cancelled",
  pending: "Pending",
  skipped: "Skipped",
  started: "Started",
  dropped_conditions: "Conditions false",
  dropped_mode: "Dropped by mode",
  dropped_loop: "Loop guard",
  dropped_limit: "Limit reached",
  refused_credits: "Not enough credits",
  queue_full: "Queue full",
  condition_error: "Condition error",
  shadow: "Shadow",
  would_trigger: "Would run",
  dropped_budget: "Over budget",
  filtered: "Not for this rule",
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.replace(/_/g, " ");
}

/** A coloured pill for a run, step or trigger outcome (its colour comes from `status`). */
export function StatusBadge({ status, size }: { status: string; size?: "small" }) {
  return (
    <span className={`rl-badge rl-badge-${status}${size === "small" ? " rl-badge-small" : ""}`} data-status={status}>
      <span className="rl-badge-dot" aria-hidden="true" />
      {statusLabel(status)}
    </span>
  );
}

// --- formatting ----------------------------------------------------------------------------------

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const dateTime = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

export { timeAgo };

/** A time with the exact value on hover. */
export function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">–</span>;
  return (
    <time dateTime={iso} title={dateTime.format(new Date(iso))}>
      {timeAgo(iso)}
    </time>
  );
}

export function exactTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "–";
}

export function formatCreditsShort(value: string | number | null | undefined): string {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n) || n === 0) return "0";
  return n % 1 === 0 ? String(n) : n.toFixed(2);
}

// --- JSON ----------------------------------------------------------------------------------------

export function JsonBlock({ value, label, maxHeight }: { value: unknown; label?: string; maxHeight?: number }) {
  const text = value === undefined ? "" : JSON.stringify(value, null, 2);
  return (
    <pre className="rl-json" aria-label={label} style={maxHeight ? { maxHeight } : undefined} tabIndex={0}>
      {text}
    </pre>
  );
}

// --- dialog --------------------------------------------------------------------------------------

interface DialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  onClose: () => void;
  actions: ReactNode;
  tone?: "danger";
}

/** A modal on the native <dialog> (focus is trapped and Escape closes it). */
export function Dialog({ open, title, children, onClose, actions, tone }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`rl-dialog${tone === "danger" ? " rl-dialog-danger" : ""}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <h2 id={titleId}>{title}</h2>
          <div className="rl-dialog-body">{children}</div>
          <div className="rl-dialog-actions">{actions}</div>
        </>
      )}
    </dialog>
  );
}

// --- tabs ----------------------------------------------------------------------------------------

export interface TabDef<T extends string> {
  id: T;
  label: ReactNode;
  badge?: ReactNode;
}

/** Which ends of a horizontally scrolling strip hide content (the tab strip's fade cues). */
export function clippedEdges(scrollLeft: number, scrollWidth: number, clientWidth: number): { start: boolean; end: boolean } {
  const max = scrollWidth - clientWidth;
  return { start: max > 1 && scrollLeft > 1, end: max > 1 && scrollLeft < max - 1 };
}

/**
 * An accessible tab list (arrow keys move between tabs). Panels use `tabPanelProps`. On a narrow
 * screen the strip scrolls sideways: a fade (with a chevron) marks each edge that hides tabs, and
 * the selected tab is kept in view.
 */
export function TabList<T extends string>({
  tabs,
  value,
  onChange,
  label,
  idBase,
}: {
  tabs: TabDef<T>[];
  value: T;
  onChange: (id: T) => void;
  label: string;
  idBase: string;
}) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const strip = useRef<HTMLDivElement>(null);
  const [edges, setEdges] = useState({ start: false, end: false });
  const move = (delta: number) => {
    const index = tabs.findIndex((t) => t.id === value);
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (next) {
      onChange(next.id);
      refs.current[next.id]?.focus();
    }
  };

  useEffect(() => {
    const el = strip.current;
    if (!el) return;
    const update = () => {
      const next = clippedEdges(el.scrollLeft, el.scrollWidth, el.clientWidth);
      setEdges((prev) => (prev.start === next.start && prev.end === next.end ? prev : next));
    };
    update();
    el.addEventListener("scroll", update, { passive: true });
    const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(update);
    resize?.observe(el);
    return () => {
      el.removeEventListener("scroll", update);
      resize?.disconnect();
    };
  }, [tabs.length]);

  // Keep the selected tab in view (sideways only: the page itself does not move).
  useEffect(() => {
    const el = strip.current;
    const tab = refs.current[value];
    if (!el || !tab) return;
    const margin = 32;
    if (tab.offsetLeft < el.scrollLeft + margin) el.scrollLeft = Math.max(tab.offsetLeft - margin, 0);
    else if (tab.offsetLeft + tab.offsetWidth > el.scrollLeft + el.clientWidth - margin) {
      el.scrollLeft = tab.offsetLeft + tab.offsetWidth - el.clientWidth + margin;
    }
  }, [value]);

  return (
    <div
      className="rl-tabs-wrap"
      data-testid="tab-strip"
      data-clipped-start={edges.start ? "" : undefined}
      data-clipped-end={edges.end ? "" : undefined}
    >
      <div className="rl-tabs" role="tablist" aria-label={label} ref={strip}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            ref={(el) => {
              refs.current[tab.id] = el;
            }}
            type="button"
            role="tab"
            id={`${idBase}-tab-${tab.id}`}
            aria-controls={`${idBase}-panel-${tab.id}`}
            aria-selected={tab.id === value}
            tabIndex={tab.id === value ? 0 : -1}
            className="rl-tab"
            onClick={() => onChange(tab.id)}
            onKeyDown={(event) => {
              if (event.key === "ArrowRight") move(1);
              else if (event.key === "ArrowLeft") move(-1);
            }}
          >
            {tab.label}
            {tab.badge !== undefined && tab.badge !== null && tab.badge !== false && <span className="rl-tab-badge">{tab.badge}</span>}
          </button>
        ))}
      </div>
    </div>
  );
}

export function tabPanelProps(idBase: string, id: string) {
  return { role: "tabpanel", id: `${idBase}-panel-${id}`, "aria-labelledby": `${idBase}-tab-${id}`, tabIndex: 0 } as const;
}

// --- notices -------------------------------------------------------------------------------------

/** A success notice that announces itself; `onDismiss` adds a close button. */
export function Notice({ children, onDismiss, tone = "success" }: { children: ReactNode; onDismiss?: () => void; tone?: "success" | "info" | "warning" }) {
  return (
    <div className={`rl-notice rl-notice-${tone}`} role="status">
      <div className="rl-notice-body">{children}</div>
      {onDismiss && (
        <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss} aria-label="Dismiss">
          ✕
        </button>
      )}
    </div>
  );
}

/** Copy text to the clipboard, with a short "Copied" state. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            window.setTimeout(() => setCopied(false), 1500);
          },
          () => setCopied(false),
        );
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

/** A field error line tied to its input with `aria-describedby`. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="rl-field-error" id={id} role="alert">
      {message}
    </p>
  );
}

/** Progress of a run: completed steps of all steps. */
export function StepProgress({ done, total, status }: { done: number; total: number; status: string }) {
  const pct = total ? Math.round((done / total) * 100) : status === "completed" ? 100 : 0;
  return (
    <div className="rl-progress" title={`${done} of ${total} steps`}>
      <div className={`rl-progress-bar rl-progress-${status}`} style={{ width: `${pct}%` }} />
      <span className="rl-progress-label">
        {done}/{total}
      </span>
    </div>
  );
}

/** A secret the server shows once (after the save that made it, or a rotation): copy it now. */
export function SecretShownOnce({ secret, testId, copyLabel }: { secret: string; testId: string; copyLabel: string }) {
  return (
    <div className="rl-secret" role="status">
      <strong>Signing secret — copy it now, it is shown only once.</strong>
      <div className="rl-copy-row">
        <code className="rl-mono" data-testid={testId}>
          {secret}
        </code>
        <CopyButton text={secret} label={copyLabel} />
      </div>
    </div>
  );
}
