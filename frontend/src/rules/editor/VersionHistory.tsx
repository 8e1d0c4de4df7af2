/** The rule's saved versions: a line diff between any two (pretty-printed JSON), and restore. */
import { diffLines } from "diff";
import { useMemo, useState } from "react";

import { ErrorBanner } from "../../shell/ErrorBanner";
import { Loading } from "../../shell/states";
import { useRestoreVersion, useRuleVersions } from "../api";
import { stableStringify } from "../draft";
import type { Rule, RuleVersion } from "../types";
import { Dialog, exactTime, When } from "../ui";

interface Props {
  rule: Rule;
  dirty: boolean;
  onRestored: (rule: Rule) => void;
}

/** A snapshot as diffable text: the rule's fields in the order the server sends them (its reading order),
 * the keys inside each field sorted, so only real changes show. */
export function prettySnapshot(snapshot: object): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(snapshot)) out[key] = JSON.parse(stableStringify(value ?? null)) as unknown;
  return JSON.stringify(out, null, 2);
}

export function VersionHistory({ rule, dirty, onRestored }: Props) {
  const versions = useRuleVersions(rule.id);
  const restore = useRestoreVersion(rule.id);
  const list = useMemo(() => [...(versions.data ?? [])].sort((a, b) => b.version - a.version), [versions.data]);
  const latest = list[0]?.version ?? rule.version;
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<RuleVersion | null>(null);
  const a = list.find((v) => v.version === (from ?? list[1]?.version ?? latest));
  const b = list.find((v) => v.version === (to ?? latest));

  const parts = useMemo(() => (a && b ? diffLines(prettySnapshot(a.snapshot), prettySnapshot(b.snapshot)) : []), [a, b]);
  const changed = parts.filter((p) => p.added || p.removed).reduce((n, p) => n + (p.count ?? 0), 0);

  if (versions.isPending) return <Loading label="Loading versions…" />;
  if (versions.isError) return <ErrorBanner title="Could not load the versions" error={versions.error} onRetry={() => void versions.refetch()} />;

  return (
    <div className="rl-versions">
      <div className="rl-versions-list">
        <table className="rl-mini-table" aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">
                <span className="visually-hidden">Restore</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.version} className={v.version === rule.version ? "rl-current" : undefined}>
                <td>
                  <strong>v{v.version}</strong> {v.version === rule.version && <span className="rl-chip">current</span>}
                </td>
                <td title={exactTime(v.created_at)}>
                  <When iso={v.created_at} />
                </td>
                <td>
                  <input type="radio" name="diff-from" aria-label={`Compare from v${v.version}`} checked={a?.version === v.version} onChange={() => setFrom(v.version)} />
                </td>
                <td>
                  <input type="radio" name="diff-to" aria-label={`Compare to v${v.version}`} checked={b?.version === v.version} onChange={() => setTo(v.version)} />
                </td>
                <td>
                  {v.version !== rule.version && (
                    <button type="button" className="btn btn-small" onClick={() => setConfirm(v)}>
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {restore.isError && <ErrorBanner title="Could not restore" error={restore.error} onDismiss={() => restore.reset()} />}
      </div>
      <div className="rl-diff-wrap">
        <div className="rl-diff-head">
          <strong>
            v{a?.version ?? "?"} → v{b?.version ?? "?"}
          </strong>
          <span className="muted small">{a && b && a.version === b.version ? "Same version" : changed === 0 ? "No differences" : `${changed} changed line${changed === 1 ? "" : "s"}`}</span>
        </div>
        <pre className="rl-diff" aria-label={`Differences between v${a?.version} and v${b?.version}`} tabIndex={0}>
          {parts.map((part, index) => {
            const lines = part.value.replace(/\n$/, "").split("\n");
            const kind = part.added ? "add" : part.removed ? "del" : "same";
            // Long unchanged stretches are folded to their edges.
            const shown = kind === "same" && lines.length > 8 ? [...lines.slice(0, 3), `… ${lines.length - 6} unchanged lines …`, ...lines.slice(-3)] : lines;
            return shown.map((line, i) => (
              <span key={`${index}-${i}`} className={`rl-diff-line rl-diff-${kind}${line.startsWith("… ") && kind === "same" ? " rl-diff-fold" : ""}`}>
                <span className="rl-diff-sign" aria-hidden="true">
                  {kind === "add" ? "+" : kind === "del" ? "−" : " "}
                </span>
                {kind !== "same" && <span className="visually-hidden">{kind === "add" ? "added: " : "removed: "}</span>}
                {line}
                {"\n"}
              </span>
            ));
          })}
        </pre>
      </div>
      <Dialog
        open={confirm !== null}
        title={`Restore v${confirm?.version ?? ""}?`}
        onClose={() => setConfirm(null)}
        actions={
          <>
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={restore.isPending}
              onClick={() => {
                if (!confirm) return;
                restore.mutate(confirm.version, {
                  onSuccess: (saved) => {
                    setConfirm(null);
                    setFrom(null);
                    setTo(null);
                    onRestored(saved);
                  },
                  onError: () => setConfirm(null),
                });
              }}
            >
              {restore.isPending ? "Restoring…" : `Restore v${confirm?.version ?? ""}`}
            </button>
          </>
        }
      >
        <p>
          The rule becomes what it was in v{confirm?.version}, saved as a new version (v{latest + 1}). Nothing is lost: v{rule.version} stays in the
          history.
        </p>
        {dirty && <p className="rl-warning-text">Your unsaved changes in the editor will be discarded.</p>}
      </Dialog>
    </div>
  );
}
