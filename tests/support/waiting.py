"""Polling for tests that watch other processes (workers, beat) change the database."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):
    """Call `predicate` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
