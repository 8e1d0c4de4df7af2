"""The bounds of an evaluation context (``condition_cost`` assumes them): check once per context."""

from __future__ import annotations

from typing import Any

from rules.core.conditions.cost import MAX_CONTEXT_CHARS, MAX_CONTEXT_DEPTH, MAX_CONTEXT_ITEMS, MAX_CONTEXT_SIZE
from rules.core.conditions.errors import CONTEXT_ROOT, ConditionError
from rules.core.conditions.nodes import is_scalar, type_name


def evaluation_context(
    *, account_id: int, site: dict[str, object], event: dict[str, Any] | None, payload: dict[str, Any] | None, now: str
) -> dict[str, object]:
    """The dict conditions see: the event (name, changes), its object, the site, the account, now, the payload
    (what a manual or webhook trigger sent). One shape for the dispatcher and for a run's own conditions."""
    return {
        "event": {"name": event["name"], "changes": event["changes"]} if event else {"name": "", "changes": {}},
        "object": (event or {}).get("object") or {},
        "site": site,
        "account": {"id": account_id},
        "now": now,
        "payload": payload or {},
    }


# The parts of an `evaluation_context` the engine builds itself: the site (its model's fields, each a bounded
# CharField or a number), the account's id and the time. Within every bound by construction; at most this many
# characters of JSON in all, counted against MAX_CONTEXT_SIZE without walking them.
OWN_PARTS_CHARS = 1_000


def event_context_error(context: dict[str, Any]) -> ConditionError | None:
    """``context_error`` for a context ``evaluation_context`` built (the dispatcher's, once per event): only
    the parts that come from outside (the event with its changes, the object, the payload) are walked."""
    outside = (context["event"], context["object"], context["payload"])  # at the depth they have in the context
    if _within_bounds(
        outside, MAX_CONTEXT_ITEMS, MAX_CONTEXT_CHARS, MAX_CONTEXT_SIZE - OWN_PARTS_CHARS, MAX_CONTEXT_DEPTH
    ):
        return None
    return context_error(context)


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
    A context within the bounds (the dispatcher checks one per event) is accepted by a quick walk that
    builds no paths; only a context it cannot accept is walked again to name the first problem.
    """
    if _within_bounds(context, max_items, max_chars, max_size, max_depth):
        return None
    return _first_error(context, root, max_items, max_chars, max_size, max_depth)


def _first_error(
    context: object, root: str, max_items: int, max_chars: int, max_size: int, max_depth: int
) -> ConditionError | None:
    """The full walk: the first problem, with its path."""
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
                path, f"{type_name(value)} of {len(value):,} items; the limit is {max_items:,} (MAX_CONTEXT_ITEMS)"
            )
        keys = [key for key in value if not isinstance(key, str)] if isinstance(value, dict) else []
        if keys:
            return ConditionError(path, f"key {keys[0]!r} is not a string; the context must be JSON")
    elif isinstance(value, str) and len(value) > max_chars:
        return ConditionError(
            path, f"a string of {len(value):,} characters; the limit is {max_chars:,} (MAX_CONTEXT_CHARS)"
        )
    elif not is_scalar(value):
        return ConditionError(path, f"{type(value).__name__} is not a JSON value; serialize it before evaluating")
    return None


_SCALARS = frozenset({int, float, bool, type(None)})


def _within_bounds(context: object, max_items: int, max_chars: int, max_size: int, max_depth: int) -> bool:
    """True only when ``context_error`` finds nothing (same bounds, same size count); False when unsure.

    Exact types only (a subclass of dict or str is left to the full walk); scalars are counted in place.
    """
    size = 0
    stack: list[tuple[object, int]] = [(context, 1)]
    pop, push, scalars = stack.pop, stack.append, _SCALARS
    while stack:
        value, depth = pop()
        if type(value) is dict:
            if depth > max_depth or len(value) > max_items:
                return False
            size += 2
            for key, item in value.items():
                if type(key) is not str:
                    return False
                if type(item) is str:
                    if len(item) > max_chars:
                        return False
                    size += len(key) + len(item) + 6
                elif type(item) in scalars:
                    size += len(key) + 28
                else:
                    size += len(key) + 4
                    push((item, depth + 1))
        elif type(value) is list or type(value) is tuple:
            if depth > max_depth or len(value) > max_items:
                return False
            size += 2 + len(value)
            for item in value:
                if type(item) is str:
                    if len(item) > max_chars:
                        return False
                    size += len(item) + 2
                elif type(item) in scalars:
                    size += 24
                else:
                    push((item, depth + 1))
        elif type(value) is str:
            if len(value) > max_chars:
                return False
            size += len(value) + 2
        elif type(value) not in scalars:
            return False
        else:
            size += 24
        if size > max_size:
            return False
    return True
