"""Work that could hold or kill workers, on real worker processes: waits, long steps, messages that kill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.planner.models import ContentIdea, Keyword
from backend.writer.models import Task
from rules.lifecycle import rule_execute
from rules.models import AutomationRun, DeadLetter, RunLog
from tests.support.celery_worker import WorkerProcess, purge_queues
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
LOG = [{"type": "log", "params": {"message": "hello"}}]


def reload(run: AutomationRun) -> AutomationRun:
    return AutomationRun.objects.get(pk=run.pk)


@pytest.fixture
def one_thread():
    """A worker with a single thread: anything that held it would stall every tenant."""
    purge_queues()
    worker = WorkerProcess(name="one", concurrency=1).start()
    yield worker
    worker.stop()


@pytest.fixture
def prefork():
    purge_queues()
    worker = WorkerProcess(name="prefork", pool="prefork", concurrency=1).start()
    yield worker
    worker.stop()


def test_it_waits_between_batches_without_holding_the_worker_and_cancels_at_once(
    alice, charlie, api, make_rule, one_thread
):
    ContentIdea.objects.bulk_create(
        [ContentIdea(site=alice.site, account=alice.account, title=f"idea {i}") for i in range(3)]
    )
    rule = make_rule(
        site=alice.site,
        actions=[{"type": "queue_to_writer", "params": {"drain": True, "batch_size": 1, "delay_seconds": 600}}],
    )
    run = rule_execute(rule=rule).run
    step = wait_for(lambda: reload(run).steps.filter(status="pending", wake_at__isnull=False).first(), timeout=20)
    assert Task.objects.filter(site=alice.site).count() == 1  # one batch, then the 600 s wait
    assert step.wake_at > timezone.now() + timedelta(seconds=500) and step.input_count == 1
    # The only worker thread is free meanwhile: another tenant's run goes through at once.
    other = rule_execute(rule=make_rule(account_id=charlie.account.pk, actions=LOG)).run
    wait_for(lambda: reload(other).status == "completed", timeout=15)
    # Cancel takes effect at once, and the wait ends with it.
    answer = api.post(f"/api/v1/automation/executions/{run.run_id}/cancel/")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert reload(run).steps.get().status == "cancelled"
    assert Task.objects.filter(site=alice.site).count() == 1


def test_it_keeps_a_long_step_alive_with_heartbeats_on_every_database(alice, make_rule, one_thread, settings):
    """Leases of 3 s (the worker's and ours) and a 7 s step: recovery must not take it for a dead one."""
    from rules.lifecycle import recover_stale_runs

    settings.AUTOMATION_LEASE_SECONDS = 3
    run = rule_execute(rule=make_rule(actions=[{"type": "test_sleep", "params": {"seconds": 7}}])).run
    wait_for(lambda: RunLog.objects.filter(run=run, message="sleeping").exists(), timeout=15)
    recovered = []
    while reload(run).status == "running":
        recovered += recover_stale_runs()
        wait_for(lambda: True, timeout=0.5)
    assert reload(run).status == "completed" and not recovered
    assert reload(run).steps.get().attempts == 1
    assert RunLog.objects.filter(run=run, message="sleeping").count() == 1


def test_it_fails_a_step_whose_worker_dies_every_time_instead_of_redelivering_it_forever(
    alice, make_rule, prefork, settings
):
    from rules.tasks import recover

    settings.AUTOMATION_MAX_DELIVERIES = 3
    run = rule_execute(rule=make_rule(actions=[{"type": "test_crash"}, *LOG])).run
    # What beat does every 30 s: each time the dead execution's lease lapses, the step is sent again.
    wait_for(lambda: recover.delay() and reload(run).status == "failed", timeout=90, interval=1.0)
    step = reload(run).steps.get(index=0)
    assert step.status == "failed" and step.lost_executions == 3 and step.attempts == 3
    assert "lost 3 times" in reload(run).error_message and "AUTOMATION_MAX_DELIVERIES" in reload(run).error_message
    lost = RunLog.objects.filter(run=run, message__contains="its last execution was lost")
    lost = lost.values_list("message", flat=True)
    assert [line.rsplit(", ", 1)[1] for line in lost] == ["1 of at most 3", "2 of at most 3", "3 of at most 3"]
    # A killed worker's last second of step log lines is in its process log only (the run log is buffered).
    letter = DeadLetter.objects.get(run=run)
    assert letter.task == "rules.execute_step" and letter.account_id == alice.account.pk


def test_it_dead_letters_a_dispatch_message_whose_worker_dies_every_time(alice, charlie, make_rule, prefork):
    """A keyword event whose rule kills the worker (as an out-of-memory condition did): set aside after 3."""
    make_rule(trigger={"type": "event", "event": "keyword.created"}, preset_key="test_crash", actions=LOG)
    Keyword.objects.create(site=alice.site, text="poison")
    letter = wait_for(lambda: DeadLetter.objects.filter(task="rules.dispatch").first(), timeout=90)
    assert letter.deliveries == 3 and letter.account_id == alice.account.pk and "died 3 times" in letter.reason
    assert letter.args[0][0]["name"] == "keyword.created"
    assert not AutomationRun.objects.filter(account=alice.account).exists()
    # The worker goes on serving everybody else.
    make_rule(account_id=charlie.account.pk, trigger={"type": "event", "event": "keyword.created"}, actions=LOG)
    Keyword.objects.create(site=charlie.site, text="fine")
    wait_for(lambda: AutomationRun.objects.filter(account=charlie.account, status="completed").exists(), timeout=30)
