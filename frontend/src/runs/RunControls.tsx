/** Pause / resume / cancel / retry buttons for a run, offered according to its status. */
import type { JSX } from "react";

import { useRunControl, type RunControl } from "../rules/api";
import { PauseIcon, PlayIcon, RestartIcon, RetryIcon, StopIcon } from "../rules/icons";

export function controlsFor(status: string): RunControl[] {
  switch (status) {
    case "queued":
      return ["cancel"];
    case "running":
      return ["pause", "cancel"];
    case "paused":
      return ["resume", "cancel"];
    case "failed":
    case "cancelled":
      return ["retry", "retry-from-start"];
    default:
      return [];
  }
}

const LABELS: Record<RunControl, string> = {
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
  retry: "Retry failed step",
  "retry-from-start": "Retry from start",
};

const ICONS: Record<RunControl, () => JSX.Element> = {
  pause: () => <PauseIcon size={14} />,
  resume: () => <PlayIcon size={14} />,
  cancel: () => <StopIcon size={14} />,
  retry: () => <RetryIcon size={14} />,
  "retry-from-start": () => <RestartIcon size={14} />,
};

interface Props {
  runId: string;
  status: string;
  /** Compact buttons for table rows. */
  compact?: boolean;
  onError: (control: RunControl, error: unknown) => void;
  onDone?: (control: RunControl) => void;
}

export function RunControls({ runId, status, compact, onError, onDone }: Props) {
  const control = useRunControl();
  const controls = controlsFor(status);
  if (controls.length === 0) return null;
  const busy = control.isPending && control.variables?.runId === runId;
  return (
    <div className="rl-row-actions" role="group" aria-label={`Controls for ${runId}`}>
      {controls.map((name) => {
        const Icon = ICONS[name];
        const label = LABELS[name];
        return (
          <button
            key={name}
            type="button"
            className={`btn btn-small${name === "cancel" ? " rl-danger" : ""}${compact ? " btn-ghost btn-icon-sm" : ""}`}
            disabled={busy}
            aria-label={compact ? `${LABELS[name]}: ${runId}` : undefined}
            title={LABELS[name]}
            onClick={() =>
              control.mutate(
                { runId, control: name },
                { onError: (error) => onError(name, error), onSuccess: () => onDone?.(name) },
              )
            }
          >
            <Icon />
            {!compact && (busy && control.variables?.control === name ? ` ${label}…` : ` ${label}`)}
          </button>
        );
      })}
    </div>
  );
}

export const CONTROL_LABELS = LABELS;
