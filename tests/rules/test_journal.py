"""The event journal: every event appended after commit, one insert per transaction, readable through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.planner.models import Keyword
from backend.planner.services import keywords_import
from rules.lifecycle import rule_execute
from rules.models import AutomationRun, EventRecord
from rules.scheduler import schedule_claim_due

pytestmark = pytest.mark.usefixtures("eager")
EVENTS = "/api/v1/automation/events/"


def _inserts(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("INSERT") and "eventrecord" in q["sql"])


def test_it_journals_a_save_with_its_object_changes_and_site(alice):
    keyword = Keyword.objects.create(site=alice.site, text="cold brew", volume=500)
    keyword.status = "clustered"
    keyword.save()
    created, updated, status = EventRecord.objects.order_by("id")
    assert (created.name, created.object_type, created.object_id) == ("keyword.created", "keyword", keyword.pk)
    assert created.object["text"] == "cold brew" and created.site_id == alice.site.pk
    assert created.account_id == alice.account.pk and created.changes == {} and created.causation == {}
    assert (updated.name, status.name) == ("keyword.updated", "keyword.status_changed")
    assert updated.changes["status"] == {"old": "new", "new": "clustered"}


def test_the_events_of_one_transaction_are_written_in_one_insert_even_with_listeners(alice, make_rule):
    make_rule(trigger={"type": "event", "event": "keyword.created"}, conditions={">": [{"var": "object.volume"}, 9e9]})
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(20):
            Keyword.objects.create(site=alice.site, text=f"k{n}", volume=n)
    assert EventRecord.objects.filter(name="keyword.created").count() == 20
    assert _inserts(queries) == 1


def test_an_event_of_a_rolled_back_savepoint_is_not_journaled(alice):
    with transaction.atomic():
        Keyword.objects.create(site=alice.site, text="kept", volume=1)
        try:
            with transaction.atomic():
                Keyword.objects.create(site=alice.site, text="undone", volume=1)
                raise RuntimeError
        except RuntimeError:
            pass
        Keyword.objects.create(site=alice.site, text="kept too", volume=1)
    with transaction.atomic():
        Keyword.objects.create(site=alice.site, text="rolled back", volume=1)
        transaction.set_rollback(True)
    texts = sorted(e.object["text"] for e in EventRecord.objects.filter(name="keyword.created"))
    assert texts == ["kept", "kept too"]


def test_a_bulk_import_is_journaled_in_one_insert_per_chunk(alice):
    rows = [{"text": f"bulk {n}", "volume": n} for n in range(300)]
    with CaptureQueriesContext(connection) as queries:
        keywords_import(site=alice.site, rows=rows)
    assert EventRecord.objects.filter(name="keyword.created").count() == 300
    assert _inserts(queries) <= 3  # one per chunk transaction


def test_custom_events_run_outcomes_webhooks_and_schedule_fires_are_journaled(alice, make_rule):
    emitter = make_rule(name="emitter", actions=[{"type": "emit_event", "params": {"name": "hello", "data": {"n": 1}}}])
    rule_execute(rule=emitter)
    run = AutomationRun.objects.get(rule=emitter)
    custom = EventRecord.objects.get(name="custom.hello")
    assert custom.object == {"n": 1} and custom.causation["parent_run_id"] == run.run_id
    completed = EventRecord.objects.get(name="run.completed")  # journaled although no rule listens to it
    assert completed.object["run_id"] == run.run_id
    hook = make_rule(name="hook", trigger={"type": "webhook"})
    rule_execute(rule=hook, payload={"x": 1}, trigger_type="webhook")
    delivery = EventRecord.objects.get(name="webhook.received")
    assert (delivery.object_id, delivery.object) == (hook.pk, {"rule": hook.pk, "payload": {"x": 1}})
    timer = make_rule(name="timer", trigger={"type": "schedule", "cron": "* * * * *", "timezone": "UTC"})
    type(timer).objects.filter(pk=timer.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
    schedule_claim_due()
    fired = EventRecord.objects.get(name="schedule.fired")
    assert fired.object_id == timer.pk and "scheduled_for" in fired.object["payload"]


def test_the_api_lists_the_accounts_journal_newest_first_filtered_and_in_cursor_pages(alice, bob, charlie, api):
    for n in range(5):
        Keyword.objects.create(site=alice.site, text=f"mine {n}", volume=n)
    Keyword.objects.create(site=charlie.site, text="theirs", volume=1)
    first = api.get(EVENTS, {"event": "keyword.created", "page_size": 3}).json()
    assert [e["object"]["text"] for e in first["results"]] == ["mine 4", "mine 3", "mine 2"]
    assert set(first["results"][0]) == {
        "id",
        "at",
        "event",
        "site",
        "object_type",
        "object_id",
        "object",
        "changes",
        "causation",
    }
    second = api.get(first["next"]).json()
    assert [e["object"]["text"] for e in second["results"]] == ["mine 1", "mine 0"] and second["next"] is None
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert api.get(EVENTS, {"since": future}).json()["results"] == []
    assert (
        api.get(EVENTS, {"object_id": first["results"][0]["object_id"]}).json()["results"][0]["object"]["text"]
        == "mine 4"
    )
    assert all(e["object"].get("text") != "theirs" for e in api.get(EVENTS, {"page_size": 200}).json()["results"])
    bad = api.get(EVENTS, {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()
