/** Under a string param with `{…}` placeholders: the text as a run would send it, filled from a sample. */
import { useContext, useMemo } from "react";

import { TreeContext } from "./context";
import { useRuleExtras } from "./extras";
import { hasPlaceholders, loopNames, previewTemplate, type Segment } from "./placeholders";
import "./extras.css";

export function PlaceholderPreview({ text, id }: { text: string; id?: string }) {
  const { sample } = useRuleExtras();
  const tree = useContext(TreeContext);
  const root = tree?.root;
  const ids = tree?.ids;
  const loopVars = useMemo(() => (root ? loopNames(root) : []), [root]);
  const stepIds = useMemo(() => (ids ? new Set(ids.values()) : undefined), [ids]);
  if (!hasPlaceholders(text)) return null;
  const segments = previewTemplate(text, sample.values, { loopVars, stepIds, openPayload: sample.openPayload });
  const notes = segments.filter((s): s is Extract<Segment, { reason: string }> => s.kind === "runtime" || s.kind === "unknown");
  return (
    <div className="rl-preview" id={id} data-testid="placeholder-preview">
      <span className="rl-preview-label muted small">Preview with {sample.label}:</span>
      <p className="rl-preview-text">
        {segments.map((segment, index) => {
          if (segment.kind === "text") return <span key={index}>{segment.text}</span>;
          if (segment.kind === "filled") {
            return (
              <mark key={index} className="rl-ph rl-ph-filled" title={`${segment.text} from the sample`} data-kind="filled">
                {segment.value === "" ? <em>{`(empty ${segment.path})`}</em> : segment.value}
              </mark>
            );
          }
          return (
            <mark key={index} className={`rl-ph rl-ph-${segment.kind}`} title={segment.reason} data-kind={segment.kind}>
              {segment.text}
            </mark>
          );
        })}
      </p>
      {notes.length > 0 && (
        <ul className="rl-preview-notes small">
          {[...new Map(notes.map((n) => [n.text, n])).values()].map((note) => (
            <li key={note.text} className={note.kind === "unknown" ? "rl-warning-text" : "muted"} data-kind={note.kind}>
              <code>{note.text}</code>: {note.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
