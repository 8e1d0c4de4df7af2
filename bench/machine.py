"""What the figures were measured on: CPU, cores, RAM, Python, database, Redis, library versions."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("Django", "celery", "datalogic-py", "json-logic-qubit", "psycopg")


def machine_info(*, database: bool) -> dict[str, str]:
    """Ordered facts about this machine (database and Redis only when the bench set them up)."""
    info = {
        "CPU": _cpu_model(),
        "cores": f"{os.cpu_count()} logical ({len(os.sched_getaffinity(0))} usable)",
        "RAM": _ram(),
        "OS": platform.platform(terse=True),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
        "commit": _commit(),
    }
    if database:
        info["database"] = _database()
        info["redis"] = _redis()
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        # docs/PERFORMANCE.md itself is left out: `make bench`'s first pass writes it before the second starts.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/PERFORMANCE.md"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" plus uncommitted changes in the working tree" if dirty.stdout.strip() else "")


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('server_version'), current_setting('fsync'), "
                "current_setting('synchronous_commit')"
            )
            version, fsync, sync_commit = cursor.fetchone()
        return f"PostgreSQL {version} on loopback TCP (fsync={fsync}, synchronous_commit={sync_commit})"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (temporary file, WAL)"
    return connection.vendor


def _redis() -> str:
    from django.conf import settings

    from backend.core.redis import get_redis

    where = "unix socket" if settings.REDIS_URL.startswith("unix://") else "loopback TCP"
    return f"Redis {get_redis().info('server').get('redis_version', '?')} on {where}"
