"""Step transitions: each outcome of an execution and the move it calls for (pure, no database)."""

from __future__ import annotations

import pytest

from rules.core.contract import ActionError, StepResult
from rules.core.transitions import Kind, StepState, transition


def state(**overrides) -> StepState:
    return StepState(
        **{"attempts": 1, "max_retries": 0, "retry_backoff": 2.0, "on_error": "stop", "output_count": 0, **overrides}
    )


def test_a_transient_error_with_retries_left_retries_with_doubling_backoff():
    first = transition(state(attempts=1, max_retries=3), ActionError("timeout"), run_running=True)
    third = transition(state(attempts=3, max_retries=3), ActionError("timeout"), run_running=True)
    assert (first.kind, first.status, first.delay, first.error_kind) == (Kind.RETRY, "pending", 2.0, "transient")
    assert third.delay == 8.0


def test_the_last_allowed_attempt_fails_and_a_permanent_error_never_retries():
    spent = transition(state(attempts=4, max_retries=3), ActionError("timeout"), run_running=True)
    permanent = transition(state(max_retries=5), ActionError("bad input", permanent=True), run_running=True)
    assert (spent.kind, spent.status, spent.error_kind) == (Kind.FAIL, "failed", "transient")
    assert (permanent.kind, permanent.error_kind) == (Kind.FAIL, "permanent")


def test_a_run_that_stopped_running_gets_no_retry():
    move = transition(state(max_retries=3), ActionError("timeout"), run_running=False)
    assert move.kind == Kind.FAIL


def test_on_error_continue_lets_the_run_go_on():
    move = transition(state(on_error="continue"), ActionError("nope", permanent=True), run_running=True)
    assert (move.kind, move.status) == (Kind.CONTINUE, "failed")


@pytest.mark.parametrize(
    "outcome,done,expected",
    [
        (StepResult(defer_seconds=30), 0, (Kind.DEFER, "pending", 30.0)),
        # a wait: shown as waiting, woken at its timeout (or only from outside: an approval, an event)
        (StepResult(waiting=True, defer_seconds=600), 0, (Kind.WAIT, "waiting", 600.0)),
        (StepResult(waiting=True), 0, (Kind.WAIT, "waiting", 0.0)),
        (StepResult(paused=True), 0, (Kind.PAUSE, "pending", 0.0)),
        (StepResult(output_count=1), 1, (Kind.COMPLETE, "completed", 0.0)),
        (StepResult(skipped=True), 0, (Kind.COMPLETE, "skipped", 0.0)),
        # nothing left this time, but earlier executions did work: the step completed, it was not skipped
        (StepResult(skipped=True), 5, (Kind.COMPLETE, "completed", 0.0)),
    ],
)
def test_results_defer_pause_complete_or_skip(outcome, done, expected):
    move = transition(state(output_count=done), outcome, run_running=True)
    assert (move.kind, move.status, move.delay) == expected
