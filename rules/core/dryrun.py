"""Dry runs: whether the code running now is a dry run's step (set by the executor around the action).

A dry run changes nothing and spends nothing: the executor rolls its step's writes back and refuses outbound
calls; actions read `ctx.dry_run` to skip what they would send (and say so with `ctx.would_call`), and the AI
client reads `is_dry_run()` to answer through the offline provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

OFFLINE_PROVIDER = "local"
_dry: ContextVar[bool] = ContextVar("igny8_dry_run", default=False)


def is_dry_run() -> bool:
    return _dry.get()


@contextmanager
def dry_running() -> Iterator[None]:
    token = _dry.set(True)
    try:
        yield
    finally:
        _dry.reset(token)
