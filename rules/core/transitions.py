"""Step transitions: what an execution's outcome does to its step, as a pure function.

The executor calls the action, then asks `transition(state, outcome)` and applies the answer:

- retry    a transient error with retries left: the step waits `delay` seconds, then runs again;
- defer    the action asked to come back later (a wait, a delay between batches): `delay` seconds, no worker held;
- wait     the step waits for something outside it (an approval, an event, a called run), woken from outside or
           after `delay` seconds (its timeout; 0: no timeout);
- pause    the action stopped between batches because the run was paused or cancelled;
- complete the step is done (`status` completed, or skipped when it had nothing to do);
- fail     the step failed and the run fails with it (`on_error` stop);
- continue the step failed and the run goes on with the next step (`on_error` continue).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rules.core.contract import ActionError, StepResult


class Kind(StrEnum):
    RETRY = "retry"
    DEFER = "defer"
    WAIT = "wait"
    PAUSE = "pause"
    COMPLETE = "complete"
    FAIL = "fail"
    CONTINUE = "continue"


@dataclass(frozen=True)
class StepState:
    """What the decision needs to know of the step."""

    attempts: int  # this execution included
    max_retries: int
    retry_backoff: float  # seconds, doubled per attempt
    on_error: str  # "stop" | "continue"
    output_count: int  # all executions so far, this one included


@dataclass(frozen=True)
class Transition:
    kind: Kind
    status: str  # the step's new status: pending, waiting, completed, skipped or failed
    delay: float = 0.0  # seconds before it runs again (retry, defer)
    error_kind: str = ""  # transient or permanent (a failure)


def transition(state: StepState, outcome: StepResult | ActionError, *, run_running: bool) -> Transition:
    """The transition an outcome calls for; a run that is no longer running gets no retry."""
    if isinstance(outcome, ActionError):
        error_kind = "permanent" if outcome.permanent else "transient"
        retries_left = state.max_retries - (state.attempts - 1)
        if not outcome.permanent and retries_left > 0 and run_running:
            delay = state.retry_backoff * (2 ** (state.attempts - 1))
            return Transition(Kind.RETRY, "pending", delay, error_kind)
        kind = Kind.CONTINUE if state.on_error == "continue" else Kind.FAIL
        return Transition(kind, "failed", error_kind=error_kind)
    if outcome.waiting:
        return Transition(Kind.WAIT, "waiting", float(outcome.defer_seconds or 0))
    if outcome.defer_seconds:
        return Transition(Kind.DEFER, "pending", float(outcome.defer_seconds))
    if outcome.paused:
        return Transition(Kind.PAUSE, "pending")
    return Transition(Kind.COMPLETE, "skipped" if outcome.skipped and not state.output_count else "completed")
