"""Compiling a validated condition once and evaluating it many times (the fast path); a condition that cannot
be evaluated is never a silent False: the evaluation is explained to find the path of the failure."""

from __future__ import annotations

import copy
from typing import Any

import datalogic_py

from rules.core.conditions.context import context_error
from rules.core.conditions.cost import MAX_OPERATIONS
from rules.core.conditions.errors import ROOT, ConditionError, ConditionResult
from rules.core.conditions.explain import Walker
from rules.core.conditions.nodes import ENGINE, iter_vars, required_paths, resolves
from rules.core.conditions.validation import validate_conditions


def var_paths(logic: dict[str, Any] | None) -> set[str]:
    """Return the context paths a rule reads (vars inside map/filter/... bodies read items and are left out)."""
    return {path for path, _, scoped in iter_vars(logic) if path and not scoped}


class CompiledCondition:
    """A validated rule compiled once: ``evaluate`` is the fast path, ``explain`` traces every node."""

    __slots__ = ("logic", "_rule", "_required")

    def __init__(self, logic: dict[str, Any] | None) -> None:
        self.logic = logic
        self._rule = ENGINE.compile(logic) if logic is not None else None
        self._required = required_paths(logic) if logic is not None else ()

    def evaluate(self, context: dict[str, Any]) -> ConditionResult:
        """Evaluate against ``context``; the trace is empty."""
        if self._rule is None:
            return ConditionResult(True)
        for segments in self._required:
            if not resolves(context, segments):
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
        walker = Walker(context)
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
