"""The causation of the code running now: set while an action runs, read by the event sources."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rules.engine import Causation

_current: ContextVar[Causation | None] = ContextVar("igny8_causation", default=None)


def current_causation() -> Causation | None:
    return _current.get()


@contextmanager
def causing(causation: Causation) -> Iterator[Causation]:
    """Every domain change made inside this block carries `causation`."""
    token = _current.set(causation)
    try:
        yield causation
    finally:
        _current.reset(token)
