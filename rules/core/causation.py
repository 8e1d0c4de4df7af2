"""Causation: why something happened (the root event, the chain of runs) and the loop guard that bounds it.

The causation of the code running now is held in a context variable: set while an action runs, read by
the event sources, so every domain change made inside a run carries its run's causation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_MAX_DEPTH = 5


@dataclass(frozen=True)
class Causation:
    """Why something happened: the root event, how deep in a chain of runs, which rules ran.

    `root_id` names one occurrence of the root event (every run descending from it shares it), so the
    number of runs one root may cause can be bounded.
    """

    root_event: str = ""
    depth: int = 0
    rule_path: tuple[int, ...] = ()
    run_id: str = ""
    event: str = ""
    root_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root_event": self.root_event,
            "root_id": self.root_id,
            "event": self.event,
            "depth": self.depth,
            "rule_path": list(self.rule_path),
            "parent_run_id": self.run_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Causation:
        data = data or {}
        return cls(
            root_event=data.get("root_event", ""),
            depth=int(data.get("depth", 0)),
            rule_path=tuple(data.get("rule_path", ())),
            run_id=data.get("parent_run_id", ""),
            event=data.get("event", ""),
            root_id=data.get("root_id") or uuid.uuid4().hex,
        )

    def child(self, *, rule_id: int, run_id: str) -> Causation:
        """The causation carried by changes made inside a run of `rule_id`."""
        return replace(self, depth=self.depth + 1, rule_path=(*self.rule_path, rule_id), run_id=run_id)


@dataclass(frozen=True)
class LoopCheck:
    blocked: bool
    reason: str = ""
    path: list[int] = field(default_factory=list)


def check_loop(causation: Causation, *, rule_id: int, allow_self_trigger: bool, max_depth: int) -> LoopCheck:
    """Block a trigger that would re-enter its own rule or go deeper than `max_depth` runs."""
    if causation.depth > max_depth:
        return LoopCheck(
            True,
            f"loop guard: chain depth {causation.depth} exceeds the limit of {max_depth} "
            f"(rules {' → '.join(map(str, causation.rule_path))})",
            list(causation.rule_path),
        )
    if rule_id in causation.rule_path and not allow_self_trigger:
        return LoopCheck(
            True,
            f"loop guard: rule {rule_id} would re-trigger itself through its own actions "
            f"(rules {' → '.join(map(str, causation.rule_path))})",
            list(causation.rule_path),
        )
    return LoopCheck(False)


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
