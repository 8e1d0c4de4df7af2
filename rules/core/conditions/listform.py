"""The seeds' list form (``[{"field", "operator", "value"}, ...]``, combined with AND) and its translation
into JSONLogic; ``normalize_conditions`` accepts either form and returns validated JSONLogic."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rules.core.conditions.cost import MAX_OPERATIONS
from rules.core.conditions.errors import ROOT, ConditionError
from rules.core.conditions.nodes import is_number, is_scalar, type_name
from rules.core.conditions.validation import check_depth, validate_conditions

MAX_BYTES = 16_384  # the default of settings.AUTOMATION_MAX_CONDITION_BYTES


def _is_needle(value: object) -> bool:
    return is_scalar(value) and value is not None


def _is_scalar_list(value: object) -> bool:
    return isinstance(value, list) and all(is_scalar(item) for item in value)


@dataclass(frozen=True)
class ListOperator:
    """One list-form operator: how it becomes JSONLogic and which values it accepts."""

    build: Callable[[dict[str, str], Any], dict[str, Any]]
    accepts: Callable[[object], bool]
    expects: str


LIST_OPERATORS: dict[str, ListOperator] = {
    "equals": ListOperator(lambda f, v: {"==": [f, v]}, is_scalar, "a string, number, boolean or null"),
    "not_equals": ListOperator(lambda f, v: {"!=": [f, v]}, is_scalar, "a string, number, boolean or null"),
    # `in` is substring for a string field and membership for a list field.
    "contains": ListOperator(lambda f, v: {"in": [v, f]}, _is_needle, "a string, number or boolean"),
    "greater_than": ListOperator(lambda f, v: {">": [f, v]}, is_number, "a number"),
    "less_than": ListOperator(lambda f, v: {"<": [f, v]}, is_number, "a number"),
    "in": ListOperator(lambda f, v: {"in": [f, v]}, _is_scalar_list, "a list of strings, numbers, booleans or nulls"),
    "not_in": ListOperator(
        lambda f, v: {"!": [{"in": [f, v]}]}, _is_scalar_list, "a list of strings, numbers, booleans or nulls"
    ),
}
_ITEM_KEYS = ("field", "operator", "value")


def _translate_item(item: object, path: str) -> dict[str, Any]:
    """Translate one list-form item into a JSONLogic operation."""
    if not isinstance(item, dict):
        raise ConditionError(
            path, f"a condition must be an object with field, operator and value, got {type_name(item)}"
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
        raise ConditionError(f"{path}/value", f"'{item['operator']}' needs {operator.expects}, got {type_name(value)}")
    return operator.build({"var": item["field"]}, value)


def _check_field(name: object, path: str) -> None:
    if not isinstance(name, str) or not name:
        raise ConditionError(path, f"field must be a non-empty dotted path like 'object.status', got {type_name(name)}")
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
    check_depth(raw)
    if max_bytes is not None:
        _check_bytes(raw, max_bytes)
    if isinstance(raw, list):
        logic = {"and": [_translate_item(item, f"{ROOT}/{i}") for i, item in enumerate(raw)]}
    elif isinstance(raw, dict):
        logic = raw
    else:
        raise ConditionError(
            ROOT, f"conditions must be a JSONLogic object or a list of conditions, got {type_name(raw)}"
        )
    validate_conditions(logic, max_operations=max_operations)
    return logic


def _check_bytes(raw: object, max_bytes: int) -> None:
    size = len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False, default=str).encode())
    if size > max_bytes:
        raise ConditionError(
            ROOT, f"conditions take {size:,} bytes of JSON; the limit is {max_bytes:,} (AUTOMATION_MAX_CONDITION_BYTES)"
        )
