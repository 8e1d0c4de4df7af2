"""The dispatcher's inbox (real Redis): events posted after commit, drained in batches, recovered after a death."""

from __future__ import annotations

import time

import pytest
from celery.signals import after_task_publish
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.core.redis import get_redis
from backend.planner.models import Keyword
from rules import inbox
from rules.models import AutomationRun, DeadLetter
from rules.queueing import AWAKE, INBOX
from tests.support.celery_worker import purge_queues

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean():
    purge_queues()
    yield
    purge_queues()


@pytest.fixture
def drainers_sent():
    """The drainer tasks published to the broker (nothing consumes them here): their kwargs."""
    sent: list[dict] = []

    def record(sender=None, headers=None, body=None, **_):
        if sender == "rules.dispatch_inbox":
            sent.append(body[1])

    after_task_publish.connect(record, weak=False, dispatch_uid="test-inbox")
    yield sent
    after_task_publish.disconnect(dispatch_uid="test-inbox")


@pytest.fixture
def rule(alice, make_rule):
    return make_rule(mode="parallel", trigger={"type": "event", "event": "keyword.created"})


def save(alice, text: str) -> Keyword:
    with transaction.atomic():
        return Keyword.objects.create(site=alice.site, text=text)


class Died(BaseException):
    """What the test makes a dispatch raise to stand for its worker dying (the real death: tests/faults)."""


def test_a_save_posts_its_event_and_wakes_one_drainer_for_a_burst(alice, rule, drainers_sent):
    for text in ("a", "b", "c"):
        save(alice, text)
    assert get_redis().llen(INBOX) == 3 and not AutomationRun.objects.exists()
    assert drainers_sent == [{}]  # the first post woke a drainer; the others found it awake

    assert inbox.drain("d1") == 3
    runs = AutomationRun.objects.filter(rule=rule)
    assert sorted(run.trigger_payload["object"]["text"] for run in runs) == ["a", "b", "c"]
    assert not get_redis().exists(INBOX, AWAKE, inbox.taken_key("d1"))  # asleep: the next post wakes another
    save(alice, "d")
    assert drainers_sent == [{}, {}]


def test_it_dispatches_the_events_of_a_take_in_one_transaction(alice, rule):
    for index in range(8):
        save(alice, f"k{index}")
    with CaptureQueriesContext(connection) as queries:
        assert inbox.drain("d1") == 8
    assert AutomationRun.objects.filter(rule=rule).count() == 8
    statements = [q["sql"] for q in queries.captured_queries]
    for table in ("rules_automationrun", "rules_runstep", "rules_runlog"):
        assert sum(sql.startswith(f'INSERT INTO "{table}"') for sql in statements) == 1, table  # not 8


def test_a_drainer_gives_its_worker_back_after_its_time_and_sends_the_next(alice, rule, drainers_sent, monkeypatch):
    monkeypatch.setattr(inbox, "TAKE", 2)
    monkeypatch.setattr(inbox, "DRAIN_SECONDS", 0)
    for text in ("a", "b", "c"):
        save(alice, text)
    assert inbox.drain("d1") == 2  # one take, then its time is up
    assert drainers_sent == [{}, {}] and get_redis().exists(AWAKE)  # the successor, behind the queue's others
    assert not get_redis().exists(inbox.taken_key("d1"))
    assert inbox.drain("d2") == 1
    assert AutomationRun.objects.count() == 3


def test_a_redelivered_drainer_dispatches_what_it_took_one_event_at_a_time(alice, rule, monkeypatch):
    for text in ("a", "b", "c"):
        save(alice, text)
    real = inbox.dispatch_events
    monkeypatch.setattr(inbox, "dispatch_events", lambda events: (_ for _ in ()).throw(Died()))
    with pytest.raises(Died):
        inbox.drain("d1")  # its worker dies with three events taken
    assert get_redis().llen(inbox.taken_key("d1")) == 3 and get_redis().llen(INBOX) == 0

    batches: list[int] = []
    monkeypatch.setattr(inbox, "dispatch_events", lambda events: batches.append(len(events)) or real(events))
    assert inbox.drain("d1") == 3  # the same task id again: the broker's redelivery
    assert batches == [1, 1, 1] and AutomationRun.objects.count() == 3
    assert not get_redis().exists(inbox.taken_key("d1"))


def test_an_event_dispatched_again_after_a_death_starts_no_run_twice(alice, rule):
    save(alice, "a")
    taken = inbox._take("d1")  # the take, then the dispatch commits, then the worker dies before its next take
    inbox.dispatch_events([inbox._decoded(item) for item in taken])
    assert AutomationRun.objects.count() == 1
    assert inbox.drain("d1") == 1  # redelivered: the event is dispatched again
    assert AutomationRun.objects.count() == 1  # its run is keyed by its journal id


def test_it_dead_letters_the_event_that_killed_the_worker_and_dispatches_the_others(alice, rule, monkeypatch, settings):
    settings.AUTOMATION_MAX_DELIVERIES = 3
    for text in ("fine", "poison", "also fine"):
        save(alice, text)
    real = inbox.dispatch_events

    def dispatch(events):
        if any(event["object"]["text"] == "poison" for event, _causation in events):
            raise Died()
        return real(events)

    monkeypatch.setattr(inbox, "dispatch_events", dispatch)
    for _delivery in range(3):  # the take, then two redeliveries: each dies on the poison
        with pytest.raises(Died):
            inbox.drain("d1")
    assert [run.trigger_payload["object"]["text"] for run in AutomationRun.objects.all()] == ["fine"]
    assert inbox.drain("d1") == 2  # the fourth delivery sets it aside and goes on
    assert sorted(r.trigger_payload["object"]["text"] for r in AutomationRun.objects.all()) == ["also fine", "fine"]
    letter = DeadLetter.objects.get()
    assert (letter.task, letter.deliveries, letter.account_id) == ("rules.dispatch", 3, alice.account.pk)
    assert letter.args[0][0]["object"]["text"] == "poison" and "died 3 times" in letter.reason
    assert not get_redis().exists(inbox.taken_key("d1"))


def test_beat_adopts_a_lost_drainers_events_and_wakes_one_for_events_nobody_drains(alice, rule, drainers_sent):
    save(alice, "a")
    save(alice, "b")
    inbox._take("lost")  # its whole worker is gone, and its task with it
    client = get_redis()
    assert inbox.recover() == 0  # its lease has not lapsed yet: it may still be working
    client.zadd(inbox.DRAINERS, {"lost": time.time() - 1})
    save(alice, "c")  # posted while the flag (renewed by the lost drainer's take) says someone is awake
    client.delete(AWAKE)  # ... until it lapses
    drainers_sent.clear()
    assert inbox.recover() == 2
    assert drainers_sent == [{"adopt": "lost"}, {}]
    assert inbox.recover() == 0  # not sent twice while they start
    assert inbox.drain("d2", adopt="lost") == 3
    assert AutomationRun.objects.count() == 3
    assert not client.exists(inbox.taken_key("lost")) and not client.zrange(inbox.DRAINERS, 0, -1)


def test_a_take_whose_dispatch_failed_is_adopted_later_and_the_other_events_go_on(
    alice, rule, drainers_sent, monkeypatch
):
    monkeypatch.setattr(inbox, "TAKE", 1)
    save(alice, "a")
    save(alice, "b")
    real = inbox.dispatch_events
    monkeypatch.setattr(inbox, "dispatch_events", lambda events: (_ for _ in ()).throw(RuntimeError("database gone")))
    drainers_sent.clear()
    with pytest.raises(RuntimeError):
        inbox.drain("d1")
    assert drainers_sent == [{}]  # a successor for "b", at once
    monkeypatch.setattr(inbox, "dispatch_events", real)
    assert inbox.drain("d2") == 1
    get_redis().zadd(inbox.DRAINERS, {"d1": time.time() - 1})  # its lease lapses
    assert inbox.recover() == 1 and drainers_sent[-1] == {"adopt": "d1"}
    assert inbox.drain("d3", adopt="d1") == 1
    assert sorted(r.trigger_payload["object"]["text"] for r in AutomationRun.objects.all()) == ["a", "b"]


def test_a_transaction_of_many_events_posts_them_all_and_wakes_one_drainer(alice, drainers_sent):
    from rules.queueing import publish_events

    event = {"name": "keyword.created", "account_id": alice.account.pk, "object": {"id": 1}, "changes": {}}
    publish_events([(event, None)] * 9000)  # more than one Lua script takes as arguments (about 8,000)
    assert get_redis().llen(INBOX) == 9000 and drainers_sent == [{}]
