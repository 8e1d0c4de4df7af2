"""Work collected per block: code that makes many changes at once (a bulk import) opens `batched()`; what
reacts to each change (the rules engine's event dispatch) adds it to the open batch instead of acting at
once, and is handed everything it collected when the block ends. Nothing is handed over when the block raises.
Also `bulk_created`: the signal for rows inserted with `bulk_create`, which sends no `post_save`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

# Sent with `instances` (saved, with primary keys) after rows were inserted with bulk_create.
bulk_created = Signal()


@dataclass
class Batch:
    items: dict[str, list[Any]] = field(default_factory=dict)
    flushes: dict[str, Callable[[list[Any]], None]] = field(default_factory=dict)

    def add(self, kind: str, item: Any, flush: Callable[[list[Any]], None]) -> None:
        """Collect `item`; `flush` receives every item of its kind when the batch closes."""
        self.items.setdefault(kind, []).append(item)
        self.flushes.setdefault(kind, flush)


_current: ContextVar[Batch | None] = ContextVar("igny8_batch", default=None)


def current_batch() -> Batch | None:
    return _current.get()


@contextmanager
def batched() -> Iterator[None]:
    """Collect what the changes made inside cause; hand it over, kind by kind, when the block ends."""
    if _current.get() is not None:  # an enclosing batch hands it over
        yield
        return
    batch = Batch()
    token = _current.set(batch)
    try:
        yield
    finally:
        _current.reset(token)
    for kind, flush in batch.flushes.items():
        flush(batch.items[kind])
