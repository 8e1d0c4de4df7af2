"""Real Celery workers for the benchmarks that run steps: `python -m bench.worker` in a subprocess.

The worker is the production one (`celery -A backend worker -P threads -c N`, prefetch 1, late acks,
the project's settings and tasks), started through this module so that it also:

- uses the bench's broker key prefix (`BENCH_BROKER_PREFIX`), so it consumes the bench's queues only,
  and books the provider rate limit under a bench-private Redis key;
- counts every SQL statement run in the worker process (all threads: a wrapper is installed on every
  new database connection), by kind and by step (the `rules.execute_step` task's step id), and records the
  process's peak RSS (`ru_maxrss`); all of it is written as JSON to `BENCH_WORKER_STATS` after each
  task, so the bench reads the worker's figures without touching its internals;
- registers one extra task, `bench.ping`: the bare Celery round trip (it pushes the time it ran to a
  Redis list the bench waits on).

`BenchWorker` starts one (DATABASE_URL and REDIS_URL are the bench's own, from bench.env), waits until
it is ready and stops it with SIGTERM (warm shutdown), killing it if it does not stop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUEUES = ("default", "ai", "local", "publish")
PING_TASK = "bench.ping"
HOP_TASK = "bench.hop"


class BenchWorker:
    """One worker subprocess; use as a context manager."""

    def __init__(self, *, name: str, concurrency: int = 1, env: dict[str, str] | None = None) -> None:
        from bench.env import BROKER_PREFIX

        self.name, self.concurrency = name, concurrency
        self.folder = Path(tempfile.mkdtemp(prefix=f"igny8-bench-worker-{name}-"))
        self.stats_path = self.folder / "stats.json"
        self.log_path = self.folder / "worker.log"
        self.env = {
            **os.environ,
            "BENCH_BROKER_PREFIX": BROKER_PREFIX,
            "BENCH_WORKER_STATS": str(self.stats_path),
            "MEDIA_ROOT": str(self.folder / "media"),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> BenchWorker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> BenchWorker:
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.worker", "--concurrency", str(self.concurrency), "--name", self.name],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.stats().get("ready"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"bench worker {self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.05)
        return self

    def stats(self) -> dict[str, Any]:
        """The worker's figures so far (cumulative since it started)."""
        try:
            return json.loads(self.stats_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def idle_stats(self, timeout: float = 30) -> dict[str, Any]:
        """The figures once no task is running (the last step's task returns just after its run ends)."""
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if stats.get("active", 1) == 0 or time.monotonic() > deadline:
                return stats
            time.sleep(0.02)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def stats_delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """What the worker did between two stats snapshots: queries (total, by kind, by step id), tasks."""
    kinds = Counter(after.get("kinds", {}))
    kinds.subtract(before.get("kinds", {}))
    steps = Counter({int(k): v for k, v in after.get("queries_by_step", {}).items()})
    steps.subtract({int(k): v for k, v in before.get("queries_by_step", {}).items()})
    return {
        "queries": after.get("queries", 0) - before.get("queries", 0),
        "tasks": after.get("tasks", 0) - before.get("tasks", 0),
        "kinds": {k: v for k, v in kinds.items() if v},
        "queries_by_step": {k: v for k, v in steps.items() if v},
        "maxrss_kb": after.get("maxrss_kb", 0),
        "ready_rss_kb": after.get("ready_rss_kb", 0),
    }


# --- inside the worker process ---------------------------------------------------------------


class _Stats:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()
        self.queries = 0
        self.kinds: Counter[str] = Counter()
        self.by_step: Counter[int] = Counter()
        self.tasks = self.active = 0
        self.ready = False
        self.ready_rss_kb = 0
        self.started: dict[str, tuple[int, int | None]] = {}  # task id -> (queries at start, step id)

    def __call__(self, execute, sql, params, many, context):
        from bench.env import _query_kind, is_statement

        if is_statement(sql):
            with self.lock:
                self.queries += 1
                self.kinds[_query_kind(sql)] += 1
        return execute(sql, params, many, context)

    def write(self) -> None:
        import resource

        with self.lock:
            data = {
                "ready": self.ready,
                "queries": self.queries,
                "kinds": dict(self.kinds),
                "queries_by_step": {str(k): v for k, v in self.by_step.items()},
                "tasks": self.tasks,
                "active": self.active,
                "ready_rss_kb": self.ready_rss_kb,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.path)


def _worker_main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--name", default="bench")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()
    import resource

    from celery import shared_task
    from celery.signals import task_postrun, task_prerun, worker_ready
    from django.conf import settings
    from django.db.backends.signals import connection_created

    from actions.ai import client as ai
    from backend.celery import app
    from backend.core.redis import get_redis

    prefix = os.environ["BENCH_BROKER_PREFIX"]
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": prefix}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    app.conf.broker_transport_options = options
    booked = ai.wait_for_slot
    ai.wait_for_slot = lambda name, rpm: booked(f"{prefix}{name}", rpm)  # the bench's own rate-limit key

    stats = _Stats(os.environ["BENCH_WORKER_STATS"])

    def count_queries(sender, connection, **kwargs) -> None:
        if stats not in connection.execute_wrappers:
            connection.execute_wrappers.append(stats)

    connection_created.connect(count_queries, weak=False, dispatch_uid="bench-count-queries")

    def ready(**kwargs) -> None:
        stats.ready, stats.ready_rss_kb = True, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stats.write()

    def prerun(task_id=None, task=None, args=None, **kwargs) -> None:
        index = args[0] if task is not None and task.name == "rules.execute_step" and args else None
        with stats.lock:
            stats.active += 1
            stats.started[task_id] = (stats.queries, index)
        stats.write()  # `active` is on disk before the task can finish a run

    def postrun(task_id=None, **kwargs) -> None:
        with stats.lock:
            stats.active -= 1
            stats.tasks += 1
            start, index = stats.started.pop(task_id, (stats.queries, None))
            if index is not None:
                stats.by_step[index] += stats.queries - start
        stats.write()

    worker_ready.connect(ready, weak=False)
    task_prerun.connect(prerun, weak=False)
    task_postrun.connect(postrun, weak=False)

    @shared_task(name=PING_TASK, ignore_result=True)
    def ping(reply_key: str) -> None:
        get_redis().rpush(reply_key, repr(time.time()))

    @shared_task(name=HOP_TASK, ignore_result=True)
    def hop(reply_key: str, left: int) -> None:
        """A chain of bare tasks, each sending the next from inside the worker (as a step sends the next step)."""
        get_redis().rpush(reply_key, repr(time.time()))
        if left:
            app.send_task(HOP_TASK, args=[reply_key, left - 1], queue="default")

    app.worker_main(
        [
            "worker",
            "-P",
            "threads",
            "-c",
            str(args.concurrency),
            "-Q",
            ",".join(QUEUES),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={args.name}@%h",
            f"--loglevel={os.environ.get('LOG_LEVEL', 'WARNING')}",
        ]
    )


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
