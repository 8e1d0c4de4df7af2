"""The engine on real Celery workers (separate processes) sharing the test database and Redis."""

from __future__ import annotations

import time

import pytest

from rules.models import AutomationRun, RunLog
from tests.support.celery_worker import WorkerProcess, purge_queues
from tests.support.http_sink import HttpSink
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    purge_queues()
    process = WorkerProcess(name="w1").start()
    yield process
    process.stop()


def test_it_fires_the_big_keywords_rule_through_the_api_within_seconds(alice, api, allow_loopback_outbound, worker):
    with HttpSink() as sink:
        rule = api.post(
            "/api/v1/automation/rules/",
            {
                "name": "Big keywords",
                "site": alice.site.pk,
                "is_active": True,
                "mode": "queued",
                "trigger": {"type": "event", "event": "keyword.created"},
                "conditions": {">": [{"var": "object.volume"}, 1000]},
                "actions": [
                    {"type": "log", "params": {"message": "big keyword"}},
                    {"type": "webhook", "params": {"url": sink.url}, "on_error": "continue"},
                ],
            },
            format="json",
        ).json()
        started = time.monotonic()
        api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "cold brew", "volume": 2000}, format="json")
        api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "tiny", "volume": 10}, format="json")
        runs = wait_for(
            lambda: api.get(f"/api/v1/automation/executions/?rule={rule['id']}&status=completed").json()["results"]
        )
        elapsed = time.monotonic() - started
        detail = api.get(f"/api/v1/automation/executions/{runs[0]['run_id']}/").json()
        assert [s["status"] for s in detail["steps"]] == ["completed", "completed"]
        assert len(runs) == 1 and elapsed < 10
        assert sink.received and sink.received[0]["json"]["payload"]["object"]["volume"] == 2000


def test_it_finishes_a_run_after_its_worker_is_killed_without_repeating_steps(alice, make_rule, worker):
    from rules.lifecycle import rule_execute

    rule = make_rule(
        actions=[
            {"type": "log", "params": {"message": "step one"}},
            {"type": "test_sleep", "params": {"seconds": 4}},
            {"type": "log", "params": {"message": "step three"}},
        ]
    )
    run = rule_execute(rule=rule).run
    wait_for(lambda: RunLog.objects.filter(run=run, message="sleeping").exists())
    worker.kill()
    assert AutomationRun.objects.get(pk=run.pk).status == "running"
    replacement = WorkerProcess(name="w2").start()
    try:
        from rules.tasks import recover

        # What celery beat does every 30 s: once the dead worker's lease expires, enqueue its step again.
        wait_for(
            lambda: recover.delay() and AutomationRun.objects.get(pk=run.pk).steps.get(index=1).attempts == 2,
            timeout=30,
            interval=1.0,
        )
        wait_for(lambda: AutomationRun.objects.get(pk=run.pk).status == "completed", timeout=30)
    finally:
        replacement.stop()
    steps = list(AutomationRun.objects.get(pk=run.pk).steps.all())
    assert [s.attempts for s in steps] == [1, 2, 1]
    assert RunLog.objects.filter(run=run, message="step one").count() == 1
    assert RunLog.objects.filter(run=run, message="step three").count() == 1


def test_it_fails_a_step_that_outlives_its_timeout(alice, make_rule):
    """Time limits are Celery's, enforced by the prefork pool (the default of `make run` and compose)."""
    from rules.lifecycle import rule_execute

    purge_queues()
    worker = WorkerProcess(name="prefork", pool="prefork", concurrency=1).start()
    try:
        rule = make_rule(
            actions=[
                {"type": "test_sleep", "params": {"seconds": 20}, "timeout": 1},
                {"type": "log", "params": {"message": "never"}},
            ]
        )
        run = rule_execute(rule=rule).run
        wait_for(lambda: AutomationRun.objects.get(pk=run.pk).status == "failed", timeout=30)
    finally:
        worker.stop()
    step = AutomationRun.objects.get(pk=run.pk).steps.get(index=0)
    assert step.status == "failed" and step.error == "step timed out after 1 s"
    assert not RunLog.objects.filter(run=run, message="slept").exists()
