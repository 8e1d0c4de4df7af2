"""POST rules/backtest/: a draft or saved rule over the journal, matching what the live rule then does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.planner.models import Keyword
from rules.models import AutomationRun

pytestmark = pytest.mark.usefixtures("eager")
BACKTEST = "/api/v1/automation/rules/backtest/"
VOLUMES = [50, 1500, 200, 3000, 80, 2500, 900, 4000, 10, 1200]  # 5 above 1000


def draft(alice, **overrides) -> dict:
    rule = {
        "name": "Big keywords",
        "site": alice.site.pk,
        "trigger": {"type": "event", "event": "keyword.created"},
        "conditions": [
            {"field": "object.volume", "operator": "greater_than", "value": 1000},
            {"field": "object.intent", "operator": "equals", "value": "commercial"},
        ],
        "mode": "parallel",
        "max_runs": 50,
        "actions": [{"type": "test_charge", "params": {"items": 1, "cost": 3}}],
    }
    return {**rule, **overrides}


def keywords(alice, volumes=VOLUMES, intent="commercial", prefix="kw"):
    for n, volume in enumerate(volumes):
        Keyword.objects.create(site=alice.site, text=f"{prefix} {n}", volume=volume, intent=intent)


def since(minutes: int = 10) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


def test_a_drafts_backtest_matches_what_the_live_rule_then_does_on_the_same_events(alice, api):
    keywords(alice)
    keywords(alice, [5000, 6000], intent="informational", prefix="info")
    answer = api.post(BACKTEST, {"rule": draft(alice), "since": since()}, format="json").json()
    assert (answer["events_scanned"], answer["would_trigger"], answer["estimated_runs"]) == (12, 5, 5)
    assert answer["estimated_credits"] == "15.00" and answer["truncated"] is False
    assert answer["dropped"] == {
        "filtered": 0, "loop_guard": 0, "condition_error": 0, "conditions": 7, "mode": 0, "budget": 0,
    }  # fmt: skip
    assert answer["most_failed_clause"] == {"clause": "object.volume > 1000", "count": 5}
    assert [s["decision"] for s in answer["samples"]][:6] == ["would_trigger"] * 5 + ["dropped_conditions"]
    assert answer["samples"][0]["trace"] and answer["samples"][0]["estimated_credits"] == "3.00"
    assert not AutomationRun.objects.exists()  # nothing ran, nothing was saved

    created = api.post("/api/v1/automation/rules/", draft(alice), format="json")
    assert created.status_code == 201
    keywords(alice, prefix="again")  # the same events, now live
    keywords(alice, [5000, 6000], intent="informational", prefix="info again")
    runs = AutomationRun.objects.filter(rule_id=created.json()["id"])
    assert runs.count() == answer["estimated_runs"]
    assert sum(run.total_credits_used for run in runs) == 15


def test_a_saved_rule_is_backtested_by_id_and_a_draft_of_it_uses_its_identity(alice, api, make_rule):
    rule = make_rule(
        name="saved", trigger={"type": "event", "event": "keyword.created"}, mode="parallel", max_runs=50,
        conditions={">": [{"var": "object.volume"}, 1000]},
    )  # fmt: skip
    keywords(alice)
    AutomationRun.objects.all().delete()
    by_id = api.post(BACKTEST, {"rule": rule.pk, "since": since()}, format="json").json()
    assert (by_id["events_scanned"], by_id["would_trigger"]) == (10, 5)
    edited = {"id": rule.pk, "conditions": {">": [{"var": "object.volume"}, 2000]}}
    assert api.post(BACKTEST, {"rule": edited, "since": since()}, format="json").json()["would_trigger"] == 3


def test_the_rules_mode_and_the_accounts_credits_are_simulated(alice, api):
    keywords(alice)
    single = api.post(BACKTEST, {"rule": draft(alice, mode="single"), "since": since()}, format="json").json()
    assert (single["would_trigger"], single["estimated_runs"], single["dropped"]["mode"]) == (5, 1, 4)
    alice.account.__class__.objects.filter(pk=alice.account.pk).update(credits=7)
    poor = api.post(BACKTEST, {"rule": draft(alice), "since": since()}, format="json").json()
    assert (poor["estimated_runs"], poor["dropped"]["budget"], poor["estimated_credits"]) == (2, 3, "6.00")


def test_a_schedule_rule_is_backtested_on_its_fire_times(alice, api):
    rule = draft(alice, trigger={"type": "schedule", "cron": "*/10 * * * *", "timezone": "UTC"}, conditions=None)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    answer = api.post(
        BACKTEST, {"rule": rule, "since": start.isoformat(), "until": (start + timedelta(hours=1)).isoformat()},
        format="json",
    ).json()  # fmt: skip
    assert (answer["events_scanned"], answer["would_trigger"]) == (6, 6)
    assert {s["event"] for s in answer["samples"]} == {"schedule.fired"}


def test_bad_input_is_a_400_at_the_field_and_another_accounts_rule_a_404(alice, api, charlie, make_rule):
    bad = api.post(BACKTEST, {"rule": draft(alice, conditions={"nope": [1]}), "since": since()}, format="json")
    assert bad.status_code == 400 and "rule.conditions" in bad.json()
    manual = api.post(BACKTEST, {"rule": draft(alice, trigger={"type": "manual"}), "since": since()}, format="json")
    assert manual.status_code == 400 and "no events to backtest" in manual.json()["rule"][0]
    backwards = api.post(BACKTEST, {"rule": draft(alice), "since": since(-10)}, format="json")
    assert backwards.status_code == 400 and "since" in backwards.json()
    theirs = make_rule(account_id=charlie.account.pk, trigger={"type": "event", "event": "keyword.created"})
    assert api.post(BACKTEST, {"rule": theirs.pk, "since": since()}, format="json").status_code == 404
    assert api.post(BACKTEST, {"rule": {"id": theirs.pk}, "since": since()}, format="json").status_code == 404


def test_a_range_past_the_limit_is_read_up_to_it_and_says_so(alice, api, settings):
    settings.AUTOMATION_BACKTEST_MAX_EVENTS = 4
    keywords(alice)
    answer = api.post(BACKTEST, {"rule": draft(alice), "since": since()}, format="json").json()
    assert answer["events_scanned"] == 4 and answer["truncated"] is True
