"""The pipeline's history, run detail and statistics read counters and index ranges, never the whole history:
numbers, pages and windows stay right, and the queries per request do not grow with the runs stored."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from backend.automation.preset import preset_install
from rules.models import AutomationRule, AutomationRun, RunStep

_ids = itertools.count(1)
HISTORY_QUERIES = 5  # token, site, preset rule with its counters, the page's runs, their steps
RUN_DETAIL_QUERIES = 7  # token, run, steps, preset rule, runs newer than it, last completed runs, their steps


def _run(persona, *, days_ago: float, status: str = "completed", credits: str = "10", minutes: float = 1):
    """A finished pipeline run made `days_ago` days ago with seven steps, counted by its rule as run_create does."""
    rule = preset_install(persona.site)
    n = next(_ids)
    at = timezone.now() - timedelta(days=days_ago) + timedelta(seconds=n)
    run = AutomationRun.objects.create(
        run_id=f"run_history_{n}",
        account=persona.account,
        site=persona.site,
        rule=rule,
        trigger_type="scheduled",
        status=status,
        concurrency_key=f"rule:{rule.pk}",
        total_credits_used=Decimal(credits),
    )
    AutomationRule.objects.filter(pk=rule.pk).update(execution_count=F("execution_count") + 1)
    RunStep.objects.bulk_create(
        RunStep(run=run, index=i, key=f"step-{i + 1}", action_type=a["type"], status="completed", input_count=2)
        for i, a in enumerate(rule.actions)
    )
    AutomationRun.objects.filter(pk=run.pk).update(
        created_at=at, started_at=at, completed_at=at + timedelta(minutes=minutes)
    )
    run.refresh_from_db()
    return run


def _history(api, site, **params):
    query = "&".join(f"{k}={v}" for k, v in {"site_id": site.pk, **params}.items())
    response = api.get(f"/api/v1/automation/history/?{query}")
    assert response.status_code == 200
    return response.json()


def test_it_numbers_and_pages_the_history_newest_first(alice, api):
    runs = [_run(alice, days_ago=days) for days in (9, 8, 7, 6, 5)]
    pages = [_history(api, alice.site, page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [[(r["run_id"], r["run_number"]) for r in p["runs"]] for p in pages] == [
        [(runs[4].run_id, 5), (runs[3].run_id, 4)],
        [(runs[2].run_id, 3), (runs[1].run_id, 2)],
        [(runs[0].run_id, 1)],
        [],
    ]
    assert pages[0]["pagination"] == {"page": 1, "page_size": 2, "total_count": 5, "total_pages": 3}
    assert pages[0]["runs"][0]["run_title"] == f"{alice.site.domain} #5"
    for run, number in zip(runs, range(1, 6), strict=True):
        detail = api.get(f"/api/v1/automation/run_detail/?run_id={run.run_id}").json()["run"]
        assert detail["run_number"] == number and detail["run_title"] == f"{alice.site.domain} #{number}"
    stats = api.get(f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}").json()
    assert stats["run_statistics"]["total_runs"] == 5


def test_it_leaves_another_sites_runs_out_of_the_numbers(alice, charlie, api):
    _run(charlie, days_ago=3)
    mine = _run(alice, days_ago=2)
    _run(charlie, days_ago=1)
    page = _history(api, alice.site)
    assert [(r["run_id"], r["run_number"]) for r in page["runs"]] == [(mine.run_id, 1)]
    assert page["pagination"]["total_count"] == 1


def test_it_reads_any_page_and_any_run_in_the_same_queries_however_many_runs(alice, api, django_assert_num_queries):
    runs = [_run(alice, days_ago=30 - n) for n in range(12)]
    _history(api, alice.site)  # the token's first use of the day is recorded once
    for page in (1, 6, 12):
        with django_assert_num_queries(HISTORY_QUERIES) as queries:
            assert len(_history(api, alice.site, page=page, page_size=1)["runs"]) == 1
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]  # the total is a counter
    for run in (runs[0], runs[-1]):
        with django_assert_num_queries(RUN_DETAIL_QUERIES):
            assert api.get(f"/api/v1/automation/run_detail/?run_id={run.run_id}").status_code == 200


def test_it_sums_the_30_days_this_week_and_last_week_in_the_statistics(alice, api):
    _run(alice, days_ago=40, credits="500", minutes=50)  # outside the 30 days: only in the total
    _run(alice, days_ago=10, credits="20", minutes=2)  # last week
    _run(alice, days_ago=9, status="failed", credits="7")  # last week, failed: in no average
    _run(alice, days_ago=3, credits="10", minutes=1)  # this week
    _run(alice, days_ago=1, status="cancelled")  # this week
    _run(alice, days_ago=2, status="completed_with_errors", credits="4")  # this week: its own count, in no average
    stats = api.get(f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}").json()["run_statistics"]
    assert stats == {
        "total_runs": 6,
        "completed_runs": 2,
        "failed_runs": 1,
        "completed_with_errors_runs": 1,
        "success_rate": pytest.approx(40.0),  # 2 of the 5 finished in the 30 days
        "avg_duration_seconds": 90.0,
        "avg_credits_per_run": 15.0,
        "runs_this_week": 3,
        "runs_last_week": 2,
        "credits_trend": -50.0,  # 10 this week against 20 last week
        "duration_trend": -60.0,
    }


def test_it_shows_the_last_finished_run_next_to_no_active_one(alice, api):
    _run(alice, days_ago=2, status="failed")
    last = _run(alice, days_ago=1, status="cancelled")
    current = api.get(f"/api/v1/automation/current_run/?site_id={alice.site.pk}").json()
    assert current["run"] is None and current["last_run"]["run_id"] == last.run_id
