"""Rule conditions: normalize to JSONLogic, validate once, compile, evaluate many times.

Conditions arrive either as a JSONLogic object or in the seed's list form
(``[{"field": "object.status", "operator": "equals", "value": "draft"}, ...]``,
all items combined with AND); ``normalize_conditions`` turns both into JSONLogic.
``None``, ``{}`` and ``[]`` mean "no conditions": the rule always triggers.

Paths. Every error and trace entry names a place in the rule, rooted at ``conditions``:

* list form: ``conditions/<i>`` is item ``i``; ``conditions/<i>/field`` (or ``/operator``,
  ``/value``) is one of its keys.
* JSONLogic: ``conditions`` is the root operation; the ``i``-th argument of an operation at
  ``P`` with operator ``op`` lives at ``P/op/i`` (``conditions/and/0/>/1``). A problem *with*
  an operation (unknown operator, wrong arity, failed evaluation) points at its operator key,
  ``P/op`` (``conditions/and/1/>``); an unresolved ``var`` points at ``P/var``.
  List-form item ``i`` becomes ``conditions/and/i`` after normalization.
* the evaluation context: ``context/object/created_at`` names a value in the context.

Evaluation. ``CompiledCondition.evaluate`` is the fast path: it checks that every ``var``
without a default resolves in the context, then lets datalogic evaluate the whole rule and
returns an empty trace. A condition that cannot be evaluated is never a silent ``False``: on a
missing ``var`` or any datalogic error the fast path re-runs the rule through the tracing
walker of ``explain``, which short-circuits ``and``/``or``/``if`` like datalogic does (so a
guarded ``var`` that is never reached is not an error) and reports the exact path of the
failure in ``ConditionResult.error``. Evaluation never raises for a bad context; only
normalization and compilation raise ``ConditionError``.

The context must hold JSON values only (str, int, float, bool, None, list, dict with str
keys): serialize datetimes and Decimals before evaluating.

Limits (no condition can exhaust CPU or memory). Validation refuses a condition nested deeper than
``MAX_DEPTH``, larger than ``max_bytes`` of compact JSON, or whose worst case (``condition_cost``)
exceeds ``max_operations`` operations or builds a value larger than ``max_value_size``; the error
names the limit and the costliest operation's path. The worst case holds for contexts that
``context_error`` accepts: call it once per context before evaluating (``explain`` does).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import datalogic_py

from rules.condition_cost import (
    CAP,
    MAX_CONTEXT_CHARS,
    MAX_CONTEXT_DEPTH,
    MAX_CONTEXT_ITEMS,
    MAX_CONTEXT_SIZE,
    MAX_DEPTH,
    MAX_OPERATIONS,
    MAX_VALUE_SIZE,
    condition_cost,
    nesting_path,
)

__all__ = [
    "ROOT",
    "LIST_OPERATORS",
    "ListOperator",
    "ConditionError",
    "ConditionResult",
    "CompiledCondition",
    "normalize_conditions",
    "validate_conditions",
    "compile_conditions",
    "compiled_for",
    "clear_compiled_cache",
    "context_error",
    "var_paths",
]

ROOT = "conditions"
CONTEXT_ROOT = "context"
MAX_BYTES = 16_384  # the default of settings.AUTOMATION_MAX_CONDITION_BYTES

_ENGINE = datalogic_py.Engine()
_JSON_SCALARS = (str, int, float, bool, type(None))

# The standard JSONLogic operators (jsonlogic.com), so stored rules stay portable; datalogic's
# extensions (tensor, datetime, throw, ...) are refused. Values are (min, max) argument counts.
_ARITY: dict[str, tuple[int, int | None]] = {
    "var": (0, 2),
    "missing": (1, None),
    "missing_some": (2, 2),
    "if": (3, None),
    "?:": (3, 3),
    "==": (2, 2),
    "===": (2, 2),
    "!=": (2, 2),
    "!==": (2, 2),
    "!": (1, 1),
    "!!": (1, 1),
    "and": (1, None),
    "or": (1, None),
    ">": (2, 3),
    ">=": (2, 3),
    "<": (2, 3),
    "<=": (2, 3),
    "max": (1, None),
    "min": (1, None),
    "+": (1, None),
    "-": (1, 2),
    "*": (1, None),
    "/": (2, 2),
    "%": (2, 2),
    "map": (2, 2),
    "filter": (2, 2),
    "all": (2, 2),
    "some": (2, 2),
    "none": (2, 2),
    "reduce": (3, 3),
    "merge": (0, None),
    "in": (2, 2),
    "cat": (1, None),
    "substr": (2, 3),
}
# Argument positions evaluated per array item: their `var`s read the item, not the context.
_SCOPED_ARGS: dict[str, frozenset[int]] = {
    op: frozenset({1}) for op in ("map", "filter", "all", "some", "none", "reduce")
}
# Operations the walker hands to datalogic whole, against the real context.
_OPAQUE = frozenset(_SCOPED_ARGS) | {"missing", "missing_some"}
_OPERATOR_HINTS = {
    "not": "use '!' for negation",
    "equals": "in JSONLogic write '=='",
    "not_equals": "in JSONLogic write '!='",
    "contains": "in JSONLogic write {'in': [value, {'var': field}]}",
}


class ConditionError(Exception):
    """A condition that cannot be normalized, compiled or evaluated, with the path where it failed."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[ConditionError], tuple[str, str]]:
        return (type(self), (self.path, self.message))

    def to_dict(self) -> dict[str, str]:
        """Return ``{"path", "message"}`` for APIs and run logs."""
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True)
class ConditionResult:
    """Outcome of one evaluation: ``triggered`` is False whenever ``error`` is set."""

    triggered: bool
    error: ConditionError | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        error = self.error.to_dict() if self.error else None
        return {"triggered": self.triggered, "error": error, "trace": list(self.trace)}


# ---------------------------------------------------------------- list form


def _is_scalar(value: object) -> bool:
    return isinstance(value, _JSON_SCALARS)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_needle(value: object) -> bool:
    return _is_scalar(value) and value is not None


def _is_scalar_list(value: object) -> bool:
    return isinstance(value, list) and all(_is_scalar(item) for item in value)


@dataclass(frozen=True)
class ListOperator:
    """One list-form operator: how it becomes JSONLogic and which values it accepts."""

    build: Callable[[dict[str, str], Any], dict[str, Any]]
    accepts: Callable[[object], bool]
    expects: str


LIST_OPERATORS: dict[str, ListOperator] = {
    "equals": ListOperator(lambda f, v: {"==": [f, v]}, _is_scalar, "a string, number, boolean or null"),
    "not_equals": ListOperator(lambda f, v: {"!=": [f, v]}, _is_scalar, "a string, number, boolean or null"),
    # `in` is substring for a string field and membership for a list field.
    "contains": ListOperator(lambda f, v: {"in": [v, f]}, _is_needle, "a string, number or boolean"),
    "greater_than": ListOperator(lambda f, v: {">": [f, v]}, _is_number, "a number"),
    "less_than": ListOperator(lambda f, v: {"<": [f, v]}, _is_number, "a number"),
    "in": ListOperator(lambda f, v: {"in": [f, v]}, _is_scalar_list, "a list of strings, numbers, booleans or nulls"),
    "not_in": ListOperator(
        lambda f, v: {"!": [{"in": [f, v]}]}, _is_scalar_list, "a list of strings, numbers, booleans or nulls"
    ),
}
_ITEM_KEYS = ("field", "operator", "value")


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if _is_number(value) else type(value).__name__)


def _translate_item(item: object, path: str) -> dict[str, Any]:
    """Translate one list-form item into a JSONLogic operation."""
    if not isinstance(item, dict):
        raise ConditionError(
            path, f"a condition must be an object with field, operator and value, got {_type_name(item)}"
        )
    for key in item:
        if key not in _ITEM_KEYS:
            raise ConditionError(f"{path}/{key}", f"unknown key '{key}' (allowed: field, operator, value)")
    for key in _ITEM_KEYS:
        if key not in item:
            raise ConditionError(f"{path}/{key}", f"'{key}' is required")
    _check_field(item["field"], f"{path}/field")
    operator = _list_operator(item["operator"], f"{path}/operator")
    value = item["value"]
    if not operator.accepts(value):
        raise ConditionError(f"{path}/value", f"'{item['operator']}' needs {operator.expects}, got {_type_name(value)}")
    return operator.build({"var": item["field"]}, value)


def _check_field(name: object, path: str) -> None:
    if not isinstance(name, str) or not name:
        raise ConditionError(
            path, f"field must be a non-empty dotted path like 'object.status', got {_type_name(name)}"
        )
    if "" in name.split("."):
        raise ConditionError(path, f"field '{name}' has an empty segment")


def _list_operator(name: object, path: str) -> ListOperator:
    operator = LIST_OPERATORS.get(name) if isinstance(name, str) else None
    if operator is None:
        raise ConditionError(path, f"unknown operator {name!r} (allowed: {', '.join(LIST_OPERATORS)})")
    return operator


def normalize_conditions(
    raw: object, *, max_operations: int = MAX_OPERATIONS, max_bytes: int | None = MAX_BYTES
) -> dict[str, Any] | None:
    """Return validated JSONLogic for ``raw`` (JSONLogic or list form), or None for "always".

    ``max_bytes`` (None: unchecked) bounds the compact JSON of ``raw``; ``max_operations`` its worst-case cost.
    """
    if raw is None or (isinstance(raw, dict | list) and not raw):
        return None
    _check_depth(raw)
    if max_bytes is not None:
        _check_bytes(raw, max_bytes)
    if isinstance(raw, list):
        logic = {"and": [_translate_item(item, f"{ROOT}/{i}") for i, item in enumerate(raw)]}
    elif isinstance(raw, dict):
        logic = raw
    else:
        raise ConditionError(
            ROOT, f"conditions must be a JSONLogic object or a list of conditions, got {_type_name(raw)}"
        )
    validate_conditions(logic, max_operations=max_operations)
    return logic


def _check_depth(value: object) -> None:
    path = nesting_path(value, root=ROOT, max_depth=MAX_DEPTH)
    if path is not None:
        raise ConditionError(path, f"conditions are nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}")


def _check_bytes(raw: object, max_bytes: int) -> None:
    size = len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False, default=str).encode())
    if size > max_bytes:
        raise ConditionError(
            ROOT, f"conditions take {size:,} bytes of JSON; the limit is {max_bytes:,} (AUTOMATION_MAX_CONDITION_BYTES)"
        )


# ---------------------------------------------------------------- validation


def validate_conditions(
    logic: object, *, max_operations: int = MAX_OPERATIONS, max_value_size: int = MAX_VALUE_SIZE
) -> None:
    """Raise ConditionError at the first problem in a JSONLogic rule (or its cost above a limit); else None."""
    if not isinstance(logic, dict):
        raise ConditionError(ROOT, f"a JSONLogic rule must be an object, got {_type_name(logic)}")
    _check_depth(logic)  # before anything below recurses
    _validate_value(logic, ROOT)
    try:
        _ENGINE.compile_checked(logic)
    except datalogic_py.CompileError as exc:
        raise _from_diagnostic(exc.diagnostics[0]) from None
    _check_cost(logic, max_operations, max_value_size)


def _check_cost(logic: dict[str, Any], max_operations: int, max_value_size: int) -> None:
    cost = condition_cost(logic, root=ROOT)
    if cost.max_value_size > max_value_size:  # first: building the value is also what makes it slow
        raise ConditionError(
            cost.path_of_largest,
            f"this condition may build a value of {_at_most(cost.max_value_size)} characters; "
            f"the limit is {max_value_size:,} (MAX_VALUE_SIZE)",
        )
    if cost.operations > max_operations:
        raise ConditionError(
            cost.path_of_worst,
            f"this condition may take {_at_most(cost.operations)} operations; "
            f"the limit is {max_operations:,} (AUTOMATION_MAX_CONDITION_OPERATIONS)",
        )


def _at_most(count: int) -> str:
    return f"more than {CAP:,}" if count >= CAP else f"up to {count:,}"


def _from_diagnostic(diagnostic: datalogic_py.Diagnostic) -> ConditionError:
    pointer = diagnostic["pointer"].replace("~1", "/").replace("~0", "~")
    path = ROOT + pointer + (f"/{diagnostic['operator']}" if diagnostic["operator"] else "")
    return ConditionError(path, diagnostic["message"])


def _validate_value(value: object, path: str) -> None:
    if isinstance(value, dict):
        _validate_operation(value, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _validate_value(item, f"{path}/{i}")
    elif not _is_scalar(value):
        raise ConditionError(path, f"{type(value).__name__} is not a JSON value")


def _validate_operation(node: dict[Any, Any], path: str) -> None:
    if len(node) != 1:
        raise ConditionError(path, _not_one_operator(node))
    op, raw_args = next(iter(node.items()))
    op_path = f"{path}/{op}"
    if op not in _ARITY:
        hint = _OPERATOR_HINTS.get(op)
        raise ConditionError(op_path, f"unknown operator '{op}'" + (f"; {hint}" if hint else ""))
    args = _as_args(raw_args)
    _check_arity(op, len(args), op_path)
    if op == "var":
        _check_var(args, op_path)
    for i, arg in enumerate(args):
        _validate_value(arg, f"{op_path}/{i}")


def _not_one_operator(node: dict[Any, Any]) -> str:
    keys = ", ".join(repr(key) for key in node) or "none"
    message = f"an operation must have exactly one operator key, got {keys}"
    if "operator" in node or "field" in node:
        message += "; list-form conditions ({field, operator, value}) go inside a list"
    return message


def _as_args(raw_args: object) -> list[Any]:
    return raw_args if isinstance(raw_args, list) else [raw_args]


def _check_arity(op: str, count: int, path: str) -> None:
    low, high = _ARITY[op]
    if op == "if" and (count < 3 or count % 2 == 0):
        raise ConditionError(
            path, f"'if' takes an odd number of arguments, at least 3 (condition, then, else), got {count}"
        )
    if count < low or (high is not None and count > high):
        raise ConditionError(path, f"'{op}' takes {_arity_text(low, high)}, got {count}")


def _arity_text(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' * (low != 1)}"
    if low == high:
        return f"exactly {low} argument{'s' * (low != 1)}"
    return f"{low} to {high} arguments"


def _check_var(args: list[Any], path: str) -> None:
    name = args[0] if args else ""
    if isinstance(name, bool) or not isinstance(name, str | int | float):
        raise ConditionError(path, f"var needs a dotted path string or a number, got {_type_name(name)}")


# ---------------------------------------------------------------- var paths


def _iter_vars(value: object, scoped: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """Yield (path, has_default, in_scoped_body) for every var in ``value``."""
    if isinstance(value, list):
        for item in value:
            yield from _iter_vars(item, scoped)
    elif isinstance(value, dict) and len(value) == 1:
        op, raw_args = next(iter(value.items()))
        args = _as_args(raw_args)
        if op == "var":
            name = args[0] if args else ""
            yield ("" if name is None else str(name)), len(args) > 1, scoped
        scoped_args = _SCOPED_ARGS.get(op, frozenset())
        for i, arg in enumerate(args):
            yield from _iter_vars(arg, scoped or i in scoped_args)


def var_paths(logic: dict[str, Any] | None) -> set[str]:
    """Return the context paths a rule reads (vars inside map/filter/... bodies read items and are left out)."""
    return {path for path, _, scoped in _iter_vars(logic) if path and not scoped}


def _required_paths(logic: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    paths = {path for path, has_default, scoped in _iter_vars(logic) if path and not has_default and not scoped}
    return tuple(tuple(path.split(".")) for path in sorted(paths))


def _resolves(data: Any, segments: tuple[str, ...]) -> bool:
    for key in segments:
        if isinstance(data, dict):
            if key not in data:
                return False
            data = data[key]
        elif isinstance(data, list | tuple) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False
    return True


# ---------------------------------------------------------------- compile and evaluate


class CompiledCondition:
    """A validated rule compiled once: ``evaluate`` is the fast path, ``explain`` traces every node."""

    __slots__ = ("logic", "_rule", "_required")

    def __init__(self, logic: dict[str, Any] | None) -> None:
        self.logic = logic
        self._rule = _ENGINE.compile(logic) if logic is not None else None
        self._required = _required_paths(logic) if logic is not None else ()

    def evaluate(self, context: dict[str, Any]) -> ConditionResult:
        """Evaluate against ``context``; the trace is empty."""
        if self._rule is None:
            return ConditionResult(True)
        for segments in self._required:
            if not _resolves(context, segments):
                return self._untraced(context)
        try:
            value = self._rule.evaluate(context)
        except datalogic_py.DataLogicError:
            return self._untraced(context)
        return ConditionResult(bool(value))

    def explain(self, context: dict[str, Any]) -> ConditionResult:
        """Evaluate node by node and return the per-operation trace in evaluation order."""
        if self.logic is None:
            return ConditionResult(True)
        bad_value = context_error(context)
        if bad_value is not None:
            return ConditionResult(False, bad_value)
        walker = _Walker(context)
        try:
            value = walker.value(self.logic, ROOT)
        except ConditionError as error:
            return ConditionResult(False, error, walker.trace)
        return ConditionResult(bool(value), None, walker.trace)

    def _untraced(self, context: dict[str, Any]) -> ConditionResult:
        result = self.explain(context)
        return ConditionResult(result.triggered, result.error)


def compile_conditions(logic: dict[str, Any] | None, *, max_operations: int = MAX_OPERATIONS) -> CompiledCondition:
    """Validate JSONLogic (or None for "always") and compile it; raise ConditionError if invalid."""
    if logic is None or logic == {}:
        return CompiledCondition(None)
    validate_conditions(logic, max_operations=max_operations)
    return CompiledCondition(copy.deepcopy(logic))


def context_error(
    context: object,
    *,
    root: str = CONTEXT_ROOT,
    max_items: int = MAX_CONTEXT_ITEMS,
    max_chars: int = MAX_CONTEXT_CHARS,
    max_size: int = MAX_CONTEXT_SIZE,
    max_depth: int = MAX_CONTEXT_DEPTH,
) -> ConditionError | None:
    """Return an error for the first value of a context that is not JSON or is beyond the bounds, else None.

    The bounds are the ones ``condition_cost`` assumes; the walk is iterative, so any nesting is safe.
    """
    size = 0
    stack: list[tuple[object, str, int]] = [(context, root, 1)]
    while stack:
        value, path, depth = stack.pop()
        error = _context_value_error(value, path, depth, max_items, max_chars, max_depth)
        if error is not None:
            return error
        if isinstance(value, dict):
            size += 2 + sum(len(key) + 4 for key in value)
            stack.extend((item, f"{path}/{key}", depth + 1) for key, item in reversed(value.items()))
        elif isinstance(value, list | tuple):
            size += 2 + len(value)
            stack.extend((item, f"{path}/{i}", depth + 1) for i, item in reversed(list(enumerate(value))))
        else:
            size += len(value) + 2 if isinstance(value, str) else 24
        if size > max_size:
            return ConditionError(
                root, f"the context is more than {max_size:,} characters of JSON; the limit is {max_size:,}"
            )
    return None


def _context_value_error(
    value: object, path: str, depth: int, max_items: int, max_chars: int, max_depth: int
) -> ConditionError | None:
    if isinstance(value, dict | list | tuple):
        if depth > max_depth:
            return ConditionError(path, f"the context is nested more than {max_depth} levels deep")
        if len(value) > max_items:
            return ConditionError(
                path, f"{_type_name(value)} of {len(value):,} items; the limit is {max_items:,} (MAX_CONTEXT_ITEMS)"
            )
        keys = [key for key in value if not isinstance(key, str)] if isinstance(value, dict) else []
        if keys:
            return ConditionError(path, f"key {keys[0]!r} is not a string; the context must be JSON")
    elif isinstance(value, str) and len(value) > max_chars:
        return ConditionError(
            path, f"a string of {len(value):,} characters; the limit is {max_chars:,} (MAX_CONTEXT_CHARS)"
        )
    elif not _is_scalar(value):
        return ConditionError(path, f"{type(value).__name__} is not a JSON value; serialize it before evaluating")
    return None


@lru_cache(maxsize=256)
def _operation_rule(op: str, count: int) -> datalogic_py.Rule:
    """Compile ``op`` over placeholders so already-evaluated arguments are passed as data, never as logic."""
    return _ENGINE.compile({op: [{"var": str(i)} for i in range(count)]})


class _Walker:
    """Evaluate a rule one operation at a time with datalogic, recording a trace."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context
        self.trace: list[dict[str, Any]] = []

    def value(self, node: object, path: str) -> Any:
        if isinstance(node, dict):
            return self.operation(node, path)
        if isinstance(node, list):
            return [self.value(item, f"{path}/{i}") for i, item in enumerate(node)]
        return node

    def operation(self, node: dict[str, Any], path: str) -> Any:
        op, raw_args = next(iter(node.items()))
        args = _as_args(raw_args)
        if op == "var":
            return self.var(node, args, path)
        evaluated: list[Any] = []
        if op in ("and", "or"):
            result = self.and_or(op, args, path, evaluated)
        elif op in ("if", "?:"):
            result = self.if_(op, args, path, evaluated)
        elif op in _OPAQUE:
            result = self.opaque(node, op, args, path, evaluated)
        else:
            evaluated.extend(self.value(arg, f"{path}/{op}/{i}") for i, arg in enumerate(args))
            result = self.run(_operation_rule(op, len(evaluated)), evaluated, path, op, evaluated)
        self.trace.append({"path": path, "op": op, "args": evaluated, "result": result})
        return result

    def var(self, node: dict[str, Any], args: list[Any], path: str) -> Any:
        name = "" if not args or args[0] is None else str(args[0])
        segments = tuple(name.split(".")) if name else ()
        if len(args) < 2:
            if not _resolves(self.context, segments):
                raise self.fail(path, "var", args, f"{name} is not in the context")
            return _lookup(self.context, segments)
        return self.run(_ENGINE.compile(node), self.context, path, "var", args)

    def and_or(self, op: str, args: list[Any], path: str, evaluated: list[Any]) -> Any:
        stop_on_truthy = op == "or"
        for i, arg in enumerate(args):
            evaluated.append(self.value(arg, f"{path}/{op}/{i}"))
            if bool(evaluated[-1]) is stop_on_truthy:
                break
        return evaluated[-1]

    def if_(self, op: str, args: list[Any], path: str, evaluated: list[Any]) -> Any:
        for i in range(0, len(args) - 1, 2):
            evaluated.append(self.value(args[i], f"{path}/{op}/{i}"))
            if evaluated[-1]:
                evaluated.append(self.value(args[i + 1], f"{path}/{op}/{i + 1}"))
                return evaluated[-1]
        evaluated.append(self.value(args[-1], f"{path}/{op}/{len(args) - 1}"))
        return evaluated[-1]

    def opaque(self, node: dict[str, Any], op: str, args: list[Any], path: str, evaluated: list[Any]) -> Any:
        scoped = _SCOPED_ARGS.get(op, frozenset())
        evaluated.extend(self.value(arg, f"{path}/{op}/{i}") for i, arg in enumerate(args) if i not in scoped)
        return self.run(_ENGINE.compile(node), self.context, path, op, evaluated)

    def run(self, rule: datalogic_py.Rule, data: Any, path: str, op: str, shown_args: list[Any]) -> Any:
        try:
            return rule.evaluate(data)
        except datalogic_py.DataLogicError as exc:
            raise self.fail(path, op, shown_args, _evaluation_message(op, shown_args, exc)) from None

    def fail(self, path: str, op: str, args: list[Any], message: str) -> ConditionError:
        self.trace.append({"path": path, "op": op, "args": args, "error": message})
        return ConditionError(f"{path}/{op}", message)


def _lookup(data: Any, segments: tuple[str, ...]) -> Any:
    for key in segments:
        data = data[key] if isinstance(data, dict) else data[int(key)]
    return data


def _evaluation_message(op: str, args: list[Any], exc: datalogic_py.DataLogicError) -> str:
    shown = json.dumps(args, default=str)
    shown = shown if len(shown) <= 120 else shown[:117] + "..."
    if getattr(exc, "error_type", None) == "Thrown" and '"NaN"' in str(exc):
        return f"'{op}' cannot be evaluated with {shown}: an argument is not a number"
    return f"'{op}' cannot be evaluated with {shown}: {exc}"


# ---------------------------------------------------------------- compile cache

_CACHE_SIZE = 16384  # above the number of active rules a deployment evaluates
_cache: OrderedDict[tuple[Hashable, Hashable], CompiledCondition] = OrderedDict()
_cache_lock = threading.Lock()


def compiled_for(
    rule_id: Hashable, version: Hashable, conditions: object, *, max_operations: int = MAX_OPERATIONS
) -> CompiledCondition:
    """Return the compiled conditions of a rule version, compiling them once (LRU of 1024 versions).

    A stored condition above ``max_operations`` (one saved before the limit, or under a higher one)
    raises ConditionError like any invalid one; its byte size is not checked again.
    """
    key = (rule_id, version)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    logic = normalize_conditions(conditions, max_operations=max_operations, max_bytes=None)
    compiled = compile_conditions(logic, max_operations=max_operations)
    with _cache_lock:
        compiled = _cache.setdefault(key, compiled)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def clear_compiled_cache() -> None:
    """Forget every compiled rule version (tests, or after a bulk edit)."""
    with _cache_lock:
        _cache.clear()
