"""Lifetime counters for /metrics, in Redis hashes, added to when the work that counts commits.

What would otherwise be a sum over a growing history at every scrape (finished runs and steps, credits
charged, provider calls) is counted as it happens: the owner of the work calls `add_after_commit` with
(hash, field, amount) increments, written in one Redis round trip once the current transaction commits
(nothing if it rolls back; at once outside a transaction), and a scrape reads the hashes in one round trip,
so its cost does not grow with the history and pruning history does not lower a counter. A Redis outage
loses counts (logged) and never fails the work; a wiped Redis is a counter reset, which Prometheus expects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from backend.core.redis import get_redis

log = logging.getLogger(__name__)

PREFIX = "igny8:stats:"  # every counter hash's key starts with it
SEPARATOR = "|"  # joins a field's labels (action types, operations and provider names never contain it)
Increment = tuple[str, str, int | float]  # (hash key, field, amount)


def add_after_commit(increments: Iterable[Increment]) -> None:
    """Add the amounts to the counters once the current transaction commits."""
    items = [item for item in increments if item[2]]
    if items:
        transaction.on_commit(lambda: _add(items))


def _add(items: list[Increment]) -> None:
    pipe = get_redis().pipeline(transaction=False)
    for key, field, amount in items:
        if isinstance(amount, int):
            pipe.hincrby(key, field, amount)
        else:
            pipe.hincrbyfloat(key, field, amount)
    try:
        pipe.execute()
    except Exception:  # noqa: BLE001 - a lost count must not fail the work that was done
        log.warning("could not add %d counts in Redis", len(items), exc_info=True)


def read(keys: list[str]) -> list[dict[str, str]]:
    """The hashes as they stand, in the order of `keys` (one round trip)."""
    pipe = get_redis().pipeline(transaction=False)
    for key in keys:
        pipe.hgetall(key)
    return [{_text(field): _text(value) for field, value in found.items()} for found in pipe.execute()]


def fields(name: str) -> list[str]:
    """A field's labels."""
    return name.split(SEPARATOR)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
