"""Compiling a validated condition once and evaluating it many times (the fast path); a condition that cannot
be evaluated is never a silent False: the evaluation is explained to find the path of the failure."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Sequence
from typing import Any

import datalogic_py

from rules.core.conditions.context import context_error
from rules.core.conditions.cost import MAX_OPERATIONS
from rules.core.conditions.errors import ROOT, ConditionError, ConditionResult
from rules.core.conditions.explain import Walker
from rules.core.conditions.nodes import ENGINE, SCOPED_ARGS, as_args, iter_vars, required_paths, resolves
from rules.core.conditions.validation import validate_conditions


def var_paths(logic: dict[str, Any] | None) -> set[str]:
    """Return the context paths a rule reads (vars inside map/filter/... bodies read items and are left out)."""
    return {path for path, _, scoped in iter_vars(logic) if path and not scoped}


class CompiledCondition:
    """A validated rule compiled once: ``evaluate`` is the fast path, ``explain`` traces every node.

    A ``var`` without a default that is not in the context is an error, but only if the evaluation reaches
    it (``and``, ``or`` and ``if`` may never read it). The rule is compiled with each such var guarded,
    ``{"var": [path, {"throw": ...}]}`` (datalogic evaluates a default only when the path is missing, and
    finds exactly the paths ``resolves`` finds), so the native evaluation itself says whether a missing var
    was reached: a throw, and ``explain`` names its path. A var whose path has an unusual segment (not
    ASCII letters, digits, ``_``, ``-`` or spaces) is checked in Python before evaluating, as it always was.

    ``roots`` names the top-level context keys the rule may read (``object``, ``site``...), or is None when
    it may read any of them (a computed ``var`` path, the whole context): the dispatcher builds only the
    parts of a context that some listening rule reads.
    """

    __slots__ = ("logic", "roots", "_rule", "_required")

    def __init__(self, logic: dict[str, Any] | None) -> None:
        self.logic = logic
        self._rule = ENGINE.compile(_guarded(logic)) if logic is not None else None
        # required paths the guard does not cover: checked in Python before evaluating
        self._required = tuple(p for p in required_paths(logic) if not _guardable(p)) if logic is not None else ()
        self.roots = _roots(self._rule) if self._rule is not None else frozenset()

    def evaluate(self, context: dict[str, Any]) -> ConditionResult:
        """Evaluate against ``context``; the trace is empty."""
        if self._rule is None:
            return _TRUE
        for segments in self._required:
            if not resolves(context, segments):
                return self._untraced(context)
        try:
            value = self._rule.evaluate(context)
        except datalogic_py.DataLogicError:  # a guarded var was missing, or the evaluation failed: explained
            return self._untraced(context)
        return _TRUE if value else _FALSE

    def explain(self, context: dict[str, Any]) -> ConditionResult:
        """Evaluate node by node and return the per-operation trace in evaluation order."""
        if self.logic is None:
            return ConditionResult(True)
        bad_value = context_error(context)
        if bad_value is not None:
            return ConditionResult(False, bad_value)
        walker = Walker(context)
        try:
            value = walker.value(self.logic, ROOT)
        except ConditionError as error:
            return ConditionResult(False, error, walker.trace)
        return ConditionResult(bool(value), None, walker.trace)

    def _untraced(self, context: dict[str, Any]) -> ConditionResult:
        result = self.explain(context)
        return ConditionResult(result.triggered, result.error)


_SIMPLE_SEGMENT = re.compile(r"[A-Za-z0-9_\- ]+")
_MISSING = {"throw": "missing var"}  # datalogic's own operator: refused in stored rules, used only here


def _guardable(path: tuple[str, ...]) -> bool:
    return all(_SIMPLE_SEGMENT.fullmatch(segment) for segment in path)


def _guarded(value: Any, scoped: bool = False) -> Any:
    """A copy of ``value`` where every unscoped ``var`` without a default, on a guardable path, throws when
    its path is missing."""
    if isinstance(value, list):
        return [_guarded(item, scoped) for item in value]
    if not isinstance(value, dict) or len(value) != 1:
        return value
    op, raw_args = next(iter(value.items()))
    args = as_args(raw_args)
    if op == "var":
        name = "" if not args or args[0] is None else str(args[0])
        if scoped or len(args) > 1 or not name or not _guardable(tuple(name.split("."))):
            return value
        return {"var": [args[0], _MISSING]}
    scoped_args = SCOPED_ARGS.get(op, frozenset())
    return {op: [_guarded(arg, scoped or i in scoped_args) for i, arg in enumerate(args)]}


def _roots(rule: datalogic_py.Rule) -> frozenset[str] | None:
    facts = rule.facts()
    reads = facts["reads"]
    if not facts["reads_complete"] or any(not path for path in reads):
        return None
    return frozenset(str(path[0]) for path in reads)


_TRUE = ConditionResult(True)  # shared by every plain result (their trace is empty: never append to it)
_FALSE = ConditionResult(False)
_PLAIN: dict[object, ConditionResult] = {"true": _TRUE, "false": _FALSE}
_sessions = threading.local()


def _session() -> datalogic_py.Session:
    """This thread's datalogic session (sessions are not thread-safe; one per thread, reused)."""
    session: datalogic_py.Session | None = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = ENGINE.session()
    return session


class ConditionSet:
    """Many compiled conditions evaluated together, against one context at a time: the dispatcher keeps one
    per account and event (every listening rule) and evaluates it once per event.

    ``evaluate`` gives what ``CompiledCondition.evaluate`` gives for each condition, much faster: the
    context is parsed once into a datalogic ``DataHandle`` and every rule runs against it in one native
    call. When every condition is evaluated natively, they are also compiled together into one rule, an array
    of them, whose value is the list of their values: one evaluation, no JSON text to read back. A throw in
    any of them (a missing var) stops that array, and the rules are then evaluated one by one in one call
    (``evaluate_many``), where only the one that threw is explained.
    """

    __slots__ = ("conditions", "roots", "_indices", "_rules", "_checked", "_together")

    def __init__(self, conditions: Sequence[CompiledCondition]) -> None:
        self.conditions = tuple(conditions)
        # conditions evaluated natively here; those with paths checked in Python (rare) are evaluated alone
        self._indices: list[int] = []
        self._rules: list[datalogic_py.Rule] = []
        for i, condition in enumerate(self.conditions):
            if condition._rule is not None and not condition._required:
                self._indices.append(i)
                self._rules.append(condition._rule)
        self._checked = [i for i, c in enumerate(self.conditions) if c._rule is not None and c._required]
        self._together: datalogic_py.Rule | None = None
        if self._rules and len(self._rules) == len(self.conditions):
            self._together = ENGINE.compile([_guarded(condition.logic) for condition in self.conditions])
        roots: set[str] = set()
        for condition in self.conditions:
            if condition.roots is None:
                self.roots: frozenset[str] | None = None
                break
            roots |= condition.roots
        else:
            self.roots = frozenset(roots)

    def __len__(self) -> int:
        return len(self.conditions)

    def evaluate(self, context: dict[str, Any]) -> list[ConditionResult]:
        """One result per condition, in order. Call ``context_error`` on the context first (once)."""
        conditions = self.conditions
        if not self._rules:
            return [condition.evaluate(context) for condition in conditions]
        try:
            handle = datalogic_py.DataHandle(context)
        except (datalogic_py.DataLogicError, TypeError, ValueError, OverflowError):
            return [condition.evaluate(context) for condition in conditions]
        if self._together is not None:
            try:
                values = _session().evaluate_data(self._together, handle)
            except datalogic_py.DataLogicError:  # one of them threw or failed: evaluated one by one below
                pass
            else:
                return _by_value(values)
        raw = _session().evaluate_many(self._rules, handle)
        plain: list[ConditionResult | None] = list(map(_PLAIN.get, raw))  # None: not plain true or false
        if len(plain) == len(conditions) and raw.count("true") + raw.count("false") == len(raw):
            return plain  # type: ignore[return-value]  # no None in it
        results = [_TRUE] * len(conditions)
        for i, value, result in zip(self._indices, raw, plain, strict=True):
            results[i] = result if result is not None else _result(conditions[i], context, value)
        for i in self._checked:
            results[i] = conditions[i].evaluate(context)
        return results


_BY_VALUE: dict[object, ConditionResult] = {True: _TRUE, False: _FALSE}  # 1 and 0.0 too: the same truthiness


def _by_value(values: list[Any]) -> list[ConditionResult]:
    """The results of the values of conditions evaluated together (a value that is not true or false counts by
    its truthiness, as ``_result`` counts it)."""
    if values.count(True) + values.count(False) == len(values):  # each one of True, False, 1, 0 (native counts)
        return list(map(_BY_VALUE.__getitem__, values))
    return [_TRUE if value else _FALSE for value in values]


def _result(condition: CompiledCondition, context: dict[str, Any], value: object) -> ConditionResult:
    """A native result that is not plain true/false: a JSON value (its truthiness), or a throw or an error
    (explained)."""
    if not isinstance(value, str):
        return condition._untraced(context)
    return _TRUE if json.loads(value) else _FALSE


def evaluate_many(conditions: Sequence[CompiledCondition], context: dict[str, Any]) -> list[ConditionResult]:
    """``ConditionSet(conditions).evaluate(context)``: keep the set to evaluate the same conditions again."""
    return ConditionSet(conditions).evaluate(context)


def compile_conditions(logic: dict[str, Any] | None, *, max_operations: int = MAX_OPERATIONS) -> CompiledCondition:
    """Validate JSONLogic (or None for "always") and compile it; raise ConditionError if invalid."""
    if logic is None or logic == {}:
        return CompiledCondition(None)
    validate_conditions(logic, max_operations=max_operations)
    return CompiledCondition(copy.deepcopy(logic))
