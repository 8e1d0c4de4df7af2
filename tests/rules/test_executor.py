"""The executor and the run lifecycle (tasks inline): order, retries, on_error, pause/resume, cancel, retry, credits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.accounts.models import Account
from backend.billing.models import CreditTransaction
from rules import executor, lifecycle
from rules.lifecycle import rule_execute
from rules.models import AutomationRun, RunStep


def run_of(make_rule, actions, **extra):
    rule = make_rule(actions=actions, **extra)
    return rule, rule_execute(rule=rule).run


def reload(run: AutomationRun) -> AutomationRun:
    return AutomationRun.objects.get(pk=run.pk)


def test_it_runs_steps_in_order_and_records_them(make_rule, eager):
    _, run = run_of(
        make_rule, [{"type": "log", "params": {"message": "one"}}, {"type": "log", "params": {"message": "two"}}]
    )
    run = reload(run)
    assert run.status == "completed" and run.completed_at >= run.started_at
    steps = list(run.steps.all())
    assert [(s.index, s.status, s.attempts) for s in steps] == [(0, "completed", 1), (1, "completed", 1)]
    assert steps[0].finished_at <= steps[1].started_at
    messages = list(run.logs.values_list("message", flat=True))
    assert messages.index("one") < messages.index("two")


def test_it_retries_a_transient_error_then_succeeds(make_rule, eager):
    _, run = run_of(
        make_rule, [{"type": "test_flaky", "params": {"succeed_on_attempt": 3}, "retry": {"max": 3, "backoff": 0}}]
    )
    step = reload(run).steps.get()
    assert (step.status, step.attempts, step.result["attempt"]) == ("completed", 3, 3)
    assert reload(run).logs.filter(message__contains="retrying").count() == 2


def test_it_fails_after_the_retry_limit_with_the_error_kind(make_rule, eager):
    _, run = run_of(
        make_rule,
        [
            {"type": "test_flaky", "params": {"succeed_on_attempt": 9}, "retry": {"max": 2, "backoff": 0}},
            {"type": "log", "params": {"message": "never"}},
        ],
    )
    run = reload(run)
    first, second = run.steps.all()
    assert (first.status, first.attempts, first.error_kind) == ("failed", 3, "transient")
    assert second.status == "skipped" and run.status == "failed"
    assert "step 1 (test_flaky) failed" in run.error_message  # people count steps from 1


def test_it_fails_a_permanent_error_at_once(make_rule, eager):
    _, run = run_of(make_rule, [{"type": "test_flaky", "params": {"permanent": True}, "retry": {"max": 5}}])
    step = reload(run).steps.get()
    assert (step.status, step.attempts, step.error_kind) == ("failed", 1, "permanent")
    assert step.error == "bad input that will never work"


def test_it_continues_after_a_failed_step_when_asked(make_rule, eager):
    _, run = run_of(
        make_rule,
        [
            {"type": "test_flaky", "params": {"permanent": True}, "on_error": "continue"},
            {"type": "log", "params": {"message": "still here"}},
        ],
    )
    run = reload(run)
    assert [s.status for s in run.steps.all()] == ["failed", "completed"] and run.status == "completed_with_errors"


def test_it_never_repeats_a_completed_step_on_redelivery(make_rule, eager):
    _, run = run_of(make_rule, [{"type": "log", "params": {"message": "once"}}])
    executor.execute_step(run.steps.get(index=0).pk)  # a second delivery of the same task
    step = reload(run).steps.get()
    assert step.attempts == 1 and reload(run).logs.filter(message="once").count() == 1


def test_it_ignores_a_delivery_while_another_holds_the_lease(make_rule, settings, django_capture_on_commit_callbacks):
    rule = make_rule(actions=[{"type": "log", "params": {"message": "x"}}])
    with django_capture_on_commit_callbacks(execute=False):
        run = rule_execute(rule=rule).run
    step = run.steps.get()
    assert executor._take_lease(step) is not None
    executor.execute_step(run.steps.get(index=0).pk)
    assert RunStep.objects.get(pk=step.pk).attempts == 1  # the lease holder's attempt; the delivery did nothing


def test_it_pauses_between_batches_and_resumes_without_repeating_items(alice, make_rule, eager):
    _, run = run_of(
        make_rule,
        [
            {"type": "test_charge", "params": {"items": 4, "cost": 1, "pause_run_after": 2}},
            {"type": "log", "params": {"message": "after"}},
        ],
    )
    run = reload(run)
    step = run.steps.get(index=0)
    assert (run.status, step.status, step.result["produced"]) == ("paused", "pending", 2)
    lifecycle.run_resume(run)
    run = reload(run)
    assert run.status == "completed" and run.resumed_at is not None
    step = run.steps.get(index=0)
    assert step.result["produced"] == 4 and step.output_count == 4 and step.attempts == 2
    debits = CreditTransaction.objects.filter(account=alice.account, kind="debit")
    assert sorted(d.object_id for d in debits) == [1, 2, 3, 4]  # each item charged once


def test_it_reserves_the_estimate_and_settles_the_difference(alice, make_rule, eager):
    _, run = run_of(make_rule, [{"type": "test_charge", "params": {"items": 3, "cost": 2, "estimate": 10}}])
    run = reload(run)
    assert (run.credits_reserved, run.total_credits_used) == (Decimal("10"), Decimal("6"))
    account = Account.objects.get(pk=alice.account.pk)
    assert (account.credits, account.credits_reserved) == (Decimal("994"), Decimal("0"))
    kinds = list(CreditTransaction.objects.filter(run_id=run.run_id).order_by("id").values_list("kind", "amount"))
    assert kinds == [
        ("reservation", Decimal("10")),
        ("debit", 2),
        ("debit", 2),
        ("debit", 2),
        ("release", Decimal("4")),
    ]


def test_it_refuses_a_run_the_account_cannot_afford(charlie, make_rule, eager):
    rule = make_rule(
        account_id=charlie.account.pk, actions=[{"type": "test_charge", "params": {"items": 1, "estimate": 500}}]
    )
    result = rule_execute(rule=rule)
    assert result.run is None and result.outcome == "refused_credits" and result.refusal.needed == Decimal("500")
    assert "needed 500" in result.reason and "available 50" in result.reason
    assert not AutomationRun.objects.exists()  # no run, so no run number and no failed run in the statistics
    record = rule.trigger_records.get()
    assert record.outcome == "refused_credits" and record.reason == result.reason
    assert not CreditTransaction.objects.filter(account=charlie.account, kind__in=["debit", "reservation"]).exists()


def test_it_cancels_and_marks_the_rest_cancelled(make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(actions=[{"type": "log", "params": {"message": "a"}}, {"type": "log", "params": {"message": "b"}}])
    with django_capture_on_commit_callbacks(execute=False):
        run = rule_execute(rule=rule).run
        lifecycle.run_cancel(run)
    run = reload(run)
    assert run.status == "cancelled" and run.cancelled_at is not None
    assert [s.status for s in run.steps.all()] == ["cancelled", "cancelled"]
    with pytest.raises(lifecycle.RunStateError):
        lifecycle.run_pause(run)


def test_it_retries_a_failed_run_from_the_failed_step(make_rule, eager):
    rule, run = run_of(
        make_rule,
        [{"type": "log", "params": {"message": "first"}}, {"type": "test_flaky", "params": {"succeed_on_attempt": 2}}],
    )
    run = reload(run)
    assert run.status == "failed"
    lifecycle.run_retry(run)
    run = reload(run)
    assert (run.status, run.attempt) == ("completed", 2)
    first, second = run.steps.all()
    assert (first.attempts, second.attempts, second.status) == (1, 2, "completed")
    assert run.logs.filter(message="first").count() == 1


def test_it_retries_from_the_start_when_asked(make_rule, eager):
    _, run = run_of(
        make_rule,
        [{"type": "log", "params": {"message": "first"}}, {"type": "test_flaky", "params": {"permanent": True}}],
    )
    lifecycle.run_retry(reload(run), from_start=True)
    run = reload(run)
    assert run.attempt == 2 and run.steps.get(index=0).attempts == 2
    assert run.logs.filter(message="first").count() == 2


def test_it_waits_without_holding_a_worker(make_rule, eager, monkeypatch):
    calls = []
    monkeypatch.setattr(lifecycle, "enqueue_step", lambda pk, countdown=0, **_: calls.append((pk, countdown)))
    _, run = run_of(make_rule, [{"type": "delay", "params": {"seconds": 30}}])
    executor.execute_step(run.steps.get(index=0).pk)
    step = reload(run).steps.get()
    assert step.status == "pending" and "wake_at" in step.result
    assert calls and 29 < calls[-1][1] <= 30


def test_it_emits_run_completed_for_other_rules(alice, make_rule, eager):
    watcher = make_rule(
        name="watcher",
        trigger={"type": "event", "event": "run.completed"},
        conditions={"==": [{"var": "object.trigger_type"}, "manual"]},
    )
    _, run = run_of(make_rule, [{"type": "log", "params": {"message": "x"}}])
    child = AutomationRun.objects.get(rule=watcher)
    assert child.parent_run_id == run.pk and child.causation["depth"] == 1


def test_it_stops_a_superseded_execution_which_then_records_nothing(make_rule, eager):
    """Another execution took the step over (recovery thought this one dead): this one stops and records
    nothing; the items it finished stay charged once."""
    _, run = run_of(make_rule, [{"type": "test_charge", "params": {"items": 5, "supersede_after": 2}}])
    run = reload(run)
    step = run.steps.get()
    assert step.status == "running" and step.lease_token == "another-execution"
    assert (step.input_count, step.output_count, step.result) == (0, 0, {})
    assert CreditTransaction.objects.filter(run_id=run.run_id, kind="debit").count() == 2
    assert run.status == "running"


def test_it_executes_a_step_in_five_statements(make_rule, django_capture_on_commit_callbacks):
    """The hot path (make bench: engine_overhead): read the step, its run and the next step; take the lease;
    record the outcome; write the log lines; move the run on. Transaction control is not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rule = make_rule(actions=[{"type": "log", "params": {"message": "a"}}, {"type": "log", "params": {"message": "b"}}])
    with django_capture_on_commit_callbacks(execute=False):
        run = rule_execute(rule=rule).run
    first = run.steps.get(index=0)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False):
        executor.execute_step(first.pk)
    statements = [q["sql"] for q in queries if not q["sql"].upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
    assert len(statements) == 5, statements
    assert reload(run).current_step == 1 and RunStep.objects.get(pk=first.pk).status == "completed"
