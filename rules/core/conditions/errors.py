"""What condition code reports: errors with the path where they happened, and evaluation results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROOT = "conditions"
CONTEXT_ROOT = "context"


class ConditionError(Exception):
    """A condition that cannot be normalized, compiled or evaluated, with the path where it failed."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[ConditionError], tuple[str, str]]:
        return (type(self), (self.path, self.message))

    def to_dict(self) -> dict[str, str]:
        """Return ``{"path", "message"}`` for APIs and run logs."""
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True)
class ConditionResult:
    """Outcome of one evaluation: ``triggered`` is False whenever ``error`` is set."""

    triggered: bool
    error: ConditionError | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        error = self.error.to_dict() if self.error else None
        return {"triggered": self.triggered, "error": error, "trace": list(self.trace)}
