"""Pure decisions of the rules engine: concurrency modes and the loop guard.

Plain values in, result objects out; no ORM, no Celery (the callers in rules/dispatch.py do I/O).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_MAX_DEPTH = 5


@dataclass(frozen=True)
class ModeDecision:
    """What to do with a new trigger given the runs active in its concurrency group."""

    action: str  # "start" | "queue" | "drop" | "restart"
    reason: str = ""
    cancel_run_ids: tuple[str, ...] = ()


def decide_mode(mode: str, *, max_runs: int, running: list[str], queued: int) -> ModeDecision:
    """Home Assistant semantics: single drops, queued waits its turn, parallel caps, restart cancels.

    `running` are the run ids started (running or paused) in the group; `queued` counts waiting runs.
    """
    busy = bool(running) or queued > 0
    if mode == "single":
        if busy:
            return ModeDecision("drop", f"mode single: run {running[0] if running else '(queued)'} is still active")
        return ModeDecision("start")
    if mode == "queued":
        if not busy:
            return ModeDecision("start")
        active = len(running) + queued
        if active >= max_runs:
            return ModeDecision("drop", f"queue full: {active} runs active or waiting, max_runs is {max_runs}")
        return ModeDecision("queue", "mode queued: waiting for the active run to finish")
    if mode == "parallel":
        if len(running) >= max_runs:
            return ModeDecision("drop", f"mode parallel: {len(running)} runs active, max is {max_runs}")
        return ModeDecision("start")
    if mode == "restart":
        if running:
            return ModeDecision("restart", "mode restart: the active run is cancelled", tuple(running))
        return ModeDecision("start")
    raise ValueError(f"unknown mode {mode!r}")


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
