"""Real Celery worker processes for integration tests, sharing the test database and the test Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
TEST_ACTIONS = "tests.support.test_actions"


def database_url() -> str:
    """A DATABASE_URL for the database the tests are using right now (the test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class WorkerProcess:
    """`celery -A backend worker` in a subprocess; start, stop gracefully, or kill -9."""

    def __init__(
        self, *, name: str = "test", concurrency: int = 2, env: dict | None = None, pool: str = "threads"
    ) -> None:
        self.name, self.concurrency, self.pool = name, concurrency, pool
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "AUTOMATION_EXTRA_ACTION_MODULES": TEST_ACTIONS,
            "AUTOMATION_LEASE_SECONDS": "3",
            "PYTHONUNBUFFERED": "1",
            # what this test allows (see the allow_loopback_outbound fixture), not what the shell had
            "OUTBOUND_ALLOWED_NETWORKS": settings.OUTBOUND_ALLOWED_NETWORKS,
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"worker-{name}-{os.getpid()}.log"

    def start(self, timeout: float = 30) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "-P",
                self.pool,
                "-c",
                str(self.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={self.name}@%h",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while "ready." not in self.log_path.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the whole worker (no warm shutdown, no acks)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def purge_queues() -> None:
    """Empty the queues and the dispatcher's inbox (events posted by earlier tests)."""
    from backend.celery import app
    from rules.inbox import clear

    with app.connection_for_write() as conn:
        for queue in ("default", "ai", "local", "publish"):
            conn.default_channel.queue_purge(queue)
    clear()
