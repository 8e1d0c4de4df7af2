"""Dispatching in bulk: the rules of an event and the events of a batch are decided as if one after the other,
and written in a bounded number of statements whatever the number of rules listening."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import Account
from backend.core.redis import get_redis
from backend.planner.models import Keyword
from rules.core.causation import Causation
from rules.dispatch import dispatch_event, dispatch_events
from rules.event_sources import event_object
from rules.lifecycle import _RECORD_COLUMNS, RecordFields, _insert_records
from rules.models import AutomationRun, RunLog, RunStep, TriggerRecord

ON_CREATED = {"type": "event", "event": "keyword.created"}
LOG = [{"type": "log", "params": {"message": "x"}}]


def events(persona, count: int = 1, **fields) -> list[dict]:
    """keyword.created events as the save hook makes them (the keywords inserted without it)."""
    keywords = Keyword.objects.bulk_create(
        [
            Keyword(site=persona.site, account_id=persona.account.pk, **{"text": f"kw {i}", **fields})
            for i in range(count)
        ]
    )
    return [
        {
            "name": "keyword.created",
            "account_id": k.account_id,
            "site_id": k.site_id,
            "object_type": "keyword",
            "object": event_object(k),
            "changes": {},
        }
        for k in keywords
    ]


def outcomes(**filters) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in TriggerRecord.objects.filter(**filters).values_list("outcome", flat=True):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def volume_rules(make_rule, count: int, **fields) -> list:
    """Rule i fires for keywords of volume 100·(i+1) or more."""
    fields.setdefault("mode", "parallel")
    return [
        make_rule(
            name=f"at least {100 * (i + 1)}",
            trigger=ON_CREATED,
            actions=LOG,
            conditions={">=": [{"var": "object.volume"}, 100 * (i + 1)]},
            **fields,
        )
        for i in range(count)
    ]


def test_it_dispatches_an_event_to_many_rules_in_a_bounded_number_of_statements(
    alice, make_rule, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    volume_rules(make_rule, 20)
    first, second = events(alice, 2, volume=500)  # rules 1 to 5 match
    dispatch_event(first, None)  # the account's rules into the index, their conditions compiled

    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_max_num_queries(9):
        runs = dispatch_event(second, None)  # lock, count, runs, steps, counters, logs, records (+ a savepoint)

    assert len(runs) == 5 and {run.status for run in runs} == {"running"}
    assert outcomes(object_id=second["object"]["id"]) == {"started": 5}  # the 15 condition drops are not stored
    assert RunStep.objects.filter(run__in=runs).count() == 5 and RunLog.objects.filter(run__in=runs).count() == 5
    assert len(callbacks) == 1  # one enqueue, after commit, of the five first steps


def test_it_dispatches_an_event_no_rule_matches_without_a_statement(alice, make_rule, django_assert_num_queries):
    volume_rules(make_rule, 20)
    first, second = events(alice, 2, volume=50)
    dispatch_event(first, None)

    with django_assert_num_queries(0):  # the rules come from the index; condition drops are not recorded
        assert dispatch_event(second, None) == []

    assert outcomes(object_id=second["object"]["id"]) == {}


def test_it_writes_each_trigger_record_with_every_field(alice, make_rule, django_capture_on_commit_callbacks):
    started = make_rule(name="started", trigger=ON_CREATED, actions=LOG)
    make_rule(  # its conditions are false: no record
        name="dropped", trigger=ON_CREATED, actions=LOG, conditions={">": [{"var": "object.volume"}, 9]}
    )
    failed = make_rule(name="failed", trigger=ON_CREATED, actions=LOG, conditions={">": [{"var": "object.text"}, 9]})
    [event] = events(alice, text='naïve "quoted"\nline', volume=1)
    causation = Causation(root_event="manual:1", depth=1, rule_path=(99,), run_id="run_x", event="manual")

    with django_capture_on_commit_callbacks(execute=False):
        [run] = dispatch_event(event, causation)

    records = list(TriggerRecord.objects.order_by("rule_id"))
    assert [(r.rule_id, r.outcome, r.run_id) for r in records] == [
        (started.pk, "started", run.pk),
        (failed.pk, "condition_error", None),  # not `dropped`: its conditions were false, which is not recorded
    ]
    assert records[1].reason.startswith("conditions/>: '>' cannot be evaluated with [")
    expected_causation = {**causation.to_dict(), "event": "keyword.created"}
    for record in records:
        assert (record.account_id, record.trigger_type, record.event) == (alice.account.pk, "event", "keyword.created")
        assert (record.object_type, record.object_id) == ("keyword", event["object"]["id"])
        assert record.causation == expected_causation and record.at is not None


def test_it_keeps_any_text_of_a_trigger_record_as_it_was(alice, make_rule):
    rule = make_rule(trigger=ON_CREATED)
    reason = 'naïve "quoted" \\ back\nslash 🙂 \x01'
    shared = RecordFields(alice.account.pk, "event", {"nested": {"list": [1, None, "ü"]}}, "x.y", "keyword", None)

    _insert_records(
        [
            (rule.pk, "dropped_mode", reason, None, shared, None),
            (rule.pk, "shadow", "", None, shared, Decimal("12.50")),
        ]
    )

    first, second = TriggerRecord.objects.order_by("id")
    assert (first.reason, first.outcome, second.reason, second.outcome) == (reason, "dropped_mode", "", "shadow")
    assert (first.estimated_credits, second.estimated_credits) == (None, Decimal("12.50"))
    assert first.causation == {"nested": {"list": [1, None, "ü"]}} and first.object_id is None
    assert (first.event, first.object_type, first.run_id) == ("x.y", "keyword", None)


def test_it_fills_every_column_of_the_trigger_record_table():
    columns = {field.column for field in TriggerRecord._meta.concrete_fields} - {"id"}

    assert set(_RECORD_COLUMNS) == columns and len(_RECORD_COLUMNS) == len(columns)


@pytest.mark.parametrize(
    "mode,expected,statuses",
    [
        ("single", {"started": 1, "dropped_mode": 4}, ["running"]),
        ("queued", {"started": 1, "queued": 2, "dropped_mode": 2}, ["running", "queued", "queued"]),
        ("parallel", {"started": 3, "dropped_mode": 2}, ["running"] * 3),
        ("restart", {"started": 5}, ["cancelled"] * 4 + ["running"]),
    ],
)
def test_it_decides_the_events_of_a_batch_as_one_after_the_other(
    alice, make_rule, mode, expected, statuses, django_capture_on_commit_callbacks
):
    rule = make_rule(mode=mode, max_runs=3, trigger=ON_CREATED, actions=LOG)

    with django_capture_on_commit_callbacks(execute=False):
        dispatch_events([(event, None) for event in events(alice, 5)])

    assert outcomes(rule=rule) == expected
    assert list(AutomationRun.objects.order_by("id").values_list("status", flat=True)) == statuses


def test_it_starts_the_runs_an_account_can_afford_and_refuses_the_others(
    charlie, make_rule, django_capture_on_commit_callbacks
):
    Account.objects.filter(pk=charlie.account.pk).update(credits=Decimal("50"), credits_reserved=Decimal("0"))
    rule = make_rule(
        account_id=charlie.account.pk,
        mode="parallel",
        trigger=ON_CREATED,
        actions=[{"type": "test_charge", "params": {"items": 1, "estimate": 20}}],
    )

    with django_capture_on_commit_callbacks(execute=False):
        runs = dispatch_events([(event, None) for event in events(charlie, 4)])

    assert len(runs) == 2 and all(run.credits_reserved == 20 for run in runs)
    assert outcomes(rule=rule) == {"started": 2, "refused_credits": 2}
    assert AutomationRun.objects.count() == 2  # a refusal makes no run
    assert Account.objects.get(pk=charlie.account.pk).credits_reserved == Decimal("40")


def test_it_bounds_the_active_runs_of_an_account_within_a_batch(
    alice, make_rule, settings, django_capture_on_commit_callbacks
):
    settings.AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT = 3
    rule = make_rule(mode="parallel", max_runs=10, trigger=ON_CREATED, actions=LOG)

    with django_capture_on_commit_callbacks(execute=False):
        dispatch_events([(event, None) for event in events(alice, 5)])

    assert outcomes(rule=rule) == {"started": 3, "dropped_limit": 2}
    reasons = TriggerRecord.objects.filter(outcome="dropped_limit").values_list("reason", flat=True)
    assert all(reason.startswith("account limit: 3 runs are active or waiting, at most 3") for reason in reasons)


def test_it_bounds_the_runs_of_one_root_event_within_a_batch_and_gives_back_what_it_did_not_use(
    alice, make_rule, settings, django_capture_on_commit_callbacks
):
    settings.AUTOMATION_MAX_RUNS_PER_ROOT = 3
    rule = make_rule(mode="parallel", max_runs=10, trigger=ON_CREATED, actions=LOG)
    make_rule(name="never", trigger=ON_CREATED, actions=LOG, conditions={"==": [1, 2]})
    root = Causation(root_event="keyword.import")

    with django_capture_on_commit_callbacks(execute=False):
        dispatch_events([(event, root) for event in events(alice, 5)])

    assert outcomes(rule=rule) == {"started": 3, "dropped_limit": 2}
    assert "fan-out limit: 3 runs already descend from the root event 'keyword.import'" in (
        TriggerRecord.objects.filter(outcome="dropped_limit").first().reason
    )
    assert int(get_redis().get(f"igny8:root-runs:{root.root_id}")) == 3  # the claims for 5 settled at 3


def test_it_dispatches_from_the_index_without_reading_rules(alice, make_rule):
    volume_rules(make_rule, 5)
    first, second = events(alice, 2, volume=50)
    dispatch_event(first, None)

    with CaptureQueriesContext(connection) as captured:
        dispatch_event(second, None)

    assert not [q for q in captured.captured_queries if "rules_automationrule" in q["sql"]]


def site_reads(captured: CaptureQueriesContext) -> int:
    """Queries reading a site for an event's context (not the rule index's load, which reads the inactive sites)."""
    return len([q for q in captured.captured_queries if "accounts_site" in q["sql"] and "is_active" not in q["sql"]])


def test_it_reads_the_site_only_for_conditions_that_read_it(alice, make_rule, django_capture_on_commit_callbacks):
    make_rule(trigger=ON_CREATED, actions=LOG, conditions={">": [{"var": "object.volume"}, 10]})
    first, second = events(alice, 2, volume=50)
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=False):
        dispatch_event(first, None)
    assert site_reads(captured) == 0

    make_rule(
        name="by site", trigger=ON_CREATED, actions=LOG, conditions={"==": [{"var": "site.name"}, alice.site.name]}
    )
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=False):
        runs = dispatch_event(second, None)
    assert site_reads(captured) == 1
    assert {run.rule.name for run in runs} == {"rule", "by site"}
