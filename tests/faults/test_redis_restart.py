"""Redis restarted (empty) while a step message waits in it: recovery finishes the run, nothing stays stuck."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from rules.models import AutomationRun, RunLog
from scripts.services import free_port, start_redis_server
from tests.support.celery_worker import ROOT, WorkerProcess
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
LEASE = 3


def test_it_recovers_runs_whose_queued_step_was_lost_with_redis(alice, make_rule, tmp_path):
    port = free_port()
    redis = start_redis_server(port, tmp_path)
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "AUTOMATION_LEASE_SECONDS": str(LEASE),
        "AUTOMATION_RECOVERY_SECONDS": "1",
    }
    busy = make_rule(name="busy", actions=[{"type": "test_sleep", "params": {"seconds": 4}}])
    waiting = make_rule(name="waiting", actions=[{"type": "log", "params": {"message": "made it"}}])
    worker = WorkerProcess(name="one-slot", concurrency=1, env=env).start()
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backend", "beat", f"--schedule={tmp_path / 'beat'}"],
        cwd=ROOT,
        env=worker.env,
        stdout=(tmp_path / "beat.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        script = (
            "from rules.models import AutomationRule as R; from rules.lifecycle import rule_execute as x; "
            f"x(rule=R.objects.get(pk={busy.pk})); x(rule=R.objects.get(pk={waiting.pk}))"
        )
        subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=worker.env, check=True)
        wait_for(lambda: RunLog.objects.filter(run__rule=busy, message="sleeping").exists(), timeout=20)
        assert AutomationRun.objects.get(rule=waiting).steps.get().status == "pending"  # its message waits in Redis
        redis.kill()
        redis.wait()
        redis = start_redis_server(port, tmp_path)  # back, but empty: the waiting step's message is gone
        restarted = time.monotonic()
        wait_for(lambda: not AutomationRun.objects.filter(status__in=AutomationRun.ACTIVE).exists(), timeout=60)
        recovered_in = time.monotonic() - restarted
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=10)
        worker.stop()
        redis.terminate()
    late = AutomationRun.objects.get(rule=waiting)
    assert late.status == "completed" and late.steps.get().attempts == 1
    assert RunLog.objects.filter(run=late, message__startswith="worker lost").exists()
    assert AutomationRun.objects.get(rule=busy).status == "completed"
    # nothing stays "running" much longer than the lease: the busy step's 4 s, the lease, a recovery tick
    assert recovered_in < 4 + LEASE + 10
