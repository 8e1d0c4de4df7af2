"""JSONLogic nodes: the operators we accept, their arguments, and reading values out of a context."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import datalogic_py

ENGINE = datalogic_py.Engine()
_JSON_SCALARS = (str, int, float, bool, type(None))

# The standard JSONLogic operators (jsonlogic.com), so stored rules stay portable; datalogic's
# extensions (tensor, datetime, throw, ...) are refused. Values are (min, max) argument counts.
ARITY: dict[str, tuple[int, int | None]] = {
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
SCOPED_ARGS: dict[str, frozenset[int]] = {
    op: frozenset({1}) for op in ("map", "filter", "all", "some", "none", "reduce")
}
# Operations the walker hands to datalogic whole, against the real context.
OPAQUE = frozenset(SCOPED_ARGS) | {"missing", "missing_some"}
OPERATOR_HINTS = {
    "not": "use '!' for negation",
    "equals": "in JSONLogic write '=='",
    "not_equals": "in JSONLogic write '!='",
    "contains": "in JSONLogic write {'in': [value, {'var': field}]}",
}


def is_scalar(value: object) -> bool:
    return isinstance(value, _JSON_SCALARS)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if is_number(value) else type(value).__name__)


def as_args(raw_args: object) -> list[Any]:
    return raw_args if isinstance(raw_args, list) else [raw_args]


def iter_vars(value: object, scoped: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """Yield (path, has_default, in_scoped_body) for every var in ``value``."""
    if isinstance(value, list):
        for item in value:
            yield from iter_vars(item, scoped)
    elif isinstance(value, dict) and len(value) == 1:
        op, raw_args = next(iter(value.items()))
        args = as_args(raw_args)
        if op == "var":
            name = args[0] if args else ""
            yield ("" if name is None else str(name)), len(args) > 1, scoped
        scoped_args = SCOPED_ARGS.get(op, frozenset())
        for i, arg in enumerate(args):
            yield from iter_vars(arg, scoped or i in scoped_args)


def var_paths(logic: dict[str, Any] | None) -> set[str]:
    """Return the context paths a rule reads (vars inside map/filter/... bodies read items and are left out)."""
    return {path for path, _, scoped in iter_vars(logic) if path and not scoped}


def required_paths(logic: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    paths = {path for path, has_default, scoped in iter_vars(logic) if path and not has_default and not scoped}
    return tuple(tuple(path.split(".")) for path in sorted(paths))


def resolves(data: Any, segments: tuple[str, ...]) -> bool:
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


def lookup(data: Any, segments: tuple[str, ...]) -> Any:
    for key in segments:
        data = data[key] if isinstance(data, dict) else data[int(key)]
    return data
