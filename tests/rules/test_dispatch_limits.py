"""Bounds on what one tenant can make the engine do: queue size, active runs, fan-out, rule size, bursts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.accounts.models import Account
from rules.lifecycle import rule_execute
from rules.models import AutomationRule, AutomationRun, TriggerRecord

LOG = [{"type": "log", "params": {"message": "x"}}]


def outcomes(rule) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in TriggerRecord.objects.filter(rule=rule).values_list("outcome", flat=True):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def test_it_drops_a_trigger_beyond_max_runs_in_queued_mode_and_says_why(
    api, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(mode="queued", max_runs=3, actions=LOG)
    with django_capture_on_commit_callbacks(execute=False):  # the first run stays active
        answers = [api.post(f"/api/v1/automation/rules/{rule.pk}/execute/", {}, format="json") for _ in range(5)]
    assert [a.status_code for a in answers] == [202, 202, 202, 409, 409]
    assert answers[3].json()["detail"].startswith("queue full") and answers[3].json()["code"] == "dropped_mode"
    assert AutomationRun.objects.filter(status__in=["running", "queued"]).count() == 3
    why = api.get(f"/api/v1/automation/rules/{rule.pk}/triggers/?outcome=dropped").json()["results"]
    assert len(why) == 2 and all("queue full: 3 runs active or waiting, max_runs is 3" in r["reason"] for r in why)


def test_it_bounds_the_active_runs_of_an_account(
    alice, charlie, make_rule, settings, django_capture_on_commit_callbacks
):
    settings.AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT = 2
    rule = make_rule(mode="parallel", max_runs=10, actions=LOG)
    theirs = make_rule(account_id=charlie.account.pk, mode="parallel", actions=LOG)
    with django_capture_on_commit_callbacks(execute=False):
        results = [rule_execute(rule=rule) for _ in range(4)]
        other = rule_execute(rule=theirs)
    assert [r.outcome for r in results] == ["started", "started", "dropped_limit", "dropped_limit"]
    assert "AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT" in results[2].reason
    assert other.outcome == "started"  # one tenant's limit is not another's
    assert outcomes(rule) == {"started": 2, "dropped_limit": 2}


def test_it_bounds_the_runs_descending_from_one_root_event(alice, make_rule, eager, settings):
    """A rule re-triggering itself three times per run would make (3^6-1)/2 = 364 runs from one start."""
    settings.AUTOMATION_MAX_RUNS_PER_ROOT = 10
    rule = make_rule(
        trigger={"type": "event", "event": "custom.boom"},
        allow_self_trigger=True,
        mode="parallel",
        max_runs=100,
        actions=[{"type": "emit_event", "params": {"name": "boom"}}] * 3,
    )
    starter = make_rule(trigger={"type": "manual"}, actions=[{"type": "emit_event", "params": {"name": "boom"}}])
    rule_execute(rule=starter)
    assert AutomationRun.objects.count() == 10  # the manual run and nine descendants
    roots = {run.causation["root_id"] for run in AutomationRun.objects.all()}
    assert len(roots) == 1
    dropped = TriggerRecord.objects.filter(rule=rule, outcome="dropped_limit")
    assert dropped.exists() and all("fan-out limit: 10 runs" in r.reason for r in dropped)
    assert "AUTOMATION_MAX_RUNS_PER_ROOT" in dropped.first().reason
    # A second, separate start has a root of its own and is not held back by the first.
    assert rule_execute(rule=starter).outcome == "started"


def test_it_refuses_a_run_the_account_cannot_afford_with_402_and_no_run(charlie, make_rule):
    Account.objects.filter(pk=charlie.account.pk).update(credits=Decimal("3"))
    rule = make_rule(
        account_id=charlie.account.pk, actions=[{"type": "test_charge", "params": {"items": 1, "estimate": 5}}]
    )
    answer = charlie.client().post(f"/api/v1/automation/rules/{rule.pk}/execute/", {}, format="json")
    assert answer.status_code == 402
    assert answer.json()["code"] == "insufficient_credits" and Decimal(answer.json()["needed"]) == 5
    assert not AutomationRun.objects.exists()
    assert outcomes(rule) == {"refused_credits": 1}


def test_it_defaults_new_event_rules_to_queued_so_a_burst_is_not_dropped(alice, api, eager):
    created = api.post(
        "/api/v1/automation/rules/",
        {"name": "Each keyword", "trigger": {"type": "event", "event": "keyword.created"}, "actions": LOG},
        format="json",
    ).json()
    assert created["mode"] == "queued"
    keywords = [{"text": f"kw {i}"} for i in range(5)]
    assert (
        api.post(
            "/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": keywords}, format="json"
        ).status_code
        == 201
    )
    assert AutomationRun.objects.filter(rule_id=created["id"], status="completed").count() == 5
    explicit = api.post(
        "/api/v1/automation/rules/",
        {"name": "Single", "mode": "single", "trigger": {"type": "event", "event": "keyword.created"}, "actions": LOG},
        format="json",
    ).json()
    assert explicit["mode"] == "single"  # asked for: kept


@pytest.mark.parametrize(
    "change,path,limit",
    [
        ({"actions": LOG * 51}, "actions", "AUTOMATION_MAX_RULE_STEPS"),
        (
            {"actions": [{"type": "log", "params": {"message": "x" * 1900}}] * 50},
            "actions",
            "AUTOMATION_MAX_RULE_BYTES",
        ),
        (
            {"actions": [{"type": "emit_event", "params": {"name": "deep", "data": {"a": {"a": {"a": {"a": {}}}}}}}]},
            "actions.0.params.data.a.a.a",
            "AUTOMATION_MAX_RULE_DEPTH",
        ),
    ],
)
def test_it_refuses_a_rule_beyond_its_size_limits_naming_the_field(api, settings, change, path, limit):
    settings.AUTOMATION_MAX_RULE_BYTES = 64 * 1024
    settings.AUTOMATION_MAX_RULE_DEPTH = 5
    body = {"name": "big", "trigger": {"type": "manual"}, "actions": LOG, **change}
    answer = api.post("/api/v1/automation/rules/", body, format="json")
    assert answer.status_code == 400
    errors = answer.json()
    assert path in errors and limit in " ".join(errors[path])
    assert not AutomationRule.objects.filter(name="big").exists()


def test_it_refuses_more_rules_than_an_account_may_have(alice, api, make_rule, settings):
    settings.AUTOMATION_MAX_RULES_PER_ACCOUNT = AutomationRule.objects.filter(account=alice.account).count() + 1
    body = {"name": "one more", "trigger": {"type": "manual"}, "actions": LOG}
    assert api.post("/api/v1/automation/rules/", body, format="json").status_code == 201
    answer = api.post("/api/v1/automation/rules/", {**body, "name": "too many"}, format="json")
    assert answer.status_code == 400
    assert "AUTOMATION_MAX_RULES_PER_ACCOUNT" in answer.json()["non_field_errors"][0]


def test_it_queues_the_events_of_a_burst_and_drops_beyond_max_runs(
    alice, api, make_rule, django_capture_on_commit_callbacks
):
    from backend.celery import app

    rule = make_rule(trigger={"type": "event", "event": "keyword.created"}, max_runs=3, actions=LOG)
    assert rule.mode == "queued"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert rule_execute(rule=rule).outcome == "started"  # its step is not executed: the run stays active
        keywords = [{"text": f"kw {i}"} for i in range(5)]
        api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": keywords}, format="json")
    app.conf.task_always_eager = True
    try:
        callbacks[-1]()  # the import's one batch of events, dispatched
    finally:
        app.conf.task_always_eager = False
    assert outcomes(rule) == {"started": 1, "queued": 2, "dropped_mode": 3}


def test_it_refuses_an_event_payload_beyond_its_limit_naming_the_field(api, make_rule, settings):
    settings.AUTOMATION_MAX_EVENT_PAYLOAD_BYTES = 1024
    rule = make_rule(actions=LOG)
    answer = api.post(f"/api/v1/automation/rules/{rule.pk}/execute/", {"payload": {"x": "y" * 2000}}, format="json")
    assert answer.status_code == 400 and "AUTOMATION_MAX_EVENT_PAYLOAD_BYTES" in answer.json()["payload"][0]
    seeds = api.post(f"/api/v1/automation/rules/{rule.pk}/execute/", {"context": {"x": "y" * 2000}}, format="json")
    assert seeds.status_code == 400 and "context" in seeds.json()
    assert not AutomationRun.objects.exists()


def test_it_refuses_a_webhook_body_beyond_the_payload_limit(api, make_rule, settings):
    import time

    from rules.api.hooks import sign

    settings.AUTOMATION_MAX_EVENT_PAYLOAD_BYTES = 1024
    created = api.post(
        "/api/v1/automation/rules/", {"name": "hook", "trigger": {"type": "webhook"}, "actions": LOG}, format="json"
    ).json()
    body = ('{"x": "' + "y" * 2000 + '"}').encode()
    stamp = str(int(time.time()))
    answer = api.post(
        created["webhook_url"],
        body,
        content_type="application/json",
        HTTP_X_IGNY8_TIMESTAMP=stamp,
        HTTP_X_IGNY8_SIGNATURE=sign(created["webhook_secret"], stamp, body),
    )
    assert answer.status_code == 400 and "AUTOMATION_MAX_EVENT_PAYLOAD_BYTES" in answer.json()["body"][0]
    assert not AutomationRun.objects.exists()
