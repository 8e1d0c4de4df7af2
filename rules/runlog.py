"""The one writer of run logs: a line in the run's log (read through the API) and in the process log."""

from __future__ import annotations

import logging
from typing import Any

from rules.models import AutomationRun, RunLog, RunStep

log = logging.getLogger("actions.run")
MAX_MESSAGE = 5000
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def escape_line(message: str) -> str:
    """One log entry stays one line: newlines (from a placeholder, an error, a payload) are shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def step_label(step: RunStep) -> str:
    """How people read a step: "stage 4 (generate_content)" in a pipeline, else "step 2 (webhook)"; from 1."""
    stage = (step.params or {}).get("stage")
    if isinstance(stage, int) and not isinstance(stage, bool):
        return f"stage {stage} ({step.action_type})"
    return f"step {step.index + 1} ({step.action_type})"


def run_log(
    run: AutomationRun, message: str, *, step: RunStep | None = None, level: str = "info", **extra: Any
) -> None:
    """Append a line to the run's log, tagged with its step when there is one."""
    line = escape_line(message)[:MAX_MESSAGE]
    RunLog.objects.create(run_id=run.pk, step_index=step.index if step else None, level=level, message=line)
    log.log(
        LEVELS.get(level, logging.INFO),
        line,
        extra={"run_id": run.run_id, "step": step.index if step else None, **extra},
    )
