"""Run modes (Home Assistant's single / queued / parallel / restart): what a new trigger does to a rule's
concurrency group. Plain values in, a decision out."""

from __future__ import annotations

from dataclasses import dataclass


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
