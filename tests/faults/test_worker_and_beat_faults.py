"""Faults with real processes: a worker killed mid-stage, two schedulers at once, 50 run_now at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from actions.ai.models import AICall
from backend.automation.services import config_update
from backend.billing.models import CreditTransaction
from backend.planner.models import Keyword
from backend.writer.models import Content, Task
from rules.models import AutomationRule, AutomationRun
from tests.support.celery_worker import ROOT, WorkerProcess, purge_queues
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

KEYWORDS = [
    "cold brew coffee recipe",
    "best coffee grinder",
    "french press coffee ratio",
    "pour over coffee guide",
    "running shoes for flat feet",
    "couch to 5k plan",
    "marathon training schedule",
    "trail running shoes",
]


@pytest.fixture
def site(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for text in KEYWORDS:
        Keyword.objects.create(site=alice.site, text=text, volume=500)
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)
    purge_queues()
    return alice.site


def test_it_finishes_stage_4_after_a_worker_is_killed_charging_each_item_once(alice, api, site):
    from rules.tasks import recover

    worker = WorkerProcess(name="doomed", env={"AI_LOCAL_LATENCY": "0.3"}).start()
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={site.pk}").json()["run_id"]
    wait_for(lambda: Content.objects.filter(site=site).count() >= 2)
    worker.kill()  # SIGKILL in the middle of stage 4
    run = AutomationRun.objects.get(run_id=run_id)
    assert run.status == "running" and run.steps.get(index=3).status == "running"
    replacement = WorkerProcess(name="replacement").start()
    try:
        # What celery beat does every AUTOMATION_RECOVERY_SECONDS: find the stale run, enqueue its step again.
        wait_for(
            lambda: recover.delay() and AutomationRun.objects.get(pk=run.pk).steps.get(index=3).attempts >= 2,
            timeout=30,
            interval=1.0,
        )
        wait_for(lambda: AutomationRun.objects.get(pk=run.pk).status == "completed", timeout=120)
    finally:
        replacement.stop()
    tasks = Task.objects.filter(site=site)
    assert set(tasks.values_list("status", flat=True)) == {"completed"}  # no lost task
    assert all(Content.objects.filter(task=t).count() == 1 for t in tasks)  # no duplicate content
    debits = CreditTransaction.objects.filter(run_id=run_id, operation="generate_content", kind="debit")
    assert debits.count() == tasks.count()  # charged exactly once per item
    assert len(set(debits.values_list("object_id", flat=True))) == tasks.count()
    assert AICall.objects.filter(run_id=run_id, function="generate_content", ok=True).count() >= tasks.count()


def _beat(name: str, tmp: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend",
            "beat",
            "--loglevel=INFO",
            f"--schedule={tmp / f'beat-{name}'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp / f"beat-{name}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_it_fires_each_due_schedule_once_with_two_beat_processes(alice, make_rule, tmp_path):
    rules = [
        make_rule(
            name=f"yearly {i}", mode="parallel", trigger={"type": "schedule", "cron": "0 0 1 1 *", "timezone": "UTC"}
        )
        for i in range(3)
    ]
    # Due since the last New Year (the cron's previous fire time); the next one is a year away.
    new_year = timezone.now().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    AutomationRule.objects.filter(pk__in=[r.pk for r in rules]).update(next_run_at=new_year)
    purge_queues()
    worker = WorkerProcess(name="beat-worker", concurrency=4).start()
    beats = [_beat(n, tmp_path, {**worker.env, "AUTOMATION_SCHEDULE_TICK_SECONDS": "0.5"}) for n in ("a", "b")]
    try:
        wait_for(lambda: AutomationRun.objects.filter(rule__in=rules).count() >= 3, timeout=30)
        time.sleep(3)  # both schedulers keep ticking; nothing more may fire
    finally:
        for beat in beats:
            os.killpg(beat.pid, signal.SIGTERM)
            beat.wait(timeout=10)
        worker.stop()
    assert sorted(AutomationRun.objects.filter(rule__in=rules).values_list("rule_id", flat=True)) == sorted(
        r.pk for r in rules
    )
    ticks = sum((tmp_path / f"beat-{n}.log").read_text().count("rules.schedule_tick") for n in ("a", "b"))
    assert ticks >= 4  # both beats really ticked, several times


def test_it_starts_one_run_for_fifty_simultaneous_run_now(alice, site):
    barrier, codes = threading.Barrier(50), []

    def press():
        client = alice.client()
        barrier.wait()
        try:
            codes.append(client.post(f"/api/v1/automation/run_now/?site_id={site.pk}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [202] + [409] * 49
    assert AutomationRun.objects.filter(site=site, rule__preset_key="seven_stage").count() == 1
    purge_queues()
