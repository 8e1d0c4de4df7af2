"""The contract of an action: class attributes describe it, `run(ctx, params)` does the work.

`run` returns a StepResult, or raises ActionError(message, permanent=...) — a transient error is
retried with backoff up to the step's retry limit, a permanent one fails the step at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from actions.context import ActionContext


class ActionError(Exception):
    """A step failed; `permanent=False` means retrying may help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message, self.permanent = message, permanent


@dataclass
class StepResult:
    """What a step did. Counts and numeric result values add up across pause/resume and retries."""

    input_count: int = 0
    output_count: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    paused: bool = False  # stopped early between batches because the run was paused/cancelled
    skipped: bool = False  # nothing to do (or disabled): recorded as a skipped step
    defer_seconds: float | None = None  # come back later (delay) without holding a worker


class Action:
    """Base class of every action; subclasses register with `@registry.register`."""

    key: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}, "additionalProperties": False}
    queue: ClassVar[str] = "local"
    cost_note: ClassVar[str] = "free"
    # Other names a param is accepted under (the seeds' names), alias -> canonical; rules store the canonical one.
    param_aliases: ClassVar[dict[str, str]] = {}
    # Names a client may send that this action refuses with a reason (a 400 naming the param), param -> reason.
    refused_params: ClassVar[dict[str, str]] = {}

    def estimate(self, params: dict[str, Any], *, site_id: int | None, account_id: int) -> Decimal:
        """Credits this step is expected to cost (reserved at start); ids count only if the account's (and site's)."""
        # Filtering by account is what stops the estimate (402 vs 202) revealing another account's items.
        return Decimal("0")

    def run(self, ctx: ActionContext, params: dict[str, Any]) -> StepResult:
        """Do the work; return a StepResult or raise ActionError."""
        raise NotImplementedError
