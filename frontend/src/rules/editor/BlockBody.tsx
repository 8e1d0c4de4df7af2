/** A control block's form: its own fields (condition, items, join, wait, rule, stop) and its nested lists, drawn recursively. */
import { useId, type ReactNode } from "react";

import { useRules } from "../api";
import type { StepDraft } from "../draft";
import { entryFieldError } from "../errors";
import { describeLogic } from "../graph";
import { FieldError } from "../ui";
import { toInt } from "./ActionBody";
import { newCase } from "./blocks";
import { useTree } from "./context";
import { EntryList } from "./EntryList";
import { LogicField } from "./LogicField";
import { WaitFields } from "./WaitFields";

interface Props {
  entry: StepDraft;
  path: string;
  depth: number;
}

/** A one-line summary of a folded block. */
export function blockFacts(entry: StepDraft): string[] {
  switch (entry.type) {
    case "if":
      return [`if ${describeLogic(entry.condition, 60)}`, `then ${entry.then?.length ?? 0}`, `else ${entry.else?.length ?? 0}`];
    case "switch":
      return [`${entry.cases?.length ?? 0} cases`, `default ${entry.default?.length ?? 0}`];
    case "for_each":
      return [`over ${describeLogic(entry.items, 60)}`, `as ${entry.as || "item"}`, `${entry.do?.length ?? 0} steps`];
    case "parallel":
      return [`${entry.branches?.length ?? 0} branches`, `join ${entry.join ?? "all"}`];
    case "wait":
      return entry.for === "duration" ? [`${entry.seconds ?? "?"} s`] : entry.for === "event" ? [entry.event || "event?"] : [entry.prompt || "approval"];
    case "call_rule":
      return [`rule ${entry.rule ?? "?"}`, entry.wait ? "waits" : "does not wait"];
    case "stop":
      return [entry.status ?? "completed", entry.message ?? ""].filter(Boolean);
    default:
      return [];
  }
}

export function BlockBody({ entry, path, depth }: Props) {
  const id = useId();
  const tree = useTree();
  const errors = tree.errorsByKey.get(entry.key);
  const err = (key: string) => entryFieldError(errors, key);
  const update = (patch: Partial<StepDraft>) => tree.update(entry.key, patch);
  const blockId = tree.ids.get(entry.key) ?? entry.key;
  const list = (suffix: string, label: string, items: StepDraft[]) => (
    <EntryList
      target={{ owner: entry.key, list: suffix }}
      path={`${path}.${suffix}`}
      list={items}
      listName={`${label} of ${blockId}`}
      depth={depth + 1}
      error={err(suffix)}
    />
  );

  const nameField = (
    <div className="field rl-grow">
      <label htmlFor={`${id}-name`}>Block name</label>
      <input id={`${id}-name`} value={entry.name ?? ""} placeholder="optional" maxLength={200} onChange={(event) => update({ name: event.target.value })} />
      <FieldError id={`${id}-name-error`} message={err("name")} />
    </div>
  );

  switch (entry.type) {
    case "if":
      return (
        <div className="rl-block-body">
          <div className="rl-form-row">{nameField}</div>
          <LogicField label="Condition (JSONLogic)" value={entry.condition ?? null} onChange={(condition) => update({ condition })} error={err("condition")} testId="block-condition" />
          <Branch label="Then">{list("then", "Then", entry.then ?? [])}</Branch>
          <Branch label="Else">{list("else", "Else", entry.else ?? [])}</Branch>
        </div>
      );
    case "switch": {
      const cases = entry.cases ?? [];
      return (
        <div className="rl-block-body">
          <div className="rl-form-row">{nameField}</div>
          {cases.map((c, i) => (
            <Branch
              key={c.key}
              label={`Case ${i + 1}`}
              onRemove={cases.length > 1 ? () => update({ cases: cases.filter((x) => x.key !== c.key) }) : undefined}
            >
              <LogicField
                label={`Case ${i + 1} condition (JSONLogic)`}
                value={c.condition}
                onChange={(condition) => update({ cases: cases.map((x) => (x.key === c.key ? { ...x, condition } : x)) })}
                error={err(`cases.${i}.condition`) ?? err(`cases.${i}`)}
                testId="case-condition"
              />
              {list(`cases.${i}.do`, `Case ${i + 1}`, c.do)}
            </Branch>
          ))}
          <button type="button" className="btn btn-small" onClick={() => update({ cases: [...cases, newCase()] })} data-testid="add-case">
            Add a case to {blockId}
          </button>
          <FieldError id={`${id}-cases-error`} message={err("cases")} />
          <Branch label="Default">{list("default", "Default", entry.default ?? [])}</Branch>
        </div>
      );
    }
    case "for_each":
      return (
        <div className="rl-block-body">
          <div className="rl-form-row">{nameField}</div>
          <LogicField
            label="Items (JSONLogic giving a list)"
            value={entry.items ?? null}
            onChange={(items) => update({ items })}
            error={err("items")}
            anyJson
            help='e.g. {"var": "object.keywords"} or {"var": "steps.<id>.output.ids"}. At most 400 items.'
            testId="block-items"
          />
          <div className="rl-form-row">
            <div className="field">
              <label htmlFor={`${id}-as`}>Item name</label>
              <input id={`${id}-as`} className="rl-mono rl-input-narrow" value={entry.as ?? ""} placeholder="item" onChange={(event) => update({ as: event.target.value })} />
              <span className="muted small">
                Read as <code>{`{"var": "${entry.as || "item"}"}`}</code> and <code>{'{"var": "item_index"}'}</code>.
              </span>
              <FieldError id={`${id}-as-error`} message={err("as")} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-conc`}>At once</label>
              <input
                id={`${id}-conc`}
                type="number"
                min={1}
                max={16}
                className="rl-input-narrow"
                value={entry.concurrency ?? ""}
                placeholder="1"
                aria-invalid={err("concurrency") ? true : undefined}
                onChange={(event) => update({ concurrency: event.target.value === "" ? null : toInt(event.target.value) })}
              />
              <FieldError id={`${id}-conc-error`} message={err("concurrency")} />
            </div>
          </div>
          <Branch label="Do, for each item">{list("do", "Do", entry.do ?? [])}</Branch>
        </div>
      );
    case "parallel": {
      const branches = entry.branches ?? [];
      return (
        <div className="rl-block-body">
          <div className="rl-form-row">
            {nameField}
            <div className="field">
              <label htmlFor={`${id}-join`}>Continue when</label>
              <select id={`${id}-join`} value={entry.join ?? "all"} onChange={(event) => update({ join: event.target.value as "all" | "any" })}>
                <option value="all">all branches are done</option>
                <option value="any">any branch is done</option>
              </select>
              <FieldError id={`${id}-join-error`} message={err("join")} />
            </div>
          </div>
          {branches.map((branch, i) => (
            <Branch
              key={i}
              label={`Branch ${i + 1}`}
              onRemove={branches.length > 2 ? () => update({ branches: branches.filter((_, j) => j !== i) }) : undefined}
            >
              {list(`branches.${i}`, `Branch ${i + 1}`, branch)}
            </Branch>
          ))}
          <button type="button" className="btn btn-small" disabled={branches.length >= 10} onClick={() => update({ branches: [...branches, []] })}>
            Add a branch to {blockId}
          </button>
          <FieldError id={`${id}-branches-error`} message={err("branches")} />
        </div>
      );
    }
    case "wait":
      return <WaitFields entry={entry} nameField={nameField} />;
    case "call_rule":
      return <CallRuleFields entry={entry} nameField={nameField} />;
    case "stop":
      return (
        <div className="rl-block-body rl-form-row">
          {nameField}
          <div className="field">
            <label htmlFor={`${id}-status`}>End the run as</label>
            <select id={`${id}-status`} value={entry.status ?? "completed"} onChange={(event) => update({ status: event.target.value as "completed" | "failed" })}>
              <option value="completed">completed</option>
              <option value="failed">failed</option>
            </select>
            <FieldError id={`${id}-status-error`} message={err("status")} />
          </div>
          <div className="field rl-grow">
            <label htmlFor={`${id}-message`}>Message</label>
            <input id={`${id}-message`} value={entry.message ?? ""} placeholder="optional" onChange={(event) => update({ message: event.target.value })} />
            <FieldError id={`${id}-message-error`} message={err("message")} />
          </div>
        </div>
      );
    default:
      return null;
  }
}

function Branch({ label, onRemove, children }: { label: string; onRemove?: () => void; children: ReactNode }) {
  return (
    <section className="rl-branch" aria-label={label}>
      <header className="rl-branch-head">
        <span className="rl-branch-label">{label}</span>
        {onRemove && (
          <button type="button" className="btn btn-small btn-ghost rl-danger" onClick={onRemove}>
            Remove {label.toLowerCase()}
          </button>
        )}
      </header>
      {children}
    </section>
  );
}

function CallRuleFields({ entry, nameField }: { entry: StepDraft; nameField: ReactNode }) {
  const id = useId();
  const tree = useTree();
  const rules = useRules();
  const err = (key: string) => entryFieldError(tree.errorsByKey.get(entry.key), key);
  const update = (patch: Partial<StepDraft>) => tree.update(entry.key, patch);
  const options = rules.data?.results ?? [];
  return (
    <div className="rl-block-body">
      <div className="rl-form-row">
        {nameField}
        <div className="field rl-grow">
          <label htmlFor={`${id}-rule`}>Rule to call</label>
          <select
            id={`${id}-rule`}
            value={entry.rule ?? ""}
            aria-invalid={err("rule") ? true : undefined}
            onChange={(event) => update({ rule: event.target.value === "" ? null : Number(event.target.value) })}
          >
            <option value="">{rules.isLoading ? "Loading the rules…" : "Choose a rule…"}</option>
            {entry.rule != null && !options.some((r) => r.id === entry.rule) && <option value={entry.rule}>Rule #{entry.rule}</option>}
            {options.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} (#{r.id})
              </option>
            ))}
          </select>
          <FieldError id={`${id}-rule-error`} message={err("rule") ?? (rules.isError ? "Could not load the rules." : undefined)} />
        </div>
      </div>
      <LogicField label="Payload (JSON object)" value={entry.payload ?? null} onChange={(payload) => update({ payload })} error={err("payload")} anyJson testId="call-payload" />
      <label className="rl-check">
        <input type="checkbox" checked={entry.wait ?? false} onChange={(event) => update({ wait: event.target.checked })} />
        <span>
          Wait for it <span className="muted small">— the next steps start when the child run ends, and can read its outputs.</span>
        </span>
      </label>
    </div>
  );
}
