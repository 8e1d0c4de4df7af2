/**
 * The signing secret of a rule with a webhook step: its outgoing calls carry X-Automation-Timestamp and
 * X-Automation-Signature so the receiver can check them. The secret is shown once (after the save that made it,
 * or a rotation); afterwards only rotating gives a new one.
 */
import { SecretShownOnce } from "../ui";

interface Props {
  /** The draft has a webhook step (saved or not). */
  hasWebhookStep: boolean;
  /** The saved rule has one, so it has a signing secret on the server. */
  savedWithWebhookStep: boolean;
  /** The secret, right after it was made or rotated; null otherwise. */
  secret: string | null;
  onRotate: (() => void) | null;
  rotating: boolean;
}

export function SigningSecretPanel({ hasWebhookStep, savedWithWebhookStep, secret, onRotate, rotating }: Props) {
  if (!hasWebhookStep && !secret) return null;
  return (
    <div className="rl-signing" data-testid="signing-panel">
      <h3 className="rl-subhead">Webhook signing</h3>
      {secret ? (
        <SecretShownOnce secret={secret} testId="signing-secret" copyLabel="Copy signing secret" />
      ) : savedWithWebhookStep ? (
        <p className="muted small">
          The signing secret was shown once, when the rule got its webhook step. Lost it?{" "}
          {onRotate && (
            <button type="button" className="btn btn-small" onClick={onRotate} disabled={rotating}>
              {rotating ? "Rotating…" : "Rotate signing secret"}
            </button>
          )}
        </p>
      ) : (
        <p className="muted small">Save the rule to get the secret its webhook calls are signed with (shown once).</p>
      )}
      <p className="muted small">
        Each call carries <code>X-Automation-Timestamp</code> (Unix seconds) and <code>X-Automation-Signature: sha256=&lt;hex&gt;</code>,
        the HMAC-SHA256 of <code>&lt;timestamp&gt;.&lt;raw body&gt;</code> with this secret. Check both, and refuse old timestamps.
      </p>
    </div>
  );
}
