"""Large keyword imports: capped, dispatched in batches, and never in another tenant's way."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection

from backend.planner.models import Keyword
from tests.support.celery_worker import purge_queues

ROWS = 10_000


def broker_messages(queue: str = "default") -> int:
    """Messages waiting in a Celery queue of the real broker (no worker runs in these tests)."""
    from backend.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


@pytest.mark.django_db(transaction=True)
def test_it_dispatches_a_10000_row_import_in_batches_not_one_task_per_keyword(alice, api, make_rule):
    make_rule(trigger={"type": "event", "event": "keyword.created"})
    purge_queues()
    keywords = [{"text": f"keyword {i}"} for i in range(ROWS)]
    answer = api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": keywords}, format="json")
    try:
        assert answer.status_code == 201 and answer.json()["created"] == ROWS, answer.content[:300]
        assert Keyword.objects.filter(site=alice.site).count() == ROWS
        assert broker_messages() == ROWS // 200  # chunks of 200 events per dispatch task
    finally:
        purge_queues()


def test_it_refuses_a_csv_beyond_the_row_cap_and_saves_nothing(alice, api, settings):
    settings.KEYWORD_IMPORT_MAX_ROWS = 100
    text = "keyword,volume\n" + "".join(f"kw {i},{i}\n" for i in range(101))
    upload = io.BytesIO(text.encode())
    upload.name = "big.csv"
    answer = api.post("/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": upload}, format="multipart")
    assert answer.status_code == 400 and "KEYWORD_IMPORT_MAX_ROWS" in answer.json()["file"][0]
    assert not Keyword.objects.filter(site=alice.site).exists()


def test_it_refuses_a_bulk_create_beyond_the_row_cap(alice, api, settings):
    rows = [{"text": f"kw {i}"} for i in range(settings.KEYWORD_IMPORT_MAX_ROWS + 1)]
    answer = api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": rows}, format="json")
    assert answer.status_code == 400 and "KEYWORD_IMPORT_MAX_ROWS" in answer.json()["keywords"][0]
    assert not Keyword.objects.filter(site=alice.site).exists()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_another_tenants_writes_working_during_a_large_import(alice, charlie, api):
    """The import commits in chunks of its own transactions: charlie's creates meanwhile all succeed."""
    keywords = [{"text": f"keyword {i}"} for i in range(ROWS)]
    answers: list[int] = []

    def import_all() -> None:
        try:
            answers.append(
                api.post(
                    "/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": keywords}, format="json"
                ).status_code
            )
        finally:
            connection.close()

    importer = threading.Thread(target=import_all)
    importer.start()
    client, theirs = charlie.client(), []
    while importer.is_alive() or not theirs:
        body = {"site": charlie.site.pk, "text": f"charlie {len(theirs)}"}
        theirs.append(client.post("/api/v1/keywords/", body, format="json").status_code)
    importer.join()
    purge_queues()
    assert answers == [201]
    assert theirs and set(theirs) == {201}, theirs
    assert Keyword.objects.filter(site=charlie.site).count() == len(theirs)


def test_an_imports_events_are_journaled_at_once_and_their_condition_drops_not_written(alice, api, make_rule, eager):
    """No (keyword, rule) pair whose conditions were false is written: each is worked out from the journal."""
    from django.test.utils import CaptureQueriesContext

    from rules.condition_drops import condition_drops
    from rules.models import AutomationRun, TriggerRecord

    never = {">": [{"var": "object.volume"}, 10**9]}
    on_created = {"type": "event", "event": "keyword.created"}
    rules = [make_rule(name=f"r{i}", trigger=on_created, conditions=never) for i in range(3)]
    count = 500
    keywords = [{"text": f"keyword {i}", "volume": i} for i in range(count)]

    with CaptureQueriesContext(connection) as captured:
        answer = api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": keywords}, format="json")

    assert answer.status_code == 201
    assert not AutomationRun.objects.exists() and not TriggerRecord.objects.exists()
    assert not [q for q in captured.captured_queries if 'INSERT INTO "rules_triggerrecord"' in q["sql"]]
    journal = [q for q in captured.captured_queries if 'INSERT INTO "rules_eventrecord"' in q["sql"]]
    assert len(journal) == 1  # the import's 500 events, after its transaction
    for rule in rules:
        drops = condition_drops(rule).records
        assert len(drops) == count and {d.object_id for d in drops} == set(Keyword.objects.values_list("pk", flat=True))
