"""Structured logs: one JSON object per line, with the run and step being executed when there is one."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_step: ContextVar[dict[str, Any] | None] = ContextVar("igny8_log_step", default=None)


@contextmanager
def logging_step(*, run_id: str, step: int, action: str) -> Iterator[None]:
    """Every log line inside this block carries run_id, step and action."""
    token = _step.set({"run_id": run_id, "step": step, "action": action})
    try:
        yield
    finally:
        _step.reset(token)


class RunContextFilter(logging.Filter):
    """Adds run_id / step / action (empty outside a step) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _step.get() or {}
        for name, default in (("run_id", ""), ("step", None), ("action", "")):
            if getattr(record, name, None) in (None, ""):  # an explicit `extra=` wins
                setattr(record, name, current.get(name, default))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", ""),
            "step": getattr(record, "step", None),
            "action": getattr(record, "action", ""),
            "process": record.process,
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)
