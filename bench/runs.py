"""Helpers of the benchmarks that run the pipeline: a site ready to run, waiting for a run to end."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

CREDITS = Decimal("10000000")  # enough for any run here; credits are not what is measured


def pipeline_site(label: str, **config: Any):
    """A new account and site (the preset rule comes with it) with credits, its pipeline configuration updated
    through the real service (`config_update`, which writes the preset rule); returns (site, config)."""
    from backend.automation.services import config_update
    from backend.billing.services import credits_add
    from bench.env import account_make

    account, site = account_make(label)
    credits_add(account_id=account.id, amount=CREDITS, operation="initial_grant")
    return site, config_update(site=site, **config).config


def only_stages(*numbers: int) -> dict[str, bool]:
    """Config switches enabling exactly these stages (the others are recorded as skipped)."""
    return {f"stage_{n}_enabled": n in numbers for n in range(1, 8)}


def wait_finished(run, *, timeout: float, poll: float = 0.1):
    """Poll until the run is completed, failed or cancelled; returns it refreshed (raises on timeout)."""
    from rules.models import AutomationRun

    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status in AutomationRun.FINISHED:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run.run_id} still {run.status} after {timeout:.0f} s")
        time.sleep(poll)


def seconds(start, end) -> float:
    return (end - start).total_seconds() if start and end else 0.0
