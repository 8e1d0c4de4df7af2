"""Event triggers end to end (tasks inline): conditions, watched fields, loop guard, modes."""

from __future__ import annotations

import pytest

from backend.planner.models import Keyword
from rules.condition_drops import condition_drops
from rules.models import AutomationRun, RunLog, TriggerRecord
from tests.support.http_sink import HttpSink


@pytest.fixture
def sink(allow_loopback_outbound):
    with HttpSink() as server:
        yield server


def big_keywords(make_rule, alice, url, **extra):
    return make_rule(
        name="Big keywords",
        site=alice.site,
        mode="queued",
        trigger={"type": "event", "event": "keyword.created"},
        conditions={">": [{"var": "object.volume"}, 1000]},
        actions=[
            {"type": "log", "params": {"message": "big keyword {object.text}"}},
            {"type": "webhook", "params": {"url": url}, "on_error": "continue"},
        ],
        **extra,
    )


def test_it_fires_for_a_big_keyword_and_not_for_a_small_one(alice, make_rule, eager, sink):
    rule = big_keywords(make_rule, alice, sink.url)
    Keyword.objects.create(site=alice.site, text="cold brew", volume=2000)
    Keyword.objects.create(site=alice.site, text="tiny", volume=10)
    run = AutomationRun.objects.get()
    assert (run.status, run.rule_id, run.trigger_type, run.rule_version) == ("completed", rule.id, "event", 1)
    assert [s.status for s in run.steps.all()] == ["completed", "completed"]
    assert RunLog.objects.filter(run=run, message="big keyword cold brew").exists()
    assert sink.received[0]["json"]["payload"]["object"]["text"] == "cold brew"
    assert not TriggerRecord.objects.filter(outcome="dropped_conditions").exists()  # worked out from the journal
    [dropped] = condition_drops(rule).records
    assert (dropped.outcome, dropped.object_id) == ("dropped_conditions", Keyword.objects.get(text="tiny").pk)
    rule.refresh_from_db()
    assert rule.execution_count == 1 and rule.last_executed_at is not None


def test_it_enqueues_nothing_before_commit(alice, make_rule, django_capture_on_commit_callbacks, sink):
    big_keywords(make_rule, alice, sink.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Keyword.objects.create(site=alice.site, text="cold brew", volume=2000)
    assert not AutomationRun.objects.exists() and len(callbacks) == 1


def test_it_only_fires_for_watched_fields(alice, make_rule, eager):
    make_rule(trigger={"type": "event", "event": "keyword.updated", "fields": ["volume"]})
    keyword = Keyword.objects.create(site=alice.site, text="a", volume=1)
    keyword.difficulty = 50
    keyword.save()
    assert AutomationRun.objects.count() == 0
    keyword.volume = 5
    keyword.save()
    run = AutomationRun.objects.get()
    assert run.trigger_payload["changes"] == {"volume": {"old": 1, "new": 5}}


def test_it_passes_old_and_new_status_to_status_changed_rules(alice, make_rule, eager):
    make_rule(
        trigger={"type": "event", "event": "keyword.status_changed"},
        conditions={"==": [{"var": "event.changes.status.new"}, "mapped"]},
    )
    keyword = Keyword.objects.create(site=alice.site, text="a")
    keyword.status = "mapped"
    keyword.save()
    assert AutomationRun.objects.get().status == "completed"


def test_it_ignores_another_accounts_events(alice, charlie, make_rule, eager):
    make_rule(trigger={"type": "event", "event": "keyword.created"})
    Keyword.objects.create(site=charlie.site, text="theirs")
    assert not AutomationRun.objects.exists()


def test_it_stops_a_self_triggering_rule_at_the_loop_guard(alice, make_rule, eager):
    rule = make_rule(
        trigger={"type": "event", "event": "keyword.updated"},
        actions=[{"type": "update_fields", "params": {"fields": {"difficulty": 99}}}],
    )
    keyword = Keyword.objects.create(site=alice.site, text="a")
    keyword.volume = 10
    keyword.save()
    assert AutomationRun.objects.count() == 1
    blocked = TriggerRecord.objects.get(outcome="dropped_loop")
    assert blocked.rule_id == rule.id and "re-trigger itself" in blocked.reason
    assert Keyword.objects.get().difficulty == 99


def test_it_stops_a_chain_at_the_maximum_depth(alice, make_rule, eager, settings):
    settings.AUTOMATION_MAX_DEPTH = 3
    make_rule(
        trigger={"type": "event", "event": "custom.ping"},
        allow_self_trigger=True,
        mode="queued",
        actions=[{"type": "emit_event", "params": {"name": "ping"}}],
    )
    rule2 = make_rule(trigger={"type": "manual"}, actions=[{"type": "emit_event", "params": {"name": "ping"}}])
    from rules.lifecycle import rule_execute

    rule_execute(rule=rule2)
    assert AutomationRun.objects.count() == 1 + 3  # manual run, then depth 1..3
    blocked = TriggerRecord.objects.get(outcome="dropped_loop")
    assert "depth 4 exceeds the limit of 3" in blocked.reason
    deepest = AutomationRun.objects.order_by("-id").first()
    assert deepest.causation["depth"] == 3 and deepest.parent_run is not None


@pytest.mark.parametrize(
    "mode,expected_runs,expected_records",
    [
        ("single", 1, {"started": 1, "dropped_mode": 4}),
        ("queued", 2, {"started": 1, "queued": 1, "dropped_mode": 3}),
        ("parallel", 2, {"started": 2, "dropped_mode": 3}),
        ("restart", 5, {"started": 5}),
    ],
)
def test_it_applies_the_mode_to_a_burst(
    alice, make_rule, mode, expected_runs, expected_records, django_capture_on_commit_callbacks
):
    """Five triggers while the first run is still active (tasks not executed yet)."""
    from rules.lifecycle import rule_execute

    rule = make_rule(mode=mode, max_runs=2, actions=[{"type": "log", "params": {"message": "x"}}])
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(5):
            rule_execute(rule=rule)
    assert AutomationRun.objects.count() == expected_runs
    outcomes = {}
    for record in TriggerRecord.objects.all():
        outcomes[record.outcome] = outcomes.get(record.outcome, 0) + 1
    assert outcomes == expected_records
    if mode == "restart":
        statuses = list(AutomationRun.objects.order_by("id").values_list("status", flat=True))
        assert statuses == ["cancelled"] * 4 + ["running"]
    if mode == "queued":  # max_runs bounds the active runs (running + queued + paused)
        assert AutomationRun.objects.filter(status="queued").count() == 1
        dropped = TriggerRecord.objects.filter(outcome="dropped_mode")
        assert all(r.reason.startswith("queue full") and "max_runs is 2" in r.reason for r in dropped)


def test_it_runs_queued_runs_one_after_another(alice, make_rule, eager):
    from rules.lifecycle import rule_execute

    rule = make_rule(mode="queued", actions=[{"type": "log", "params": {"message": "x"}}])
    for _ in range(3):
        rule_execute(rule=rule)
    runs = list(AutomationRun.objects.order_by("id"))
    assert [r.status for r in runs] == ["completed"] * 3
    assert runs[0].completed_at <= runs[1].started_at and runs[1].completed_at <= runs[2].started_at


def test_it_scopes_the_mode_per_site(alice, make_rule, api, django_capture_on_commit_callbacks):
    from rules.lifecycle import rule_execute

    other = api.post("/api/v1/sites/", {"name": "Other", "domain": "other.example.com"}).json()
    rule = make_rule(mode="single", mode_scope="site")
    with django_capture_on_commit_callbacks(execute=False):
        assert rule_execute(rule=rule, site_id=alice.site.pk).run is not None
        assert rule_execute(rule=rule, site_id=other["id"]).run is not None
        assert rule_execute(rule=rule, site_id=alice.site.pk).outcome == "dropped_mode"
