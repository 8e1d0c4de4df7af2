#!/usr/bin/env python3
"""The whole test suite as two pytest processes side by side, each with throwaway services of its own.

    python scripts/test_suite.py [pytest options...]     # what `make test` runs

The browser and fault tests (`tests/e2e`, `tests/faults`: real web servers, workers and Chromium, mostly
waiting on them) and the security tests run in one process, everything else in the other, at the same time:
on a 2-core machine about 13 and 11 minutes, where one process took 21-23. Each runs under
`scripts/services.py` (its own PostgreSQL and Redis) with a VAR_DIR and MEDIA_ROOT of its own, so the two
share nothing but the machine. Their output is printed line by line as it comes, each line
prefixed with its shard's name; the exit status is the first failing shard's (0 when both pass).

Given test paths (`make test PYTEST_ARGS=tests/rules`), it runs them in one process instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "services.py"
# The shard that waits on real processes (and the security tests, for balance); the other one leaves them to it.
SERVICE_SHARD = ("tests/e2e", "tests/faults", "tests/security")


def shards(args: list[str]) -> dict[str, list[str]]:
    """Shard name -> pytest arguments."""
    if any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in args):
        return {"tests": args}  # paths given: just those, in one process
    return {
        "browser+faults+security": [*SERVICE_SHARD, *args],
        "rest": ["tests", *(f"--ignore={path}" for path in SERVICE_SHARD), *args],
    }


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="igny8-suite-") as scratch:
        processes = {name: _start(name, given, Path(scratch) / name) for name, given in shards(args).items()}
        width = max(map(len, processes))
        printing = threading.Lock()
        readers = [
            threading.Thread(target=_relay, args=(f"[{name:<{width}}] ", process, printing))
            for name, process in processes.items()
        ]
        for reader in readers:
            reader.start()
        try:
            codes = {name: process.wait() for name, process in processes.items()}
        except KeyboardInterrupt:
            for process in processes.values():
                os.killpg(process.pid, signal.SIGINT)
            codes = {name: process.wait() for name, process in processes.items()}
        for reader in readers:
            reader.join()
    for name, code in codes.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}", flush=True)
    return next((code for code in codes.values() if code), 0)


def _start(name: str, pytest_args: list[str], scratch: Path) -> subprocess.Popen[bytes]:
    scratch.mkdir(parents=True)
    env = dict(os.environ, VAR_DIR=str(scratch / "var"), MEDIA_ROOT=str(scratch / "media"), PYTHONUNBUFFERED="1")
    command = [sys.executable, str(SERVICES), "run", "--", sys.executable, "-m", "pytest", *pytest_args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


def _relay(prefix: str, process: subprocess.Popen[bytes], printing: threading.Lock) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        with printing:
            print(prefix + line, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
