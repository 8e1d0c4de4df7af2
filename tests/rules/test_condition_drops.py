"""Condition drops are not written by the dispatcher: "Why didn't it fire?" works them out from the journal, with
the rule as it was at each event's time, and lists them among the stored trigger records."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from backend.accounts.models import Site
from backend.planner.models import Keyword
from rules.condition_drops import condition_drops
from rules.models import AutomationRuleVersion, AutomationRun, EventRecord, TriggerRecord
from rules.services import rule_update

RULES = "/api/v1/automation/rules/"
ON_CREATED = {"type": "event", "event": "keyword.created"}


def big_keywords(make_rule, alice, **fields):
    fields.setdefault("site", alice.site)
    return make_rule(
        name="Big keywords", trigger=ON_CREATED, conditions={">": [{"var": "object.volume"}, 1000]}, **fields
    )


def keyword(alice, volume: int, site=None) -> Keyword:
    return Keyword.objects.create(site=site or alice.site, text=f"kw {volume} {Keyword.objects.count()}", volume=volume)


def test_a_drop_is_judged_by_the_rule_as_it_was_at_the_events_time(alice, make_rule, eager):
    rule = big_keywords(make_rule, alice)
    small_then = keyword(alice, 50)  # false under version 1
    rule, _ = rule_update(rule=rule, conditions={">": [{"var": "object.volume"}, 10]})  # version 2
    ran = keyword(alice, 50)  # true under version 2: a run
    small_now = keyword(alice, 5)
    rule, _ = rule_update(rule=rule, is_active=False)  # version 3: paused, listening to nothing
    keyword(alice, 1)

    drops = condition_drops(rule).records

    assert [d.object_id for d in drops] == [small_now.pk, small_then.pk]  # newest first
    assert {d.outcome for d in drops} == {"dropped_conditions"} and {d.reason for d in drops} == {
        "conditions were false"
    }
    assert AutomationRun.objects.get().trigger_payload["object"]["id"] == ran.pk
    assert not TriggerRecord.objects.filter(outcome="dropped_conditions").exists()
    assert drops[0].causation["root_event"] == "keyword.created" and drops[0].event_id is not None


def test_events_the_rule_did_not_listen_to_are_not_drops(alice, make_rule, eager):
    other_site = Site.objects.create(account=alice.account, name="Other", domain="other.example.com")
    rule = big_keywords(make_rule, alice)
    watching = make_rule(
        name="Volume changes",
        trigger={"type": "event", "event": "keyword.updated", "fields": ["volume"]},
        conditions={">": [{"var": "object.volume"}, 1000]},
    )
    keyword(alice, 5, site=other_site)  # another site
    renamed = keyword(alice, 5)
    renamed.text = "renamed"
    renamed.save()  # a field the rule does not watch
    renamed.volume = 6
    renamed.save()

    assert condition_drops(rule).records[0].object_id == renamed.pk and len(condition_drops(rule).records) == 1
    [drop] = condition_drops(watching).records
    assert (drop.event, drop.object_id) == ("keyword.updated", renamed.pk)


def test_drops_recorded_before_they_were_worked_out_are_not_worked_out_again(alice, make_rule, eager):
    rule = big_keywords(make_rule, alice)
    keyword(alice, 1)
    legacy = TriggerRecord.objects.create(
        rule=rule, account=alice.account, trigger_type="event", event="keyword.created", outcome="dropped_conditions"
    )
    later = keyword(alice, 2)

    assert [d.object_id for d in condition_drops(rule).records] == [later.pk]
    records = _triggers_api(alice, rule, outcome="dropped_conditions")
    assert [(r["id"], r["object_id"]) for r in records] == [(None, later.pk), (legacy.pk, None)]


def test_the_rules_triggers_list_stored_records_and_drops_newest_first_page_by_page(
    alice, api, make_rule, eager, settings
):
    settings.AUTOMATION_TRIGGERS_SCAN_EVENTS = 3  # drops worked out from the 3 newest events listened to
    rule = big_keywords(make_rule, alice)
    volumes = [5000, 1, 6000, 2, 3, 7000, 4]
    keywords = [keyword(alice, v) for v in volumes]
    # spread the events over time, one a minute, oldest first (as the journal and the records hold them)
    start = timezone.now() - timedelta(minutes=len(volumes))
    AutomationRuleVersion.objects.filter(rule=rule).update(created_at=start - timedelta(minutes=1))
    for i, kw in enumerate(keywords):
        at = start + timedelta(minutes=i)
        TriggerRecord.objects.filter(object_id=kw.pk).update(at=at)
        EventRecord.objects.filter(object_id=kw.pk).update(at=at)

    everything = _triggers_api(alice, rule, page_size=2)
    by_keyword = {kw.pk: v for kw, v in zip(keywords, volumes, strict=True)}
    assert [(by_keyword[r["object_id"]], r["outcome"]) for r in everything] == [
        (4, "dropped_conditions"),  # the 3 newest events: drops worked out, merged with the records
        (7000, "started"),
        (3, "dropped_conditions"),
        (6000, "started"),  # older: stored records only
        (5000, "started"),
    ]
    dropped = _triggers_api(alice, rule, outcome="dropped")
    assert [by_keyword[r["object_id"]] for r in dropped] == [4, 3]
    assert all(r["id"] is None and r["event_id"] for r in dropped)
    started = _triggers_api(alice, rule, outcome="started")
    assert [by_keyword[r["object_id"]] for r in started] == [7000, 6000, 5000]
    answer = api.get(f"{RULES}{rule.pk}/triggers/", {"page_size": 2, "page": 2}).json()
    assert answer["count"] == 5 and [by_keyword[r["object_id"]] for r in answer["results"]] == [3, 6000]


def _triggers_api(alice, rule, **query) -> list[dict]:
    """Every page of the rule's triggers, as the API lists them."""
    client = alice.client()
    results, page = [], 1
    while True:
        answer = client.get(f"{RULES}{rule.pk}/triggers/", {**query, "page": page})
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        results += body["results"]
        if not body["next"]:
            return results
        page += 1
