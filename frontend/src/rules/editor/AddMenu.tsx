/** The "Add" menu under every list of the tree: an action from the catalog, a control block, or a template. */
import { useId, useState } from "react";

import { PlusIcon } from "../icons";
import { BLOCK_KINDS, newAction, newBlock, type BlockKind } from "./blocks";
import { QUEUE_LABELS, useTree } from "./context";
import { buildTemplate, TEMPLATES, type TemplateName } from "./templates";
import type { ListRef } from "./tree";

interface Props {
  target: ListRef;
  /** The dotted path of the list (`actions`, `actions.0.then`): for test ids. */
  path: string;
  /** How many entries the list has (new ones go last). */
  count: number;
  /** The id of the list's last entry: a template reads its output. */
  lastId: string | null;
  /** Names the list for the accessible names of nested menus ("Then of step 1 (If / else)"); null at the top. */
  listName: string | null;
}

export function AddMenu({ target, path, count, lastId, listName }: Props) {
  const id = useId();
  const tree = useTree();
  const [choice, setChoice] = useState("");
  const top = listName === null;

  const add = () => {
    if (!choice) return;
    const entry = choice.startsWith("block:")
      ? newBlock(choice.slice("block:".length) as BlockKind)
      : choice.startsWith("template:")
        ? buildTemplate(choice.slice("template:".length) as TemplateName, tree.catalog, lastId)
        : newAction(choice);
    tree.insert(target, count, entry);
    setChoice("");
  };

  const described = choice.startsWith("block:")
    ? BLOCK_KINDS.find((b) => `block:${b.kind}` === choice)?.description
    : choice.startsWith("template:")
      ? TEMPLATES.find((t) => `template:${t.name}` === choice)?.description
      : choice
        ? tree.byType.get(choice)?.description
        : undefined;

  return (
    <div className={`rl-add-action${top ? "" : " rl-add-nested"}`}>
      <label htmlFor={`${id}-add`} className="visually-hidden">
        {top ? "Action to add" : `Entry to add to ${listName}`}
      </label>
      <select id={`${id}-add`} value={choice} onChange={(event) => setChoice(event.target.value)} data-testid={`add-${path}`}>
        <option value="">{top ? "Choose an action or block to add…" : "Add an action or block…"}</option>
        {tree.grouped.map(([queue, actions]) => (
          <optgroup key={queue} label={QUEUE_LABELS[queue] ?? queue}>
            {actions.map((action) => (
              <option key={action.type} value={action.type}>
                {action.name} ({action.type})
              </option>
            ))}
          </optgroup>
        ))}
        <optgroup label="Control blocks">
          {BLOCK_KINDS.map((block) => (
            <option key={block.kind} value={`block:${block.kind}`}>
              {block.label}
            </option>
          ))}
        </optgroup>
        <optgroup label="Templates">
          {TEMPLATES.map((template) => (
            <option key={template.name} value={`template:${template.name}`}>
              {template.label}
            </option>
          ))}
        </optgroup>
      </select>
      <button
        type="button"
        className={`btn${top ? "" : " btn-small"}`}
        onClick={add}
        disabled={!choice}
        aria-label={top ? undefined : `Add to ${listName}`}
        data-testid={`add-button-${path}`}
      >
        <PlusIcon /> {top ? "Add action" : "Add"}
      </button>
      {described && <span className="muted small rl-add-desc">{described}</span>}
    </div>
  );
}
