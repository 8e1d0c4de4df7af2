"""The pure backtest: events in, the engine's decisions out (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rules.core.backtest import JournalEvent, Subject, backtest, describe_clause
from rules.core.conditions import compile_conditions
from rules.core.conditions.context import evaluation_context

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
BIG_COMMERCIAL = {"and": [{">": [{"var": "object.volume"}, 1000]}, {"==": [{"var": "object.intent"}, "commercial"]}]}


def subject(**overrides) -> Subject:
    fields = {
        "rule_id": 7,
        "site_id": None,
        "watch_fields": frozenset(),
        "conditions": compile_conditions(BIG_COMMERCIAL),
        "mode": "parallel",
        "max_runs": 100,
        "allow_self_trigger": False,
        "max_depth": 5,
        "run_seconds": 60.0,
        "credits_per_run": Decimal("11"),
        "credits_available": None,
    }
    return Subject(**{**fields, **overrides})


def event(n: int, *, volume: int = 5000, intent: str = "commercial", minutes: float = 0, **extra) -> JournalEvent:
    fields = {
        "id": n,
        "at": T0 + timedelta(minutes=minutes or n),
        "name": "keyword.created",
        "site_id": 1,
        "object_type": "keyword",
        "object_id": 100 + n,
        "object": {"id": 100 + n, "volume": volume, "intent": intent},
        "changes": {},
        "causation": {},
    }
    return JournalEvent(**{**fields, **extra})


def context(e: JournalEvent) -> dict:
    event_data = {"name": e.name, "changes": e.changes, "object": e.object}
    return evaluation_context(account_id=1, site={}, event=event_data, payload=None, now=e.at.isoformat())


def test_it_counts_what_would_trigger_and_names_the_clause_that_failed_most():
    events = [event(1), event(2, volume=10), event(3, volume=20), event(4, intent="informational"), event(5)]
    result = backtest(subject(), events, context=context)
    assert (result.events_scanned, result.would_trigger, result.estimated_runs) == (5, 2, 2)
    assert result.estimated_credits == Decimal("22")
    assert result.dropped["conditions"] == 3
    assert result.most_failed_clause == {"clause": "object.volume > 1000", "count": 2}


def test_samples_put_the_would_be_runs_first_with_their_traces():
    events = [event(1, volume=10), event(2), event(3, volume=10)]
    result = backtest(subject(), events, context=context, samples=2)
    assert [(s.event.id, s.decision) for s in result.samples] == [(2, "would_trigger"), (1, "dropped_conditions")]
    assert result.samples[0].estimated_credits == Decimal("11") and result.samples[1].estimated_credits is None
    assert result.samples[0].trace and result.samples[0].trace[-1]["result"] is True


def test_mode_single_drops_what_arrives_while_its_run_would_still_be_running():
    # runs last 60 s: events 30 s apart; the second overlaps the first, the third comes after it ended
    events = [event(1, minutes=0.001), event(2, minutes=0.5), event(3, minutes=1.5)]
    result = backtest(subject(mode="single"), events, context=context)
    assert (result.would_trigger, result.estimated_runs, result.dropped["mode"]) == (3, 2, 1)
    assert [s.decision for s in result.samples] == ["would_trigger", "would_trigger", "dropped_mode"]


def test_mode_queued_waits_then_drops_past_max_runs():
    events = [event(n, minutes=0.01 * n) for n in range(1, 6)]
    result = backtest(subject(mode="queued", max_runs=3), events, context=context)
    assert (result.estimated_runs, result.dropped["mode"]) == (3, 2)


def test_the_accounts_credits_bound_the_runs():
    events = [event(n) for n in range(1, 5)]
    result = backtest(subject(credits_available=Decimal("25")), events, context=context)
    assert (result.would_trigger, result.estimated_runs, result.dropped["budget"]) == (4, 2, 2)
    assert result.estimated_credits == Decimal("22")


def test_the_loop_guard_drops_a_change_made_by_this_rules_own_run():
    own = event(1, causation={"root_event": "keyword.created", "depth": 1, "rule_path": [7]})
    other = event(2, causation={"root_event": "keyword.created", "depth": 1, "rule_path": [8]})
    result = backtest(subject(), [own, other], context=context)
    assert (result.would_trigger, result.dropped["loop_guard"]) == (1, 1)
    assert "re-trigger itself" in next(s.reason for s in result.samples if s.decision == "dropped_loop")


def test_site_and_watched_fields_filter_like_the_dispatcher():
    updated = {"name": "keyword.updated"}
    events = [
        event(1, site_id=2, **updated),
        event(2, changes={"difficulty": {"old": 1, "new": 2}}, **updated),
        event(3, changes={"volume": {"old": 1, "new": 5000}}, **updated),
    ]
    result = backtest(subject(site_id=1, watch_fields=frozenset({"volume"})), events, context=context)
    assert (result.would_trigger, result.dropped["filtered"]) == (1, 2)


def test_no_conditions_means_every_event_triggers():
    result = backtest(subject(conditions=None), [event(1, volume=1), event(2, volume=2)], context=context)
    assert result.would_trigger == 2 and result.most_failed_clause is None


def test_clauses_read_in_plain_notation():
    assert describe_clause({">": [{"var": "object.volume"}, 1000]}) == "object.volume > 1000"
    assert describe_clause({"==": [{"var": "event.name"}, "keyword.created"]}) == 'event.name == "keyword.created"'
    assert describe_clause({"!": [{"var": "object.disabled"}]}) == "not object.disabled"
    assert describe_clause({"in": ["seo", {"var": "object.text"}]}) == '"seo" in object.text'
