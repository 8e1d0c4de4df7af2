"""The one writer of run logs: a line in the run's log (read through the API) and in the process log.

`run_log` writes one line now. A step execution writes through a `LogBuffer`: its lines go to the database
together (with the step's own bookkeeping lines, in one insert) when the step's outcome is applied, or once
the oldest has waited FLUSH_SECONDS (the executor's heartbeat thread checks every FLUSH_SECONDS): a long
step's log stays live, and a short step costs one insert.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from backend.core.inserts import unsaved
from rules.models import AutomationRun, RunLog, RunStep

log = logging.getLogger("actions.run")
MAX_MESSAGE = 5000
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
FLUSH_SECONDS = 1.0


def escape_line(message: str) -> str:
    """One log entry stays one line: newlines (from a placeholder, an error, a payload) are shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def step_label(step: RunStep) -> str:
    """How people read a step: "stage 4 (generate_content)" in a pipeline, "step 2 (webhook)" in a list (from 1),
    "step 'publish@3' (webhook)" in a program (by its key: its place in branches and loops)."""
    stage = (step.params or {}).get("stage")
    if isinstance(stage, int) and not isinstance(stage, bool):
        return f"stage {stage} ({step.action_type})"
    if step.path and step.path != f"actions/{step.index}":
        return f"step {step.key!r} ({step.action_type})"
    return f"step {step.index + 1} ({step.action_type})"


def _line(run: AutomationRun, message: str, step: RunStep | None, level: str, extra: dict[str, Any]) -> RunLog:
    line = escape_line(message)[:MAX_MESSAGE]
    log.log(
        LEVELS.get(level, logging.INFO),
        line,
        extra={"run_id": run.run_id, "step": step.index if step else None, **extra},
    )
    return unsaved(RunLog, run_id=run.pk, step_index=step.index if step else None, level=level, message=line)


def run_log(
    run: AutomationRun, message: str, *, step: RunStep | None = None, level: str = "info", **extra: Any
) -> None:
    """Append a line to the run's log now, tagged with its step when there is one."""
    _line(run, message, step, level, extra).save()


class LogBuffer:
    """The lines of one step execution, written together (see the module docstring)."""

    def __init__(self, run: AutomationRun, step: RunStep) -> None:
        self.run, self.step = run, step
        self.lines: list[RunLog] = []
        self.oldest = 0.0
        self.lock = threading.Lock()  # the heartbeat thread flushes too

    def add(self, message: str, *, level: str = "info", **extra: Any) -> None:
        line = _line(self.run, message, self.step, level, {"action": self.step.action_type, **extra})
        with self.lock:
            if not self.lines:
                self.oldest = time.monotonic()
            self.lines.append(line)
        self.flush_if_due()

    def flush_if_due(self) -> None:
        """Write the waiting lines when the oldest has waited FLUSH_SECONDS."""
        if self.lines and time.monotonic() - self.oldest >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            lines, self.lines = self.lines, []
            if lines:
                RunLog.objects.bulk_create(lines)
