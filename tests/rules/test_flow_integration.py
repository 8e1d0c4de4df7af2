"""Control flow on real Celery workers (separate processes): loops, parallel branches, waits, approvals and
called rules, each durable like every other step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.accounts.models import Account
from backend.billing.models import CreditTransaction
from rules.lifecycle import rule_execute
from rules.models import AutomationRun, RunStep
from tests.support.celery_worker import WorkerProcess, purge_queues
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    purge_queues()
    process = WorkerProcess(name="flow").start()
    yield process
    process.stop()


def finished(run: AutomationRun, timeout: float = 60) -> AutomationRun:
    wait_for(lambda: AutomationRun.objects.get(pk=run.pk).status in AutomationRun.FINISHED, timeout=timeout)
    return AutomationRun.objects.get(pk=run.pk)


def steps_of(run: AutomationRun) -> dict[str, RunStep]:
    return {step.key: step for step in RunStep.objects.filter(run=run)}


def test_a_for_each_of_100_items_with_concurrency_4_charges_each_item_once(alice, make_rule, worker):
    before = Account.objects.get(pk=alice.account.pk).credits_available
    rule = make_rule(
        actions=[
            {"id": "loop", "type": "for_each", "items": {"var": "payload.ids"}, "concurrency": 4,
             "do": [{"id": "charge", "type": "test_charge",
                     "params": {"items": 1, "cost": 1, "first_object": "{item}"}}]},
            {"id": "done", "type": "log", "params": {"message": "loop done: {steps.loop.output}"}},
        ]
    )  # fmt: skip
    # 100 items, one of them twice: an item is charged once however often it comes
    run = finished(rule_execute(rule=rule, payload={"ids": [*range(99), 5]}).run, timeout=120)
    steps = steps_of(run)
    assert run.status == "completed", run.error_message
    assert steps["loop"].result["items_done"] == 100 and steps["loop"].status == "completed"
    charged = [steps[f"charge@{i}"] for i in range(100)]
    assert all(step.status == "completed" for step in charged)
    assert [step.credits_used for step in charged].count(1) == 99, "the repeated item was not charged again"
    assert CreditTransaction.objects.filter(run_id=run.run_id, operation="test_charge").count() == 99
    assert run.total_credits_used == 99
    assert Account.objects.get(pk=alice.account.pk).credits_available == before - Decimal(99)
    # Never more than four iterations at once: the loop's steps were sent four at a time.
    starts = sorted((step.started_at, step.finished_at) for step in charged)
    overlap = max(sum(1 for s, f in starts if s <= start < f) for start, _ in starts)
    assert overlap <= 4


def test_if_else_takes_one_branch_and_records_the_decision(alice, make_rule, worker):
    rule = make_rule(
        actions=[
            {"id": "short", "type": "if", "condition": {"<": [{"var": "payload.words"}, 800]},
             "then": [{"id": "optimize", "type": "log", "params": {"message": "optimize"}}],
             "else": [{"id": "publish", "type": "log", "params": {"message": "publish"}}]},
        ]
    )  # fmt: skip
    run = finished(rule_execute(rule=rule, payload={"words": 1200}).run)
    steps = steps_of(run)
    assert run.status == "completed"
    assert steps["short"].result["branch"] == "else" and "optimize" not in steps
    assert steps["publish"].status == "completed" and steps["publish"].path == "actions/0/else/0"
    false_clause = steps["short"].result["trace"][-1]
    assert false_clause["result"] is False


def test_a_parallel_join_all_with_one_failing_branch_fails_the_run_and_continue_ends_with_errors(
    alice, make_rule, worker
):
    branches = [
        [{"id": "good", "type": "log", "params": {"message": "fine"}}],
        [{"id": "bad", "type": "test_flaky", "params": {"permanent": True}}],
    ]
    failing = make_rule(actions=[{"id": "par", "type": "parallel", "branches": branches}])
    run = finished(rule_execute(rule=failing).run)
    steps = steps_of(run)
    assert run.status == "failed" and "a branch failed" in run.error_message
    # the failing branch fails the join at once: the other branch's step is cancelled if it had not finished
    assert steps["good"].status in ("completed", "cancelled") and steps["bad"].status == "failed"
    assert steps["par"].status == "failed"

    branches[1][0]["on_error"] = "continue"
    tolerant = make_rule(actions=[{"id": "par", "type": "parallel", "branches": branches}])
    run = finished(rule_execute(rule=tolerant).run)
    assert run.status == "completed_with_errors"


def test_an_approval_through_the_api_lets_the_run_go_on_with_the_decision(alice, api, make_rule, worker):
    rule = make_rule(
        actions=[
            {"id": "ok", "type": "wait", "for": "approval", "prompt": "Publish these?"},
            {"id": "decided", "type": "if", "condition": {"==": [{"var": "steps.ok.output.decision"}, "approved"]},
             "then": [{"id": "yes", "type": "log", "params": {"message": "approved: {steps.ok.output.note}"}}],
             "else": [{"id": "no", "type": "log", "params": {"message": "rejected"}}]},
        ]
    )  # fmt: skip
    run = rule_execute(rule=rule).run
    wait_for(lambda: RunStep.objects.filter(run=run, key="ok", status="waiting").exists())
    detail = api.get(f"/api/v1/automation/executions/{run.run_id}/").json()
    waiting = next(step for step in detail["steps"] if step["key"] == "ok")
    assert waiting["status"] == "waiting" and waiting["result"]["wait"]["prompt"] == "Publish these?"
    assert detail["program"][0]["id"] == "ok"

    url = f"/api/v1/automation/executions/{run.run_id}/approve/"
    assert api.post(url, {"step": "nope", "decision": "approved"}, format="json").status_code == 409
    assert api.post(url, {"step": "ok", "decision": "maybe"}, format="json").status_code == 400
    answered = api.post(url, {"step": "ok", "decision": "approved", "note": "go"}, format="json")
    assert answered.status_code == 200
    run = finished(run)
    steps = steps_of(run)
    assert run.status == "completed"
    assert steps["ok"].result["output"]["decision"] == "approved" and steps["yes"].status == "completed"
    assert api.post(url, {"step": "ok", "decision": "rejected"}, format="json").status_code == 409


def test_an_approval_of_another_accounts_run_is_404(alice, charlie, make_rule, worker):
    rule = make_rule(actions=[{"id": "ok", "type": "wait", "for": "approval", "prompt": "?", "timeout": 60}])
    run = rule_execute(rule=rule).run
    url = f"/api/v1/automation/executions/{run.run_id}/approve/"
    assert charlie.client().post(url, {"step": "ok", "decision": "approved"}, format="json").status_code == 404


def test_a_wait_outlives_a_worker_restart(alice, make_rule, worker):
    rule = make_rule(
        actions=[
            {"id": "before", "type": "log", "params": {"message": "before"}},
            {"id": "pause", "type": "wait", "for": "duration", "seconds": 3},
            {"id": "after", "type": "log", "params": {"message": "after"}},
        ]
    )
    run = rule_execute(rule=rule).run
    wait_for(lambda: RunStep.objects.filter(run=run, key="pause", status="waiting").exists())
    worker.kill()  # its timer message dies with it
    replacement = WorkerProcess(name="flow-2").start()
    try:
        from rules.tasks import recover

        wait_for(
            lambda: recover.delay() and AutomationRun.objects.get(pk=run.pk).status == "completed",
            timeout=60,
            interval=1.0,
        )
    finally:
        replacement.stop()
    steps = steps_of(run)
    assert steps["pause"].status == "completed" and steps["after"].status == "completed"
    assert (steps["after"].started_at - steps["pause"].started_at).total_seconds() >= 3


def test_a_wait_for_an_event_goes_on_when_the_event_comes(alice, api, make_rule, worker):
    rule = make_rule(
        actions=[
            {"id": "kw", "type": "wait", "for": "event", "event": "keyword.created", "timeout": 120,
             "condition": {">": [{"var": "object.volume"}, 100]}},
            {"id": "after", "type": "log", "params": {"message": "got {steps.kw.output.event.object.text}"}},
        ]
    )  # fmt: skip
    from rules.index import rule_index

    assert not rule_index.awaits(alice.account.id, "keyword.created")
    run = rule_execute(rule=rule).run
    wait_for(lambda: RunStep.objects.filter(run=run, key="kw", status="waiting").exists())
    rule_index.refresh()
    assert rule_index.awaits(alice.account.id, "keyword.created"), "the wait was announced to every process"
    api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "tiny", "volume": 5}, format="json")
    api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "oat milk", "volume": 900}, format="json")
    run = finished(run)
    steps = steps_of(run)
    assert run.status == "completed"
    assert steps["kw"].result["output"]["event"]["object"]["text"] == "oat milk"
    rule_index.refresh()
    assert not rule_index.awaits(alice.account.id, "keyword.created"), "nothing waits for it any more"


def test_call_rule_runs_another_rule_as_a_child_and_waits_for_its_outputs(alice, make_rule, worker):
    child = make_rule(name="shared", actions=[{"id": "hello", "type": "log", "params": {"message": "{payload.who}"}}])
    parent = make_rule(
        actions=[
            {"id": "call", "type": "call_rule", "rule": child.pk, "payload": {"who": "parent"}, "wait": True},
            {"id": "after", "type": "log", "params": {"message": "child was {steps.call.output.status}"}},
        ]
    )
    run = finished(rule_execute(rule=parent).run)
    steps = steps_of(run)
    assert run.status == "completed", run.error_message
    called = AutomationRun.objects.get(run_id=steps["call"].result["child_run_id"])
    assert called.parent_run_id == run.pk and called.status == "completed"
    assert steps["call"].result["output"]["status"] == "completed"
    assert steps["after"].params["message"] == "child was completed"

    failing = make_rule(name="broken", actions=[{"type": "test_flaky", "params": {"permanent": True}}])
    parent = make_rule(actions=[{"id": "call", "type": "call_rule", "rule": failing.pk}])
    run = finished(rule_execute(rule=parent).run)
    assert run.status == "failed" and "the called run" in run.error_message


def test_switch_picks_its_case_and_stop_ends_the_run_with_its_status(alice, make_rule, worker):
    rule = make_rule(
        actions=[
            {"id": "size", "type": "switch", "cases": [
                {"condition": {">": [{"var": "payload.volume"}, 5000]}, "do": [
                    {"id": "huge", "type": "stop", "status": "failed", "message": "too big to handle"}]},
                {"condition": {">": [{"var": "payload.volume"}, 1000]}, "do": [
                    {"id": "big", "type": "log", "params": {"message": "big"}}]},
            ], "default": [{"id": "small", "type": "log", "params": {"message": "small"}}]},
            {"id": "after", "type": "log", "params": {"message": "after"}},
        ]
    )  # fmt: skip
    big = finished(rule_execute(rule=rule, payload={"volume": 2000}).run)
    assert big.status == "completed" and steps_of(big)["size"].result["branch"] == "cases.1"
    assert set(steps_of(big)) == {"size", "big", "after"}
    huge = finished(rule_execute(rule=rule, payload={"volume": 9000}).run)
    assert huge.status == "failed" and huge.error_message == "too big to handle"
    assert "after" not in steps_of(huge)
