/** The "Dry run" label of a run (issue 15): a dry run changes nothing, calls nothing outside and charges nothing. */
import { Pill } from "../shell/Pill";
import "./runs.css";

/** True for a run recorded as a dry run (`dry_run` on runs of the list and detail). */
export function isDryRun(run: object): boolean {
  return "dry_run" in run && (run as { dry_run?: unknown }).dry_run === true;
}

export const DRY_RUN_MEANING = "A dry run: nothing was changed, no outbound call was made and no credits were charged.";

export function DryRunPill({ run }: { run: object }) {
  if (!isDryRun(run)) return null;
  return (
    <Pill tone="warning" className="rl-dry-run" title={DRY_RUN_MEANING} data-testid="dry-run-pill">
      Dry run
    </Pill>
  );
}

/** On the run page: what a dry run is, once, above its steps. */
export function DryRunNotice({ run }: { run: object }) {
  if (!isDryRun(run)) return null;
  return (
    <div className="banner rl-dry-run-banner" role="note" data-testid="dry-run-notice">
      <div className="banner-body">
        <strong className="banner-title">This was a dry run</strong>
        <p className="small">
          Each step ran with its side effects stubbed and its work rolled back: nothing was changed, AI went through the
          offline provider, WordPress, webhooks and email were not called and no credits were charged. Each step's result
          says what it would have done.
        </p>
      </div>
    </div>
  );
}

/** A dry-run step's `result.dry_run` (`{"would_charge": "3.00", "calls": ["POST https://…"]}`) in words. */
export function dryRunWouldDo(result: unknown): string[] {
  if (result === null || typeof result !== "object") return [];
  const dry = (result as { dry_run?: unknown }).dry_run;
  if (dry === null || typeof dry !== "object") return [];
  const { would_charge: charge, calls } = dry as { would_charge?: unknown; calls?: unknown };
  const lines: string[] = [];
  const credits = Number(charge);
  if (charge !== undefined && charge !== null && Number.isFinite(credits) && credits > 0) {
    lines.push(`would charge ${credits % 1 === 0 ? credits : credits.toFixed(2)} credits`);
  }
  for (const call of Array.isArray(calls) ? calls : []) if (typeof call === "string") lines.push(`would call ${call}`);
  return lines;
}

/** Under a dry-run step in the step list: what it would have done (nothing when it would do nothing outside). */
export function DryRunStepNote({ result, stepKey }: { result: unknown; stepKey: string }) {
  const lines = dryRunWouldDo(result);
  if (lines.length === 0) return null;
  return (
    <span className="small rl-block rl-dry-run-note" data-testid={`step-dry-run-${stepKey}`}>
      {lines.join(" · ")}
    </span>
  );
}
