"""What a pipeline run reserves against what it then charges, on the demo keywords (local provider)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings

from backend.automation.services import config_update, run_now
from backend.planner.models import Keyword
from rules.models import AutomationRun


@pytest.fixture
def demo_rows():
    return json.loads((settings.BASE_DIR / "fixtures" / "demo_keywords.json").read_text())["keywords"]


def run_on(site, rows) -> AutomationRun:
    for row in rows:
        Keyword.objects.create(site=site, text=row["text"], volume=row["volume"])
    run = AutomationRun.objects.get(pk=run_now(site=site).run.pk)
    assert run.status == "completed", run.error_message
    return run


def miss(run: AutomationRun) -> Decimal:
    """How far the reservation was from the charge, as a share of the charge."""
    return abs(run.credits_reserved - run.total_credits_used) / run.total_credits_used


def test_it_estimates_the_first_run_within_a_quarter_and_later_runs_within_a_tenth(
    alice, demo_rows, eager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_PROVIDER = "local"
    alice.account.credits = Decimal("100000")
    alice.account.save()
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)
    quarter = len(demo_rows) // 4
    first = run_on(alice.site, demo_rows[:quarter])
    assert miss(first) <= Decimal("0.25"), (first.credits_reserved, first.total_credits_used)
    run_on(alice.site, demo_rows[quarter : 2 * quarter])
    run_on(alice.site, demo_rows[2 * quarter : 3 * quarter])
    fourth = run_on(alice.site, demo_rows[3 * quarter :])  # three runs of history behind it
    assert miss(fourth) <= Decimal("0.10"), (fourth.credits_reserved, fourth.total_credits_used)
