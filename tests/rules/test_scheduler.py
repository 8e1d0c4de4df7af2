from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rules.models import AutomationRule, AutomationRun
from rules.scheduler import schedule_claim_due


def _due(rule: AutomationRule, minutes_ago: int) -> None:
    AutomationRule.objects.filter(pk=rule.pk).update(next_run_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_it_fires_a_due_schedule_once_and_moves_next_run_at(make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(trigger={"type": "schedule", "cron": "* * * * *", "timezone": "UTC"})
    _due(rule, 1)
    with django_capture_on_commit_callbacks(execute=False):
        assert len(schedule_claim_due()) == 1
        assert schedule_claim_due() == []
    rule.refresh_from_db()
    assert rule.next_run_at > timezone.now() and rule.last_fired_at is not None
    run = AutomationRun.objects.get()
    assert run.trigger_type == "scheduled" and "scheduled_for" in run.trigger_payload["payload"]


def test_a_deactivated_sites_schedule_passes_without_running_and_does_not_pile_up(
    alice, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(site=alice.site, trigger={"type": "schedule", "cron": "* * * * *", "timezone": "UTC"})
    alice.site.is_active = False
    alice.site.save()
    _due(rule, 30)
    with django_capture_on_commit_callbacks(execute=False):
        assert schedule_claim_due() == []
    rule.refresh_from_db()
    assert AutomationRun.objects.count() == 0 and rule.next_run_at > timezone.now()

    alice.site.is_active = True
    alice.site.save()
    _due(rule, 1)  # a minute later: the next fire time, the first since the site was activated again
    AutomationRule.objects.filter(pk=rule.pk).update(last_fired_at=timezone.now() - timedelta(seconds=90))
    with django_capture_on_commit_callbacks(execute=False):
        assert len(schedule_claim_due()) == 1  # one run for that time, none for the 30 that passed


def test_it_catches_up_once_for_many_missed_times(make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(trigger={"type": "schedule", "cron": "* * * * *", "timezone": "UTC"})
    _due(rule, 90)
    with django_capture_on_commit_callbacks(execute=False):
        schedule_claim_due()
    assert AutomationRun.objects.count() == 1


def test_it_skips_missed_times_with_catch_up_none(make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(trigger={"type": "schedule", "cron": "0 3 * * *", "timezone": "UTC", "catch_up": "none"})
    _due(rule, 60 * 30)
    AutomationRule.objects.filter(pk=rule.pk).update(last_fired_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=False):
        schedule_claim_due()
    assert AutomationRun.objects.count() == 0
    rule.refresh_from_db()
    assert rule.next_run_at > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_it_fires_each_due_schedule_once_with_two_schedulers(make_rule):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent schedulers need PostgreSQL row locking")
    rules = [
        make_rule(name=f"r{i}", trigger={"type": "schedule", "cron": "* * * * *", "timezone": "UTC"}, mode="parallel")
        for i in range(10)
    ]
    for rule in rules:
        _due(rule, 1)
    barrier = threading.Barrier(2)

    def tick():
        barrier.wait()
        try:
            schedule_claim_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(AutomationRun.objects.values_list("rule_id", flat=True)) == sorted(r.id for r in rules)
