"""Explaining an evaluation: the rule evaluated one operation at a time, each recorded in a trace, so a
failure names its path and a false result shows which clause made it so."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import datalogic_py

from rules.core.conditions.errors import ConditionError
from rules.core.conditions.nodes import ENGINE, OPAQUE, SCOPED_ARGS, as_args, lookup, resolves


@lru_cache(maxsize=256)
def _operation_rule(op: str, count: int) -> datalogic_py.Rule:
    """Compile ``op`` over placeholders so already-evaluated arguments are passed as data, never as logic."""
    return ENGINE.compile({op: [{"var": str(i)} for i in range(count)]})


class Walker:
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
        args = as_args(raw_args)
        if op == "var":
            return self.var(node, args, path)
        evaluated: list[Any] = []
        if op in ("and", "or"):
            result = self.and_or(op, args, path, evaluated)
        elif op in ("if", "?:"):
            result = self.if_(op, args, path, evaluated)
        elif op in OPAQUE:
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
            if not resolves(self.context, segments):
                raise self.fail(path, "var", args, f"{name} is not in the context")
            return lookup(self.context, segments)
        return self.run(ENGINE.compile(node), self.context, path, "var", args)

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
        scoped = SCOPED_ARGS.get(op, frozenset())
        evaluated.extend(self.value(arg, f"{path}/{op}/{i}") for i, arg in enumerate(args) if i not in scoped)
        return self.run(ENGINE.compile(node), self.context, path, op, evaluated)

    def run(self, rule: datalogic_py.Rule, data: Any, path: str, op: str, shown_args: list[Any]) -> Any:
        try:
            return rule.evaluate(data)
        except datalogic_py.DataLogicError as exc:
            raise self.fail(path, op, shown_args, _evaluation_message(op, shown_args, exc)) from None

    def fail(self, path: str, op: str, args: list[Any], message: str) -> ConditionError:
        self.trace.append({"path": path, "op": op, "args": args, "error": message})
        return ConditionError(f"{path}/{op}", message)


def _evaluation_message(op: str, args: list[Any], exc: datalogic_py.DataLogicError) -> str:
    shown = json.dumps(args, default=str)
    shown = shown if len(shown) <= 120 else shown[:117] + "..."
    if getattr(exc, "error_type", None) == "Thrown" and '"NaN"' in str(exc):
        return f"'{op}' cannot be evaluated with {shown}: an argument is not a number"
    return f"'{op}' cannot be evaluated with {shown}: {exc}"
