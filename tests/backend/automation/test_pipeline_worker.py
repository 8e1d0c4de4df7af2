"""The pipeline on real Celery workers: one run per site under a burst; pause and resume lose and repeat nothing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from actions.ai.models import AICall
from backend.automation.services import config_update
from backend.billing.models import CreditTransaction
from backend.planner.models import Keyword
from backend.writer.models import Content, Task
from rules.models import AutomationRun
from tests.support.celery_worker import WorkerProcess, purge_queues
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TOPICS = {
    "coffee": [
        "cold brew coffee recipe",
        "best coffee grinder",
        "french press coffee ratio",
        "pour over coffee guide",
        "coffee beans for espresso",
    ],
    "running": [
        "running shoes for flat feet",
        "couch to 5k plan",
        "marathon training schedule",
        "trail running shoes",
        "how to start running",
    ],
}


@pytest.fixture
def site(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for texts in TOPICS.values():
        for text in texts:
            Keyword.objects.create(site=alice.site, text=text, volume=500)
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)
    return alice.site


def test_it_starts_exactly_one_run_for_twenty_simultaneous_run_now(alice, site):
    barrier, answers = threading.Barrier(20), []

    def press():
        client = alice.client()
        barrier.wait()
        try:
            answers.append(client.post(f"/api/v1/automation/run_now/?site_id={site.pk}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in answers)
    assert codes == [202] + [409] * 19
    assert AutomationRun.objects.filter(site=site, rule__preset_key="seven_stage").count() == 1
    started = next(r for r in answers if r.status_code == 202).json()["run_id"]
    assert {r.json()["run_id"] for r in answers if r.status_code == 409} == {started}
    purge_queues()


def test_it_pauses_and_resumes_without_processing_an_item_twice(alice, api, site):
    purge_queues()
    worker = WorkerProcess(name="pipeline", env={"AI_LOCAL_LATENCY": "0.15"}).start()
    try:
        run_id = api.post(f"/api/v1/automation/run_now/?site_id={site.pk}").json()["run_id"]
        run = AutomationRun.objects.get(run_id=run_id)
        wait_for(lambda: Content.objects.filter(site=site).count() >= 2)  # stage 4 is writing
        assert api.post(f"/api/v1/automation/pause/?run_id={run_id}").json()["status"] == "paused"
        wait_for(lambda: not run.steps.filter(status="running").exists(), timeout=30)
        written = Content.objects.filter(site=site).count()
        time.sleep(1.0)
        assert Content.objects.filter(site=site).count() == written  # nothing moves while paused
        assert written < Task.objects.filter(site=site).count()
        assert api.post(f"/api/v1/automation/resume/?run_id={run_id}").json()["status"] == "running"
        wait_for(lambda: AutomationRun.objects.get(pk=run.pk).status == "completed", timeout=120)
    finally:
        worker.stop()
    tasks = Task.objects.filter(site=site)
    assert Content.objects.filter(site=site).count() == tasks.count() > written
    assert all(Content.objects.filter(task=t).count() == 1 for t in tasks)
    calls = AICall.objects.filter(run_id=run_id, function="generate_content", ok=True).count()
    debits = CreditTransaction.objects.filter(run_id=run_id, operation="generate_content", kind="debit").count()
    assert calls == debits == tasks.count()  # each article written and charged once
    assert set(Content.objects.filter(site=site).values_list("status", flat=True)) == {"review"}
