/**
 * Conditions: a visual builder (react-querybuilder) over the fields the trigger carries, or raw
 * JSONLogic, round-tripping both ways; and "Test", which evaluates them through rules/{id}/test/
 * against a sample context or a real object and shows the per-node trace.
 */
import { useEffect, useId, useMemo, useState } from "react";
import { prepareRuleGroup, QueryBuilder, type RuleGroupType } from "react-querybuilder";
import "react-querybuilder/dist/query-builder-layout.css";

import { ApiError } from "../../api/client";
import { useTestConditions } from "../api";
import {
  fieldsFor,
  logicPathToQueryPath,
  logicToText,
  nodeAt,
  parseLogicText,
  queryToLogic,
  sampleContext,
  traceOutcomes,
  visualSupport,
  type NodeOutcome,
} from "../conditions";
import { describeLogic } from "../graph";
import type { ConditionError } from "../errors";
import { FlaskIcon } from "../icons";
import type { EventType, JsonLogic, TestResult, Trigger } from "../types";
import { FieldError, JsonBlock } from "../ui";
import { TraceTable } from "./TraceTable";

interface Props {
  logic: JsonLogic | null;
  onChange: (logic: JsonLogic | null) => void;
  trigger: Trigger;
  events: readonly EventType[];
  errors: ConditionError[];
  /** The rule to test against (the saved rule; for a new rule any rule of the account, with a sample). */
  testRuleId: number | null;
  /** Whether a real object can be used (the saved rule's trigger is the draft's event trigger). */
  objectTestable: boolean;
  site: { id: number; domain: string } | null;
  /** Set from "Test with this object" in the triggers panel. */
  testObject?: { id: number; nonce: number } | null;
  /** Told the context of each test that ran (the placeholder preview fills from it), and what it was. */
  onSample?: (context: Record<string, unknown>, label: string) => void;
}

const TRANSLATIONS = {
  addRule: { label: "+ Condition", title: "Add condition" },
  addGroup: { label: "+ Group", title: "Add group" },
  removeRule: { label: "✕", title: "Remove condition" },
  removeGroup: { label: "✕", title: "Remove group" },
  fields: { title: "Field", placeholderLabel: "Choose a field…" },
  operators: { title: "Operator" },
  value: { title: "Value" },
  combinators: { title: "Combine with" },
  notToggle: { label: "Not", title: "Negate this group" },
};

const CLASSNAMES = {
  queryBuilder: "rl-qb",
  ruleGroup: "rl-qb-group",
  header: "rl-qb-header",
  body: "rl-qb-body",
  rule: "rl-qb-rule",
  addRule: "btn btn-small",
  addGroup: "btn btn-small btn-ghost",
  removeRule: "btn btn-small btn-ghost rl-qb-remove",
  removeGroup: "btn btn-small btn-ghost rl-qb-remove",
  combinators: "rl-qb-combinator",
  fields: "rl-qb-field",
  operators: "rl-qb-operator",
  value: "rl-qb-value",
  notToggle: "rl-qb-not",
};

type Mode = "visual" | "json";

export function ConditionsSection(props: Props) {
  const { logic, onChange, trigger, events, errors } = props;
  const id = useId();
  const [extraPaths, setExtraPaths] = useState<string[]>([]);
  const fields = useMemo(() => fieldsFor(trigger, events, logic, extraPaths), [trigger, events, logic, extraPaths]);
  const [initial] = useState(() => visualSupport(logic, fields));
  const [mode, setMode] = useState<Mode>(initial.ok ? "visual" : "json");
  const [query, setQuery] = useState<RuleGroupType>(() => prepareRuleGroup(initial.query));
  const [text, setText] = useState(() => logicToText(logic));
  const [textError, setTextError] = useState<string | null>(null);
  const [switchProblem, setSwitchProblem] = useState<string | null>(initial.ok ? null : (initial.reason ?? null));
  const [result, setResult] = useState<{ result: TestResult; logic: JsonLogic | null } | null>(null);
  const [newPath, setNewPath] = useState("");

  // A test result describes the conditions it ran on; drop it when they change.
  const stale = result !== null && JSON.stringify(result.logic) !== JSON.stringify(logic);
  const outcomes = useMemo<Map<string, NodeOutcome>>(
    () => (result && !stale ? traceOutcomes(logic, query, result.result.trace) : new Map()),
    [result, stale, logic, query],
  );
  const errorIds = useMemo(() => {
    const out = new Set<string>();
    for (const error of errors) {
      if (!error.path) continue;
      const path = logicPathToQueryPath(logic, error.path);
      const node = path ? nodeAt(query, path) : null;
      if (node?.id) out.add(node.id);
    }
    return out;
  }, [errors, logic, query]);

  const classFor = (nodeId: string | undefined) => {
    if (!nodeId) return "";
    const outcome = outcomes.get(nodeId);
    return [outcome ? `rl-qb-${outcome}` : "", errorIds.has(nodeId) ? "rl-qb-invalid" : ""].join(" ");
  };

  const toJson = () => {
    setText(logicToText(logic));
    setTextError(null);
    setSwitchProblem(null);
    setMode("json");
  };

  const toVisual = () => {
    const parsed = parseLogicText(text);
    if (!parsed.ok) {
      setSwitchProblem(parsed.error);
      return;
    }
    const support = visualSupport(parsed.logic, fieldsFor(trigger, events, parsed.logic, extraPaths));
    if (!support.ok) {
      setSwitchProblem(support.reason ?? "The visual builder cannot show these conditions.");
      return;
    }
    setSwitchProblem(null);
    setQuery(prepareRuleGroup(support.query));
    setMode("visual");
  };

  const errorText = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join(" ");

  return (
    <div className="rl-conditions">
      <div className="rl-conditions-head">
        <div className="rl-segmented" role="group" aria-label="Conditions editor">
          <button type="button" aria-pressed={mode === "visual"} onClick={() => mode !== "visual" && toVisual()}>
            Visual
          </button>
          <button type="button" aria-pressed={mode === "json"} onClick={() => mode !== "json" && toJson()}>
            JSONLogic
          </button>
        </div>
        <span className="muted small rl-conditions-summary" data-testid="conditions-summary">
          {logic ? describeLogic(logic, 160) : "No conditions: the rule runs on every trigger."}
        </span>
      </div>
      {switchProblem && (
        <p className="rl-inline-warning" role="status">
          {switchProblem}
        </p>
      )}
      {mode === "visual" ? (
        <div className={`rl-qb-wrap${errors.length ? " rl-qb-wrap-invalid" : ""}`} aria-describedby={errors.length ? `${id}-error` : undefined}>
          <QueryBuilder
            fields={fields}
            query={query}
            onQueryChange={(next) => {
              setQuery(next);
              onChange(queryToLogic(next, fields));
            }}
            translations={TRANSLATIONS}
            controlClassnames={CLASSNAMES}
            getRuleClassname={(rule) => classFor(rule.id)}
            getRuleGroupClassname={(group) => classFor(group.id)}
            showNotToggle
            resetOnFieldChange
            addRuleToNewGroups
          />
          <div className="rl-qb-extra">
            <label htmlFor={`${id}-path`} className="muted small">
              Another context path
            </label>
            <input
              id={`${id}-path`}
              className="rl-mono rl-input-small"
              placeholder="payload.priority"
              value={newPath}
              onChange={(event) => setNewPath(event.target.value)}
              spellCheck={false}
            />
            <button
              type="button"
              className="btn btn-small btn-ghost"
              disabled={!/^[A-Za-z_][\w.]*$/.test(newPath)}
              onClick={() => {
                setExtraPaths((paths) => [...new Set([...paths, newPath])]);
                setNewPath("");
              }}
            >
              Add field
            </button>
          </div>
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-json`}>JSONLogic</label>
          <textarea
            id={`${id}-json`}
            className="rl-textarea rl-mono"
            rows={Math.min(18, Math.max(6, text.split("\n").length + 1))}
            value={text}
            spellCheck={false}
            placeholder='{">": [{"var": "object.volume"}, 1000]}'
            aria-invalid={textError || errors.length ? true : undefined}
            aria-describedby={`${id}-json-help${textError ? ` ${id}-json-error` : ""}${errors.length ? ` ${id}-error` : ""}`}
            onChange={(event) => {
              setText(event.target.value);
              const parsed = parseLogicText(event.target.value);
              if (parsed.ok) {
                setTextError(null);
                onChange(parsed.logic);
              } else {
                setTextError(parsed.error);
              }
            }}
          />
          <span className="muted small" id={`${id}-json-help`}>
            Standard JSONLogic; read values with <code>{'{"var": "object.volume"}'}</code>. Empty: no conditions.
          </span>
          <FieldError id={`${id}-json-error`} message={textError ?? undefined} />
        </div>
      )}
      <FieldError id={`${id}-error`} message={errorText || undefined} />
      <TestPanel {...props} onResult={(r) => setResult({ result: r, logic })} result={stale ? null : (result?.result ?? null)} />
    </div>
  );
}

// --- test ----------------------------------------------------------------------------------------

function TestPanel({
  logic,
  trigger,
  events,
  testRuleId,
  objectTestable,
  site,
  testObject,
  onSample,
  onResult,
  result,
}: Props & { onResult: (result: TestResult) => void; result: TestResult | null }) {
  const id = useId();
  const test = useTestConditions();
  const [open, setOpen] = useState(false);
  const [source, setSource] = useState<"sample" | "object">("sample");
  const prefill = useMemo(() => JSON.stringify(sampleContext(trigger, events, site), null, 2), [trigger, events, site]);
  const [sample, setSample] = useState(prefill);
  const [touched, setTouched] = useState(false);
  const [objectId, setObjectId] = useState("");
  const [sampleError, setSampleError] = useState<string | null>(null);
  const objectType = trigger.type === "event" ? (trigger.event ?? "").split(".")[0] : "";

  useEffect(() => {
    if (!touched) setSample(prefill);
  }, [prefill, touched]);

  useEffect(() => {
    if (!testObject) return;
    setOpen(true);
    setSource("object");
    setObjectId(String(testObject.id));
  }, [testObject]);

  const run = () => {
    if (testRuleId === null) return;
    const conditions = logic ?? {};
    if (source === "sample") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(sample);
      } catch (error) {
        setSampleError(`Not valid JSON: ${(error as Error).message}`);
        return;
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        setSampleError("The sample must be a JSON object (a condition context).");
        return;
      }
      setSampleError(null);
      test.mutate(
        { id: testRuleId, body: { sample: parsed as Record<string, unknown>, conditions } },
        { onSuccess: (r) => (onResult(r), onSample?.(r.context, "the sample tested under Conditions")) },
      );
    } else {
      test.mutate(
        { id: testRuleId, body: { object_id: Number(objectId), conditions } },
        { onSuccess: (r) => (onResult(r), onSample?.(r.context, `${objectType || "object"} ${objectId} tested under Conditions`)) },
      );
    }
  };

  const apiError = test.error instanceof ApiError ? test.error : null;
  const fieldMessages = apiError ? Object.entries(apiError.fieldErrors).flatMap(([key, messages]) => messages.map((m) => `${key === "detail" ? "" : `${key}: `}${m}`)) : [];

  return (
    <div className={`rl-test${open ? " rl-test-open" : ""}`}>
      <button type="button" className="btn btn-small rl-test-toggle" aria-expanded={open} aria-controls={`${id}-panel`} onClick={() => setOpen(!open)}>
        <FlaskIcon /> Test the conditions
      </button>
      {open && (
        <div id={`${id}-panel`} className="rl-test-panel">
          <div className="rl-segmented" role="group" aria-label="Test with">
            <button type="button" aria-pressed={source === "sample"} onClick={() => setSource("sample")}>
              Sample data
            </button>
            <button
              type="button"
              aria-pressed={source === "object"}
              onClick={() => setSource("object")}
              disabled={!objectTestable}
              title={objectTestable ? undefined : "Save the rule with an event trigger to test against a real object."}
            >
              A real {objectType || "object"}
            </button>
          </div>
          {source === "sample" ? (
            <div className="field">
              <div className="rl-label-row">
                <label htmlFor={`${id}-sample`}>Sample context (JSON)</label>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => {
                    setSample(prefill);
                    setTouched(false);
                  }}
                >
                  Reset from the event's fields
                </button>
              </div>
              <textarea
                id={`${id}-sample`}
                className="rl-textarea rl-mono"
                rows={Math.min(16, sample.split("\n").length + 1)}
                value={sample}
                spellCheck={false}
                aria-invalid={sampleError ? true : undefined}
                aria-describedby={sampleError ? `${id}-sample-error` : `${id}-sample-help`}
                onChange={(event) => {
                  setSample(event.target.value);
                  setTouched(true);
                }}
              />
              <span className="muted small" id={`${id}-sample-help`}>
                Merged over the rule's own context (site, account, now). Edit the values, then test.
              </span>
              <FieldError id={`${id}-sample-error`} message={sampleError ?? undefined} />
            </div>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-object`}>{objectType ? `${objectType.charAt(0).toUpperCase()}${objectType.slice(1)} id` : "Object id"}</label>
              <input
                id={`${id}-object`}
                type="number"
                min={1}
                className="rl-input-narrow"
                value={objectId}
                onChange={(event) => setObjectId(event.target.value)}
              />
            </div>
          )}
          <div className="rl-test-actions">
            <button
              type="button"
              className="btn btn-primary"
              onClick={run}
              disabled={test.isPending || testRuleId === null || (source === "object" && !/^\d+$/.test(objectId))}
            >
              {test.isPending ? "Testing…" : "Run the test"}
            </button>
            {testRuleId === null && <span className="muted small">Testing needs at least one saved rule in the account.</span>}
            <span className="muted small">Nothing is executed.</span>
          </div>
          {test.isError && (
            <div className="rl-test-result rl-test-error" role="alert">
              <strong>The test could not run.</strong>
              {fieldMessages.length ? (
                <ul>
                  {fieldMessages.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              ) : (
                <p>{(test.error as Error).message}</p>
              )}
            </div>
          )}
          {result && !test.isError && <TestResultView result={result} />}
        </div>
      )}
    </div>
  );
}

function TestResultView({ result }: { result: TestResult }) {
  const verdict = result.error ? "error" : result.result ? "pass" : "fail";
  return (
    <div className={`rl-test-result rl-test-${verdict}`} role="status" data-testid="test-result">
      <strong className="rl-test-verdict">
        {verdict === "pass" && "✓ Conditions pass — the rule would run."}
        {verdict === "fail" && "✗ Conditions fail — the trigger would be dropped."}
        {verdict === "error" && "⚠ The conditions cannot be evaluated — the trigger would be recorded as a condition error."}
      </strong>
      {result.error && (
        <p className="rl-mono small">
          {result.error.path}: {result.error.message}
        </p>
      )}
      {result.trace.length > 0 ? (
        <TraceTable trace={result.trace} />
      ) : (
        <p className="muted small">No conditions to trace: the rule runs on every trigger.</p>
      )}
      <details className="rl-details">
        <summary>Context the conditions saw</summary>
        <JsonBlock value={result.context} maxHeight={280} label="Evaluation context" />
      </details>
    </div>
  );
}

