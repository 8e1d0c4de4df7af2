"""Compiled conditions per rule version: compiled once, kept in an LRU, shared by every evaluation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from rules.core.conditions.cost import MAX_OPERATIONS
from rules.core.conditions.evaluate import CompiledCondition, compile_conditions
from rules.core.conditions.listform import normalize_conditions

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
