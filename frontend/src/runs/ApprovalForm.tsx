/**
 * A step waiting for a person: its prompt, an optional note, and Approve / Reject. Used on the graph's
 * wait node and in the run page's step list; a refusal (409: no longer waiting) shows the server's reason.
 */
import { useId, useState } from "react";

import { errorMessage } from "../api/client";
import { useApproveStep, type Decision } from "./api";
import "./runs.css";

interface Props {
  runId: string;
  stepKey: string;
  prompt: string;
  /** Where it is shown, for the test ids: `graph` or `steps`. */
  place: "graph" | "steps";
  /** Until when it waits (ISO), if it times out. */
  until?: string;
}

export function ApprovalForm({ runId, stepKey, prompt, place, until }: Props) {
  const id = useId();
  const [note, setNote] = useState("");
  const approve = useApproveStep(runId);
  const decide = (decision: Decision) => approve.mutate({ step: stepKey, decision, ...(note.trim() ? { note: note.trim() } : {}) });
  const pending = approve.isPending ? approve.variables?.decision : undefined;
  return (
    <div
      className="rl-approval nodrag nopan"
      role="group"
      aria-label={`Approval: ${prompt || stepKey}`}
      data-testid={`${place}-approval-${stepKey}`}
      // Inside a graph node: a click here must not select the node.
      onClick={(event) => event.stopPropagation()}
    >
      <p className="rl-approval-prompt">{prompt || "Approve this step to go on."}</p>
      {until && (
        <p className="muted small">
          Waits until <time dateTime={until}>{new Date(until).toLocaleString()}</time>
        </p>
      )}
      <label htmlFor={`${id}-note`} className="small">
        Note (optional)
      </label>
      <input id={`${id}-note`} type="text" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} disabled={approve.isPending} />
      <div className="rl-approval-actions">
        <button type="button" className="btn btn-small btn-primary" disabled={approve.isPending} onClick={() => decide("approved")} data-testid={`${place}-approve-${stepKey}`}>
          {pending === "approved" ? "Approving…" : "Approve"}
        </button>
        <button type="button" className="btn btn-small rl-danger" disabled={approve.isPending} onClick={() => decide("rejected")} data-testid={`${place}-reject-${stepKey}`}>
          {pending === "rejected" ? "Rejecting…" : "Reject"}
        </button>
      </div>
      {approve.isError && (
        <p className="rl-field-error" role="alert">
          {errorMessage(approve.error)}
        </p>
      )}
      {approve.isSuccess && (
        <p className="muted small" role="status">
          {approve.variables?.decision === "approved" ? "Approved." : "Rejected."}
        </p>
      )}
    </div>
  );
}
