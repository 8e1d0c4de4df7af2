/** Pause / resume / cancel / retry / re-run buttons for a run, offered according to its status. */
import type { JSX } from "react";
import { useNavigate } from "react-router";

import { withSite } from "../shell/site";
import { readableRefusal, useRerun, useRunControl, type RunControl } from "../rules/api";
import { PauseIcon, PlayIcon, RerunIcon, RestartIcon, RetryIcon, StopIcon } from "../rules/icons";

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
      return ["retry", "retry-from-start", "rerun"];
    case "completed":
    case "completed_with_errors":
      return ["rerun"];
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
  rerun: "Re-run",
};

/** What each button does, for its tooltip. */
const TITLES: Record<RunControl, string> = {
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
  retry: "Retry failed step",
  "retry-from-start": "Retry from start",
  rerun: "Re-run: a new run of the same rule with the same trigger data",
};

const ICONS: Record<RunControl, () => JSX.Element> = {
  pause: () => <PauseIcon size={14} />,
  resume: () => <PlayIcon size={14} />,
  cancel: () => <StopIcon size={14} />,
  retry: () => <RetryIcon size={14} />,
  "retry-from-start": () => <RestartIcon size={14} />,
  rerun: () => <RerunIcon size={14} />,
};

interface Props {
  runId: string;
  status: string;
  /** The site in the URL, kept when a re-run opens the new run. */
  siteId?: number | null;
  /** Compact buttons for table rows. */
  compact?: boolean;
  /** A failed control; a refused re-run (402 credits, 409 active) arrives as one readable sentence. */
  onError: (control: RunControl, error: unknown) => void;
  onDone?: (control: RunControl) => void;
}

export function RunControls({ runId, status, siteId = null, compact, onError, onDone }: Props) {
  const control = useRunControl();
  const rerun = useRerun();
  const navigate = useNavigate();
  const controls = controlsFor(status);
  if (controls.length === 0) return null;
  const busy = (control.isPending && control.variables?.runId === runId) || (rerun.isPending && rerun.variables === runId);
  const pendingControl = rerun.isPending ? "rerun" : control.variables?.control;
  const run = (name: RunControl) => {
    if (name === "rerun") {
      rerun.mutate(runId, {
        onError: (error) => onError(name, readableRefusal(error)),
        onSuccess: (started) => {
          onDone?.(name);
          navigate(withSite(`/runs/${started.run_id}`, siteId));
        },
      });
      return;
    }
    control.mutate({ runId, control: name }, { onError: (error) => onError(name, error), onSuccess: () => onDone?.(name) });
  };
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
            aria-label={compact ? `${label}: ${runId}` : undefined}
            title={TITLES[name]}
            onClick={() => run(name)}
          >
            <Icon />
            {!compact && (busy && pendingControl === name ? ` ${label}…` : ` ${label}`)}
          </button>
        );
      })}
    </div>
  );
}

export const CONTROL_LABELS = LABELS;
