"""Validating JSONLogic once, before it is stored: operators, arities, JSON values, and its worst-case cost."""

from __future__ import annotations

from typing import Any

import datalogic_py

from rules.core.conditions.cost import CAP, MAX_DEPTH, MAX_OPERATIONS, MAX_VALUE_SIZE, condition_cost, nesting_path
from rules.core.conditions.errors import ROOT, ConditionError
from rules.core.conditions.nodes import ARITY, ENGINE, OPERATOR_HINTS, as_args, is_scalar, type_name


def validate_conditions(
    logic: object, *, max_operations: int = MAX_OPERATIONS, max_value_size: int = MAX_VALUE_SIZE
) -> None:
    """Raise ConditionError at the first problem in a JSONLogic rule (or its cost above a limit); else None."""
    if not isinstance(logic, dict):
        raise ConditionError(ROOT, f"a JSONLogic rule must be an object, got {type_name(logic)}")
    check_depth(logic)  # before anything below recurses
    _validate_value(logic, ROOT)
    try:
        ENGINE.compile_checked(logic)
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
    elif not is_scalar(value):
        raise ConditionError(path, f"{type(value).__name__} is not a JSON value")


def _validate_operation(node: dict[Any, Any], path: str) -> None:
    if len(node) != 1:
        raise ConditionError(path, _not_one_operator(node))
    op, raw_args = next(iter(node.items()))
    op_path = f"{path}/{op}"
    if op not in ARITY:
        hint = OPERATOR_HINTS.get(op)
        raise ConditionError(op_path, f"unknown operator '{op}'" + (f"; {hint}" if hint else ""))
    args = as_args(raw_args)
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


def _check_arity(op: str, count: int, path: str) -> None:
    low, high = ARITY[op]
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
        raise ConditionError(path, f"var needs a dotted path string or a number, got {type_name(name)}")


def check_depth(value: object) -> None:
    """Refuse conditions nested deeper than MAX_DEPTH before anything recursive walks them."""
    path = nesting_path(value, root=ROOT, max_depth=MAX_DEPTH)
    if path is not None:
        raise ConditionError(path, f"conditions are nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}")
