"""Shadow rules record and execute nothing; dry runs charge nothing and call nothing; replays start runs once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.accounts.models import Account
from backend.billing.models import CreditTransaction
from backend.planner.models import Cluster, Keyword
from rules.models import AutomationRule, AutomationRun, EventRecord, TriggerRecord
from tests.support.http_sink import HttpSink

pytestmark = pytest.mark.usefixtures("eager")
RULES = "/api/v1/automation/rules/"


@pytest.fixture
def sink(allow_loopback_outbound):
    with HttpSink() as server:
        yield server


def shadow_rule(api, alice, **overrides):
    body = {
        "name": "Shadow big keywords",
        "site": alice.site.pk,
        "is_shadow": True,
        "mode": "parallel",
        "trigger": {"type": "event", "event": "keyword.created"},
        "conditions": {">": [{"var": "object.volume"}, 1000]},
        "actions": [{"type": "test_charge", "params": {"items": 2, "cost": 4}}],
        **overrides,
    }
    response = api.post(RULES, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_shadow_rule_records_what_it_would_do_and_executes_nothing(alice, api):
    rule = shadow_rule(api, alice)
    credits = Account.objects.get(pk=alice.account.pk).credits
    for volume in (5000, 10, 2000):
        Keyword.objects.create(site=alice.site, text=f"kw {volume}", volume=volume)
    assert not AutomationRun.objects.exists()
    assert Account.objects.get(pk=alice.account.pk).credits == credits
    records = api.get(f"{RULES}{rule['id']}/triggers/").json()["results"]
    assert sorted(r["outcome"] for r in records) == ["dropped_conditions", "shadow", "shadow"]
    shadow = next(r for r in records if r["outcome"] == "shadow")
    assert shadow["estimated_credits"] == "8.00" and "would have started a run" in shadow["reason"]
    listed = next(r for r in api.get(RULES).json()["results"] if r["id"] == rule["id"])
    assert listed["is_shadow"] is True
    assert listed["shadow_summary"]["would_have_run"] == 2 and listed["shadow_summary"]["estimated_credits"] == "16.00"
    assert api.get(f"{RULES}{rule['id']}/").json()["shadow_summary"]["would_have_run"] == 2

    refused = api.post(f"{RULES}{rule['id']}/execute/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "shadow"
    promoted = api.patch(f"{RULES}{rule['id']}/", {"is_shadow": False, "is_active": True}, format="json").json()
    assert promoted["is_shadow"] is False and promoted["shadow_summary"] is None
    Keyword.objects.create(site=alice.site, text="live now", volume=9000)
    assert AutomationRun.objects.get().status == "completed"


def test_a_dry_run_charges_nothing_calls_nothing_writes_nothing_and_says_what_it_would_have_done(
    alice, api, sink, settings
):
    settings.AI_PROVIDER = "openai"  # a dry run answers through the offline provider whatever is configured
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    for n in range(4):
        Keyword.objects.create(site=alice.site, text=f"coffee grinder {n}", volume=100 + n)
    events_before = EventRecord.objects.count()
    rule = api.post(
        RULES,
        {
            "name": "Everything",
            "site": alice.site.pk,
            "trigger": {"type": "manual"},
            "actions": [
                {"type": "cluster_keywords"},
                {"type": "test_charge", "params": {"items": 3, "cost": 2}},
                {"type": "webhook", "params": {"url": sink.url}},
                {"type": "emit_event", "params": {"name": "dry", "data": {}}},
            ],
        },
        format="json",
    ).json()
    credits = Account.objects.get(pk=alice.account.pk).credits
    started = api.post(f"{RULES}{rule['id']}/execute/", {"dry_run": True}, format="json")
    assert started.status_code == 202
    run = api.get(f"/api/v1/automation/executions/{started.json()['run_id']}/").json()
    assert run["status"] == "completed" and run["dry_run"] is True
    cluster, charge, webhook, emit = run["steps"]
    assert cluster["output_count"] > 0 and not Cluster.objects.exists()  # clustered, then rolled back
    assert cluster["result"]["dry_run"]["would_charge"] > 0
    assert charge["result"]["dry_run"]["would_charge"] == 6.0 and charge["output_count"] == 3
    assert webhook["result"]["dry_run"]["calls"] == [f"POST {sink.url}"] and sink.received == []
    assert Account.objects.get(pk=alice.account.pk).credits == credits
    assert not CreditTransaction.objects.filter(account_id=alice.account.pk, amount__lt=0).exists()
    assert Keyword.objects.filter(status="new").count() == 4  # the keywords' statuses were rolled back too
    assert not EventRecord.objects.filter(name="custom.dry").exists()  # its emitted event went with the rollback
    assert not EventRecord.objects.filter(name__startswith="run.").exists()  # no rule hears of a dry run
    assert EventRecord.objects.filter(name__startswith="keyword.").count() == events_before
    listed = api.get("/api/v1/automation/executions/", {"rule": rule["id"]}).json()["results"]
    assert listed[0]["dry_run"] is True


def test_a_shadow_rule_may_be_tried_as_a_dry_run(alice, api):
    rule = shadow_rule(api, alice, trigger={"type": "manual"}, conditions=None)
    started = api.post(f"{RULES}{rule['id']}/execute/", {"dry_run": True}, format="json")
    assert started.status_code == 202
    assert AutomationRun.objects.get().dry_run is True


def _replay(api, rule_id, minutes=10):
    since = (timezone.now() - timedelta(minutes=minutes)).isoformat()
    return api.post(f"{RULES}{rule_id}/replay/", {"since": since}, format="json")


def test_a_replay_run_twice_starts_its_runs_once(alice, api, make_rule):
    for volume in (5000, 10, 2000, 3000):
        Keyword.objects.create(site=alice.site, text=f"kw {volume}", volume=volume)
    rule = make_rule(
        name="late rule", site=alice.site, mode="parallel", max_runs=20,
        trigger={"type": "event", "event": "keyword.created"}, conditions={">": [{"var": "object.volume"}, 1000]},
    )  # fmt: skip
    first = _replay(api, rule.pk).json()
    assert (first["events_scanned"], first["started"], first["dropped"], first["already_replayed"]) == (4, 3, 1, 0)
    assert AutomationRun.objects.filter(rule=rule).count() == 3 and len(first["run_ids"]) == 3
    again = _replay(api, rule.pk).json()
    assert (again["started"], again["already_replayed"]) == (0, 3)
    assert AutomationRun.objects.filter(rule=rule).count() == 3
    AutomationRule.objects.filter(pk=rule.pk).update(version=2)  # a new version of the rule may replay them again
    assert _replay(api, rule.pk).json()["started"] == 3


def test_a_replay_never_starts_again_what_the_live_dispatch_started(alice, api, make_rule):
    rule = make_rule(
        name="live rule", site=alice.site, mode="parallel", max_runs=20,
        trigger={"type": "event", "event": "keyword.created"}, conditions={">": [{"var": "object.volume"}, 1000]},
    )  # fmt: skip
    for volume in (5000, 10, 2000):
        Keyword.objects.create(site=alice.site, text=f"kw {volume}", volume=volume)
    assert AutomationRun.objects.filter(rule=rule).count() == 2
    assert all(r.idempotency_key.startswith("event:") for r in AutomationRun.objects.filter(rule=rule))
    answer = _replay(api, rule.pk).json()
    assert (answer["started"], answer["already_replayed"], answer["dropped"]) == (0, 2, 1)
    assert AutomationRun.objects.filter(rule=rule).count() == 2


def test_a_replay_keeps_the_loop_guard_and_its_bounds(alice, api, make_rule, charlie, settings):
    rule = make_rule(name="guarded", trigger={"type": "event", "event": "keyword.created"}, mode="parallel")
    EventRecord.objects.create(
        account=alice.account, name="keyword.created", object_type="keyword", object={"id": 1, "volume": 1},
        causation={"root_event": "keyword.created", "depth": 1, "rule_path": [rule.pk], "parent_run_id": "run_x"},
        at=timezone.now(),
    )  # fmt: skip
    answer = _replay(api, rule.pk).json()
    assert (answer["started"], answer["dropped"]) == (0, 1)
    assert TriggerRecord.objects.get(rule=rule).outcome == "dropped_loop"
    settings.AUTOMATION_MAX_REPLAY_EVENTS = 0
    too_many = _replay(api, rule.pk)
    assert too_many.status_code == 400 and "AUTOMATION_MAX_REPLAY_EVENTS" in too_many.json()["since"][0]
    manual = make_rule(name="manual")
    assert _replay(api, manual.pk).status_code == 400
    theirs = make_rule(account_id=charlie.account.pk, trigger={"type": "event", "event": "keyword.created"})
    assert _replay(api, theirs.pk).status_code == 404


def test_a_webhook_rule_replays_its_deliveries(alice, api, make_rule):
    from rules.lifecycle import rule_execute

    hook = make_rule(name="hook", trigger={"type": "webhook"}, mode="parallel")
    rule_execute(rule=hook, payload={"n": 1}, trigger_type="webhook")
    rule_execute(rule=hook, payload={"n": 2}, trigger_type="webhook")
    live = _replay(api, hook.pk).json()  # the deliveries' live runs carry their journal keys
    assert (live["events_scanned"], live["started"], live["already_replayed"]) == (2, 0, 2)
    AutomationRule.objects.filter(pk=hook.pk).update(version=2)
    answer = _replay(api, hook.pk).json()
    assert (answer["events_scanned"], answer["started"]) == (2, 2)
    replayed = AutomationRun.objects.filter(idempotency_key__endswith=":v2")
    assert sorted(r.trigger_payload["payload"]["n"] for r in replayed) == [1, 2]
    assert _replay(api, hook.pk).json()["already_replayed"] == 2
    assert Decimal("0") == sum(r.total_credits_used for r in AutomationRun.objects.all())


def test_a_rerun_keeps_a_dry_run_dry_and_a_shadow_rules_live_run_is_not_rerun(alice, api, make_rule):
    rule = make_rule(name="rerun me", mode="parallel")
    dry = api.post(f"{RULES}{rule.pk}/execute/", {"dry_run": True}, format="json").json()["run_id"]
    live = api.post(f"{RULES}{rule.pk}/execute/", {}, format="json").json()["run_id"]
    again = api.post(f"/api/v1/automation/executions/{dry}/rerun/", {}, format="json")
    assert again.status_code == 202 and AutomationRun.objects.get(run_id=again.json()["run_id"]).dry_run is True
    api.patch(f"{RULES}{rule.pk}/", {"is_shadow": True}, format="json")
    refused = api.post(f"/api/v1/automation/executions/{live}/rerun/", {}, format="json")
    assert refused.status_code == 409 and "shadow" in refused.json()["detail"]
