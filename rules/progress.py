"""A rule's execution progress as the seeds' client polls it (`rules/{id}/progress/`): idle, or its active run."""

from __future__ import annotations

from typing import Any

from rules.models import AutomationRule, AutomationRun, RunStep
from rules.runlog import step_label

IDLE: dict[str, Any] = {"status": "idle"}


def rule_progress(*, rule: AutomationRule) -> dict[str, Any]:
    """`{"status": "idle"}` without an active run; else its status, progress 0–100, phase, step results, run_id."""
    run = (
        AutomationRun.objects.filter(rule=rule, status__in=AutomationRun.ACTIVE)
        .order_by("created_at", "id")  # the oldest active run is the one working; queued ones wait behind it
        .first()
    )
    if run is None:
        return dict(IDLE)
    steps = list(run.steps.all())
    return {
        "status": run.status,
        "progress": run_percent(run, steps),
        "phase": run_phase(run, steps),
        "result": step_results(steps),
        "run_id": run.run_id,
    }


def run_percent(run: AutomationRun, steps: list[RunStep]) -> int:
    """Whole percent done (the pipeline dashboard's measure too)."""
    return max(0, min(100, int(progress_percent(run, steps))))


def progress_percent(run: AutomationRun, steps: list[RunStep]) -> float:
    """Each stage an equal share; the running stage counts by the items it has done of those it sees."""
    if run.status == "completed":
        return 100.0
    if not steps:
        return 0.0
    finished = sum(s.status in ("completed", "skipped", "failed", "cancelled") for s in steps)
    current = next((s for s in steps if s.status in ("running", "pending") and s.index == run.current_step), None)
    fraction = 0.0
    if current is not None and current.status == "running" and run.site_id:
        done = live_counts(current)["input_count"]
        waiting = _pending(current, run.site_id)
        fraction = done / (done + waiting) if done + waiting else 0.0
    return round(100.0 * (finished + fraction) / len(steps), 1)


def _pending(step: RunStep, site_id: int) -> int:
    from rules.core.registry import UnknownAction, registry

    try:
        action = registry.get(step.action_type)
    except UnknownAction:
        return 0
    return action.pending_count(site_id) if hasattr(action, "pending_count") else 0


def live_counts(step: RunStep) -> dict:
    """A step's counts, including the batches a running step has finished so far."""
    live = step.result.get("progress") or {}
    return {
        "input_count": step.input_count + live.get("input_count", 0),
        "output_count": step.output_count + live.get("output_count", 0),
    }


def run_phase(run: AutomationRun, steps: list[RunStep]) -> str:
    """Where the run is, numbered from 1: "step 2 (generate_ideas)", or "stage 4 (generate_content)"."""
    if not steps:
        return "starting"
    index = min(max(run.current_step, 0), len(steps) - 1)
    where = step_label(next((s for s in steps if s.index == index), steps[-1]))
    return f"waiting to start: {where}" if run.status == AutomationRun.Status.QUEUED else where


def step_results(steps: list[RunStep]) -> list[dict[str, Any]] | None:
    """What each started step has done so far (numbered from 1), or None before the first one starts."""
    started = [s for s in steps if s.status != RunStep.Status.PENDING]
    if not started:
        return None
    return [
        {
            "step": s.index + 1,
            "action_type": s.action_type,
            "status": s.status,
            "input_count": s.input_count,
            "output_count": s.output_count,
            "result": s.result,
            "error": s.error or None,
        }
        for s in started
    ]
