"""Control flow in a rule's actions: the language's shape, and what a run does next, as a pure function.

A rule's `actions` is a list of entries. An entry is an action (`{"type": "<action>", "params": …}`) or a
control block: `if`, `switch`, `for_each`, `parallel` (they hold nested lists of entries), `wait`,
`call_rule` and `stop`. Any entry may carry an `id` (filled in by `with_ids` when absent) and an `if`
(JSONLogic; false: the entry is recorded as skipped).

A run of a rule with control flow keeps one record per entry instance it reached (a RunStep): its `key` is
the entry's id, plus `@<i>` per enclosing `for_each` iteration (`publish@3`, nested `x@3.1`), its `path`
the entry's place in the program (`actions/1/do/0`). `plan(program, records, context)` reads those records
and answers what to do now: the records to create (leaf steps to send, and the decisions of blocks: the
branch taken with the trace of its condition, a loop's items), the blocks whose state changed (a loop's
progress, a branch done) and, when nothing is left to run, how the run ends. The engine applies the plan
under the run's lock and calls it again whenever a step finishes: the records are the whole state, so a
run survives any worker stopping at any point.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rules.core.conditions import ROOT, ConditionError, context_error
from rules.core.conditions.evaluate import CompiledCondition
from rules.core.conditions.explain import Walker

BLOCKS = frozenset({"if", "switch", "for_each", "parallel"})  # hold nested lists of entries
LEAF_CONTROLS = frozenset({"wait", "call_rule"})  # run by the engine as steps, not by an action plugin
CONTROL_TYPES = BLOCKS | LEAF_CONTROLS | {"stop"}
WAIT_KINDS = ("duration", "event", "approval")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}")
FINISHED = frozenset({"completed", "failed", "skipped", "cancelled"})


def is_flow(actions: Any) -> bool:
    """True when the actions need the flow engine (a control block, an entry with an `if`, a param that reads an
    earlier step's output); a plain list of actions runs on the straight path, one step after the other."""
    if not isinstance(actions, list):
        return False
    if any(isinstance(entry, dict) and ("if" in entry or entry.get("type") in CONTROL_TYPES) for entry in actions):
        return True
    text = json.dumps(actions)
    return '"steps.' in text or "{steps." in text


def child_lists(entry: Mapping[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """An entry's nested lists: (path below the entry, label for generated ids, the list)."""
    kind = entry.get("type")
    found: list[tuple[str, str, Any]] = []
    if kind == "if":
        found = [("then", "then", entry.get("then")), ("else", "else", entry.get("else"))]
    elif kind == "switch":
        cases: list[Any] = entry["cases"] if isinstance(entry.get("cases"), list) else []
        found = [
            (f"cases/{i}/do", f"cases-{i + 1}", case.get("do") if isinstance(case, dict) else None)
            for i, case in enumerate(cases)
        ]
        found.append(("default", "default", entry.get("default")))
    elif kind == "for_each":
        found = [("do", "do", entry.get("do"))]
    elif kind == "parallel":
        branches: list[Any] = entry["branches"] if isinstance(entry.get("branches"), list) else []
        found = [(f"branches/{i}", f"branches-{i + 1}", branch) for i, branch in enumerate(branches)]
    return [(path, label, items) for path, label, items in found if isinstance(items, list)]


def iter_entries(actions: list[Any], path: str = "actions", depth: int = 1) -> Iterator[tuple[str, Any, int]]:
    """Every entry of the tree, depth first, with its path (`actions/1/then/0`) and nesting depth (1: top)."""
    stack = [(f"{path}/{i}", entry, depth) for i, entry in reversed(list(enumerate(actions)))]
    while stack:
        here, entry, level = stack.pop()
        yield here, entry, level
        if isinstance(entry, dict):
            for sub, _label, items in reversed(child_lists(entry)):
                stack.extend((f"{here}/{sub}/{i}", child, level + 1) for i, child in reversed(list(enumerate(items))))


def with_ids(actions: list[Any]) -> list[Any]:
    """A copy of the actions with every entry's `id` filled in: `step-<n>` at the top (1-based, as runs have
    always named steps), `<parent id>-<list>-<n>` inside a block (`step-2-then-1`, `loop-do-3`,
    `par-branches-1-2`). Ids already given are kept."""
    copied = copy.deepcopy(actions)

    def fill(items: list[Any], prefix: str) -> None:
        for n, entry in enumerate(items, start=1):
            if not isinstance(entry, dict):
                continue
            entry.setdefault("id", f"{prefix}{n}")
            for _path, label, nested in child_lists(entry):
                fill(nested, f"{entry['id']}-{label}-")

    fill(copied, "step-")
    return copied


def path_to_error_key(path: str) -> str:
    """`actions/2/then/0` → `actions.2.then.0`: where validation reports an entry's errors."""
    return path.replace("/", ".")


# --- planning -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What the engine recorded of an entry instance (a RunStep)."""

    status: str  # pending, running, waiting, completed, failed, skipped, cancelled
    result: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class NewRecord:
    """A record the plan creates: a leaf step to send (status pending), or a block's decision."""

    key: str
    path: str
    entry: dict[str, Any]
    status: str
    result: dict[str, Any]
    error: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # a leaf's params, placeholders of steps/items filled


@dataclass
class Plan:
    create: list[NewRecord] = field(default_factory=list)
    # key -> (status, result, error): blocks whose progress or state changed
    update: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)
    finished: str | None = None  # completed, completed_with_errors, failed (None: still running)
    message: str = ""

    @property
    def to_send(self) -> list[NewRecord]:
        return [record for record in self.create if record.status == "pending"]


@dataclass(frozen=True)
class _State:
    kind: str  # running, done, failed, stopped
    errors: bool = False  # done, but a step failed and the run went on (on_error: continue)
    message: str = ""
    status: str = ""  # stopped: the run's status


_RUNNING, _DONE = _State("running"), _State("done")


@dataclass(frozen=True)
class Limits:
    max_items: int = 400  # AUTOMATION_MAX_FOREACH_ITEMS
    max_steps: int = 400  # AUTOMATION_MAX_RUN_STEPS: records one run may create


def plan(
    program: list[dict[str, Any]],
    records: Mapping[str, Record],
    context: Mapping[str, Any],
    limits: Limits = Limits(),  # noqa: B008 - frozen
) -> Plan:
    """What the run does now, given the records of what it did so far (keys as the module docstring says).

    `context` is what conditions see besides `steps` and the loop variables: the trigger's event, object,
    site, payload. The program must carry ids (`with_ids`)."""
    planner = _Planner(records, context, limits)
    state = planner.sequence(program, "actions", "", {})
    result = planner.plan
    if state.kind == "done":
        result.finished = "completed_with_errors" if state.errors else "completed"
    elif state.kind == "failed":
        result.finished, result.message = "failed", state.message
    elif state.kind == "stopped":
        result.finished, result.message = state.status, state.message
    return result


class _Planner:
    def __init__(self, records: Mapping[str, Record], context: Mapping[str, Any], limits: Limits) -> None:
        self.records: dict[str, Record] = dict(records)
        self.context, self.limits = context, limits
        self.plan = Plan()
        self.count = len(records)

    # A sequence runs its entries one after the other.
    def sequence(self, entries: list[dict[str, Any]], path: str, suffix: str, scope: dict[str, Any]) -> _State:
        errors = False
        for i, entry in enumerate(entries):
            state = self.entry(entry, f"{path}/{i}", suffix, scope)
            if state.kind != "done":
                return state
            errors = errors or state.errors
        return _State("done", errors)

    def entry(self, entry: dict[str, Any], path: str, suffix: str, scope: dict[str, Any]) -> _State:
        key = entry["id"] + suffix
        record = self.records.get(key)
        if record is None:
            started = self.start(entry, key, path, suffix, scope)
            if started is not None:
                return started
            record = self.records[key]
        state = self.progress(entry, key, path, record, suffix, scope)
        if state.kind == "failed" and entry.get("on_error") == "continue":
            return _State("done", errors=True)
        return state

    def start(self, entry: dict[str, Any], key: str, path: str, suffix: str, scope: dict[str, Any]) -> _State | None:
        """Reach an entry: record its decision (a block) or create its step (a leaf). A state to return at once,
        or None to go on with the new record."""
        if self.count >= self.limits.max_steps:
            message = f"the run reached {self.limits.max_steps} steps (AUTOMATION_MAX_RUN_STEPS)"
            self.create(key, path, entry, "failed", {}, error=message)
            return _State("failed", message=message)
        kind = entry["type"]
        if "if" in entry:
            decided = self.decide(entry["if"], scope, suffix)
            if decided.error is not None:
                self.create(key, path, entry, "failed", {"trace": decided.trace}, error=decided.error)
                return _State("failed", message=f"{_label(entry)}: {decided.error}")
            if not decided.value:
                self.create(
                    key, path, entry, "skipped", {"skip_reason": "its condition was false", "trace": decided.trace}
                )
                return _DONE
        if kind == "stop":
            status = entry.get("status", "completed")
            message = entry.get("message", "")
            self.create(key, path, entry, "completed", {"stopped": status, "message": message})
            return _State("stopped", message=message or f"stopped by {_label(entry)}", status=status)
        if kind in ("if", "switch"):
            branch, trace, error = self.branch(entry, scope, suffix)
            if error:
                self.create(key, path, entry, "failed", {"trace": trace}, error=error)
                return _State("failed", message=f"{_label(entry)}: {error}")
            self.create(key, path, entry, "running", {"branch": branch, "trace": trace})
        elif kind == "for_each":
            items, error = self.items(entry, scope, suffix)
            if error:
                self.create(key, path, entry, "failed", {}, error=error)
                return _State("failed", message=f"{_label(entry)}: {error}")
            result = {"items": items, "items_total": len(items), "items_done": 0, "items_failed": 0}
            self.create(key, path, entry, "running", result)
        elif kind == "parallel":
            self.create(key, path, entry, "running", {"branches_total": len(entry["branches"]), "branches_done": 0})
        else:  # an action, a wait or a call_rule: a step for the engine to run
            given = entry.get("params") or {} if kind not in LEAF_CONTROLS else _fields(entry)
            params = fill_placeholders(given, self.steps(suffix), scope)
            params = self.resolve_items(params, scope, suffix)
            result = {"scope": scope} if scope else {}
            self.create(key, path, entry, "pending", result, params=params)
            return _RUNNING
        return None

    def progress(
        self, entry: dict[str, Any], key: str, path: str, record: Record, suffix: str, scope: dict[str, Any]
    ) -> _State:
        kind, status = entry["type"], record.status
        if status == "skipped":
            return _DONE
        if kind == "stop":
            return _State(
                "stopped", message=str(record.result.get("message", "")), status=str(record.result["stopped"])
            )
        if kind not in BLOCKS:  # a leaf
            if status == "completed":
                return _DONE
            if status == "failed":
                return _State("failed", message=f"{_label(entry)} failed: {record.error}")
            return _RUNNING  # pending, running, waiting (cancelled: the run is over)
        if status == "completed":
            return _State("done", errors=bool(record.result.get("errors")))
        if status == "failed":
            return _State("failed", message=record.error)
        if kind in ("if", "switch"):
            state = self.sequence(
                _branch_list(entry, str(record.result["branch"])), f"{path}/{_branch_path(record)}", suffix, scope
            )
        elif kind == "for_each":
            state = self.loop(entry, key, path, record, suffix, scope)
        else:
            state = self.parallel(entry, key, path, record, suffix, scope)
        return self.settle(key, record, state)

    def loop(
        self, entry: dict[str, Any], key: str, path: str, record: Record, suffix: str, scope: dict[str, Any]
    ) -> _State:
        items = list(record.result.get("items") or [])
        body, name = entry["do"], entry.get("as", "item")
        concurrency = int(entry.get("concurrency", 1))
        done = failed = active = 0
        errors, failure, failed_at = False, "", 0
        for index, item in enumerate(items):
            inner = f"{suffix}.{index}" if suffix else f"@{index}"
            if body[0]["id"] + inner not in self.records and active >= concurrency:
                break  # iterations start in order, at most `concurrency` at once
            state = self.sequence(body, f"{path}/do", inner, {**scope, name: item, "item_index": index})
            if state.kind == "stopped":
                return state
            if state.kind == "running":
                active += 1
            elif state.kind == "failed":
                failed += 1
                failure, failed_at = failure or state.message, index if not failure else failed_at
            else:
                done += 1
                errors = errors or state.errors
            if failure:
                break
        self.update(key, record, {"items_done": done, "items_failed": failed})
        if failure:
            return _State("failed", message=f"{_label(entry)} at item_index {failed_at}: {failure}")
        return _State("done", errors) if done == len(items) else _RUNNING

    def parallel(
        self, entry: dict[str, Any], key: str, path: str, record: Record, suffix: str, scope: dict[str, Any]
    ) -> _State:
        states = [
            self.sequence(branch, f"{path}/branches/{i}", suffix, scope) for i, branch in enumerate(entry["branches"])
        ]
        for state in states:
            if state.kind == "stopped":
                return state
        done = [state for state in states if state.kind == "done"]
        failed = [state for state in states if state.kind == "failed"]
        self.update(key, record, {"branches_done": len(done), "branches_failed": len(failed)})
        errors = any(state.errors for state in done)
        if entry.get("join", "all") == "any":
            if done:
                return _State("done", errors)
            if len(failed) == len(states):
                return _State("failed", message=f"{_label(entry)}: every branch failed ({failed[0].message})")
            return _RUNNING
        if failed:
            return _State("failed", message=f"{_label(entry)}: a branch failed ({failed[0].message})")
        return _State("done", errors) if len(done) == len(states) else _RUNNING

    def settle(self, key: str, record: Record, state: _State) -> _State:
        """A block whose contents finished is finished too."""
        if state.kind == "done":
            self.update(key, record, {"errors": state.errors} if state.errors else {}, status="completed")
        elif state.kind == "failed":
            self.update(key, record, {}, status="failed", error=state.message)
        return state

    # --- records ---

    def create(
        self,
        key: str,
        path: str,
        entry: dict[str, Any],
        status: str,
        result: dict[str, Any],
        *,
        error: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        self.plan.create.append(NewRecord(key, path, entry, status, result, error, params or {}))
        self.records[key] = Record(status, result, error)
        self.count += 1

    def update(self, key: str, record: Record, changes: dict[str, Any], *, status: str = "", error: str = "") -> None:
        latest = self.records[key]
        result = {**latest.result, **changes}
        status = status or latest.status
        if result == dict(record.result) and status == record.status and error == record.error:
            return
        self.records[key] = Record(status, result, error)
        created = next((new for new in self.plan.create if new.key == key), None)
        if created is not None:  # decided and finished in the same plan: one write
            created.status, created.result, created.error = status, result, error
        else:
            self.plan.update[key] = (status, result, error)

    # --- evaluating ---

    def steps(self, suffix: str) -> dict[str, Any]:
        """`steps.<id>` as conditions see them from inside iteration `suffix`: that iteration's instances
        over the enclosing ones."""
        levels = [""] + [suffix[:i] for i in range(2, len(suffix) + 1) if i == len(suffix) or suffix[i] == "."]
        found: dict[str, Any] = {}
        for key, record in self.records.items():
            step_id, _, at = key.partition("@")
            at = f"@{at}" if at else ""
            if at in levels and (step_id not in found or len(at) >= len(found[step_id][1])):
                found[step_id] = ({"status": record.status, "output": record.result.get("output", {})}, at)
        return {step_id: value for step_id, (value, _at) in found.items()}

    def condition_context(self, scope: dict[str, Any], suffix: str) -> dict[str, Any]:
        return {**self.context, **scope, "steps": self.steps(suffix)}

    def decide(self, logic: Any, scope: dict[str, Any], suffix: str) -> _Decision:
        context = self.condition_context(scope, suffix)
        bad = context_error(context)
        if bad is not None:
            return _Decision(False, [], str(bad))
        result = CompiledCondition(logic).explain(context)
        return _Decision(result.triggered, list(result.trace), str(result.error) if result.error else None)

    def branch(self, entry: dict[str, Any], scope: dict[str, Any], suffix: str) -> tuple[str, list[Any], str]:
        """The branch an `if` or a `switch` takes, the traces of the conditions that decided it, or an error."""
        if entry["type"] == "if":
            decided = self.decide(entry["condition"], scope, suffix)
            return ("then" if decided.value else "else"), decided.trace, decided.error or ""
        traces: list[Any] = []
        for i, case in enumerate(entry["cases"]):
            decided = self.decide(case["condition"], scope, suffix)
            traces.append({"case": i + 1, "value": decided.value, "trace": decided.trace})
            if decided.error:
                return "", traces, f"case {i + 1}: {decided.error}"
            if decided.value:
                return f"cases.{i}", traces, ""
        return "default", traces, ""

    def value(self, logic: Any, scope: dict[str, Any], suffix: str) -> tuple[Any, str]:
        context = self.condition_context(scope, suffix)
        bad = context_error(context)
        if bad is not None:
            return None, str(bad)
        try:
            return Walker(context).value(logic, ROOT), ""
        except ConditionError as exc:
            return None, str(exc)

    def items(self, entry: dict[str, Any], scope: dict[str, Any], suffix: str) -> tuple[list[Any], str]:
        items, error = self.value(entry["items"], scope, suffix)
        if error:
            return [], f"its items could not be read: {error}"
        if items is None:
            items = []
        if not isinstance(items, list):
            return [], f"its items are a {type(items).__name__}, not a list"
        if len(items) > self.limits.max_items:
            return (
                [],
                f"{len(items)} items; a loop takes at most {self.limits.max_items} (AUTOMATION_MAX_FOREACH_ITEMS)",
            )
        return items, ""

    def resolve_items(self, params: dict[str, Any], scope: dict[str, Any], suffix: str) -> dict[str, Any]:
        """An item action's `items` given as JSONLogic (`{"var": "steps.<id>.output.ids"}`) becomes the list it
        yields when the step is reached ("trigger" stays: the action reads the trigger's object)."""
        items = params.get("items")
        if not isinstance(items, dict):
            return params
        value, error = self.value(items, scope, suffix)
        if error or value is None:
            value = []
        return {**params, "items": value if isinstance(value, list) else [value]}


@dataclass(frozen=True)
class _Decision:
    value: bool
    trace: list[Any]
    error: str | None


def _fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A wait's or a call_rule's own fields (its params as the engine runs it)."""
    return {key: value for key, value in entry.items() if key not in ("id", "type", "name", "if", "on_error")}


def _label(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('type')} {entry.get('id')!r}"


def _branch_list(entry: Mapping[str, Any], branch: str) -> list[dict[str, Any]]:
    if branch.startswith("cases."):
        return list(entry["cases"][int(branch.split(".")[1])]["do"])
    return list(entry.get(branch) or [])


def _branch_path(record: Record) -> str:
    branch = str(record.result["branch"])
    return f"cases/{branch.split('.')[1]}/do" if branch.startswith("cases.") else branch


def fill_placeholders(value: Any, steps: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
    """Strings with `{steps.<id>.output.<key>}`, `{item…}` or `{item_index}` placeholders (or the loop's own
    `as` name) filled from the run's steps and the loop's item; a string that is one placeholder becomes the
    value itself (`"{item}"` → 12, `"{steps.a.output.ids}"` → [4, 5]). Other placeholders (`{object.text}`)
    and ones that name nothing are left as written, for the action to fill."""
    if isinstance(value, dict):
        return {key: fill_placeholders(item, steps, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(item, steps, scope) for item in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    data = {"steps": steps, **scope}
    whole = PLACEHOLDER.fullmatch(value)
    if whole and whole.group(1).split(".")[0] in data:  # the value itself (a number, a list), not its text
        found = _resolve(data, whole.group(1).split("."))
        return value if found is _MISSING else found

    def lookup(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        found = _resolve(data, parts) if parts[0] in data else _MISSING
        return match.group(0) if found is _MISSING else str(found)

    return PLACEHOLDER.sub(lookup, value)


_MISSING = object()


def _resolve(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data
