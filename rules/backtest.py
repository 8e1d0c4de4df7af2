"""Backtests and replays of a rule over the event journal.

`rule_backtest` reads the journal events the rule's trigger would have seen in a time range (a schedule's fire
times are computed from its cron) and hands them to the pure `rules.core.backtest.backtest`, with what it needs
from the database read once: the sites the conditions see, how long the rule's runs last, what a run would
reserve and the account's credits. `rule_replay` sends a range of journal events to one rule through the
dispatcher's own path (site and field filters, loop guard, conditions, mode, limits). A journaled event's runs,
live or replayed, carry the key `event:<journal id>:<rule>:v<version>`, so a replay starts nothing its event
already started for that version of the rule (live, or by an earlier replay).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Avg, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from backend.accounts.models import Account, Site
from rules.core import backtest as core
from rules.core.causation import DEFAULT_MAX_DEPTH, Causation
from rules.core.conditions import compile_conditions
from rules.core.conditions.context import evaluation_context
from rules.core.schedule import next_fire_times
from rules.dispatch import Event, replay_to_rule
from rules.lifecycle import ALREADY_REPLAYED, Trigger, rule_estimate, run_key, trigger_rules
from rules.models import AutomationRule, AutomationRun, EventRecord

_COLUMNS = ("id", "at", "name", "site_id", "object_type", "object_id", "object", "changes", "causation")


class NothingToBacktest(Exception):
    """The rule's trigger sees no events (a manual rule)."""


@dataclass
class BacktestAnswer:
    since: datetime
    until: datetime
    result: core.Backtest
    truncated: bool


def rule_backtest(*, rule: AutomationRule, since: datetime, until: datetime) -> BacktestAnswer:
    """What `rule` (saved, or a draft: an unsaved instance, its pk set when it edits a saved rule) would have done
    on the events of [since, until)."""
    limit = settings.AUTOMATION_BACKTEST_MAX_EVENTS
    events = list(journal_events(rule, since, until, limit + 1))
    subject = backtest_subject(rule)
    result = core.backtest(subject, events[:limit], context=backtest_context(rule, subject))
    return BacktestAnswer(since, until, result, truncated=len(events) > limit)


def backtest_subject(rule: AutomationRule) -> core.Subject:
    """The rule as the backtest sees it, with what it reads once: its runs' length, its estimate, the credits."""
    return core.Subject(
        rule_id=rule.pk,
        site_id=rule.site_id,
        watch_fields=frozenset((rule.trigger or {}).get("fields") or ()),
        conditions=compile_conditions(rule.conditions) if rule.trigger_type == "event" else None,
        mode=rule.mode,
        max_runs=rule.max_runs,
        allow_self_trigger=rule.allow_self_trigger,
        max_depth=int(getattr(settings, "AUTOMATION_MAX_DEPTH", DEFAULT_MAX_DEPTH)),
        run_seconds=_run_seconds(rule),
        credits_per_run=rule_estimate(rule, site_id=rule.site_id),
        credits_available=Account.objects.get(pk=rule.account_id).credits_available,
    )


def backtest_context(rule: AutomationRule, subject: core.Subject) -> Callable[[core.JournalEvent], dict[str, Any]]:
    """How an event's condition context is built: as the dispatcher builds it, with only the parts the conditions
    read (what they cannot read needs neither building nor checking against the context's bounds)."""
    roots = subject.conditions.roots if subject.conditions is not None else frozenset()
    sites = site_infos(rule.account_id) if roots is None or "site" in roots else {}

    def context(event: core.JournalEvent) -> dict[str, Any]:
        if roots is not None and roots <= {"object"}:
            return {"object": event.object}
        full = journal_context(rule.account_id, sites.get(event.site_id, {}), event)
        return full if roots is None else {key: full[key] for key in roots if key in full}

    return context


def journal_context(account_id: int, site: dict[str, Any], event: core.JournalEvent) -> dict[str, Any]:
    """The condition context the dispatcher built for a journal event (the event's time as `now`)."""
    return evaluation_context(
        account_id=account_id,
        site=site,
        event={"name": event.name, "changes": event.changes, "object": event.object},
        payload=None,
        now=event.at.isoformat(),
    )


def journal_events(rule: AutomationRule, since: datetime, until: datetime, limit: int) -> Iterator[core.JournalEvent]:
    """The events the rule's trigger would have seen, oldest first."""
    trigger = rule.trigger or {}
    kind = trigger.get("type", rule.trigger_type)
    if kind == "schedule":
        yield from _fire_times(rule, trigger, since, until, limit)
        return
    journal = EventRecord.objects.filter(account_id=rule.account_id, at__gte=since, at__lt=until)
    if kind == "event":
        journal = journal.filter(name=trigger.get("event", ""))
        if rule.site_id is not None:
            journal = journal.filter(site_id=rule.site_id)
    elif kind == "webhook" and rule.pk:
        journal = journal.filter(name="webhook.received", object_id=rule.pk)
    elif kind == "webhook":
        return  # a draft's webhook URL has never been called
    else:
        raise NothingToBacktest(f"a {kind} rule has no events to backtest: it runs only when someone runs it")
    yield from read_journal(journal.order_by("at", "id"), limit)


def read_journal(journal: QuerySet[EventRecord], limit: int) -> Iterator[core.JournalEvent]:
    """The rows as events, read through a plain cursor: the ORM's converters decode every JSON column of every
    row, and most rows' changes and causation are empty (`{}`, decoded once here). PostgreSQL hands the time
    over as seconds since the epoch: making an aware datetime of a timestamptz took more than half the read."""
    connection = connections[journal.db]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(EventRecord._meta.db_table)
        journal = journal.annotate(
            epoch=RawSQL(f"EXTRACT(EPOCH FROM {table}.{connection.ops.quote_name('at')})::float8", ())
        )
        columns = ("id", "epoch", *_COLUMNS[2:])
    else:
        columns = _COLUMNS
    sql, params = journal.values_list(*columns)[:limit].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            for id_, at, name, site_id, object_type, object_id, obj, changes, causation in batch:
                yield core.JournalEvent(
                    id_,
                    _moment(at),
                    name,
                    site_id,
                    object_type,
                    object_id,
                    _json(obj),
                    _json(changes),
                    _json(causation),
                )


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a driver that decodes JSON itself
    return {} if value == "{}" else json.loads(value)


def _moment(value: Any) -> datetime:
    if isinstance(value, float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)  # SQLite: UTC without its zone


def _fire_times(
    rule: AutomationRule, trigger: dict[str, Any], since: datetime, until: datetime, limit: int
) -> Iterator[core.JournalEvent]:
    after, count = since - timedelta(microseconds=1), 0
    while count < limit:
        times = next_fire_times(trigger["cron"], trigger.get("timezone", "UTC"), n=min(500, limit - count), after=after)
        for at in times:
            if at >= until:
                return
            count += 1
            data = {"rule": rule.pk, "payload": {"scheduled_for": at.isoformat()}}
            yield core.JournalEvent(None, at, "schedule.fired", rule.site_id, "schedule", rule.pk, data, {}, {})
        after = times[-1]


def site_infos(account_id: int) -> dict[int | None, dict[str, Any]]:
    rows = Site.objects.filter(account_id=account_id).values("id", "name", "domain", "timezone")
    return {row["id"]: row for row in rows}


def _run_seconds(rule: AutomationRule) -> float:
    """How long the rule's runs last: the average of its last 50 finished runs, else the setting."""
    if rule.pk:
        recent = (
            AutomationRun.objects.filter(rule_id=rule.pk, status__in=AutomationRun.FINISHED, started_at__isnull=False)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:50]
        )
        average = (
            AutomationRun.objects.filter(pk__in=list(recent))
            .annotate(length=F("completed_at") - F("started_at"))
            .aggregate(avg=Avg("length"))["avg"]
        )
        if average is not None:
            return max(average.total_seconds(), 0.001)
    return float(settings.AUTOMATION_BACKTEST_RUN_SECONDS)


# --- replay -----------------------------------------------------------------------------------


class ReplayTooLarge(Exception):
    pass


def rule_replay(*, rule: AutomationRule, since: datetime, until: datetime) -> dict[str, Any]:
    """Send the journal events of [since, until) that the rule's trigger sees to the rule, as the dispatcher
    would have; a run an earlier replay of the same event and rule version started is not started again."""
    if rule.trigger_type not in ("event", "webhook"):
        raise NothingToBacktest(f"a {rule.trigger_type} rule has no journal events to replay")
    limit = settings.AUTOMATION_MAX_REPLAY_EVENTS
    events = list(journal_events(rule, since, until, limit + 1))
    if len(events) > limit:
        raise ReplayTooLarge(
            f"the range holds more than {limit} events for this rule (AUTOMATION_MAX_REPLAY_EVENTS): "
            "replay a shorter one"
        )
    keyed = []
    for event in events:
        cause = Causation.from_dict(event.causation)
        # Each replayed event is a root of its own for the fan-out limit; the loop guard sees its causation.
        keyed.append((event, replace(cause, root_event=cause.root_event or event.name, root_id=f"replay-{event.id}")))
    if rule.trigger_type == "webhook":
        triggers = [
            Trigger(
                rule.pk,
                "webhook",
                {"payload": event.object.get("payload") or {}},
                cause,
                rule.site_id,
                idempotency_key=run_key(event.id, rule.pk, rule.version),
            )
            for event, cause in keyed
        ]
        results, dropped = trigger_rules(triggers, active_only=False), 0
    else:
        results, dropped = replay_to_rule(rule, [(_dispatch_event(rule, event), cause) for event, cause in keyed])
    # The answer's counts, by trigger outcome (started, queued, shadow, already replayed); every other one dropped.
    counts = {"started": 0, "queued": 0, "shadow": 0, ALREADY_REPLAYED: 0, "dropped": dropped}
    for result in results:
        outcome = result.outcome if result is not None else "dropped"
        key = outcome if outcome in counts else "dropped"
        counts[key] += 1
    run_ids = [result.run.run_id for result in results if result is not None and result.run is not None]
    return {"events_scanned": len(events), **counts, "run_ids": run_ids}


def _dispatch_event(rule: AutomationRule, event: core.JournalEvent) -> Event:
    return {
        "name": event.name,
        "account_id": rule.account_id,
        "site_id": event.site_id,
        "object_type": event.object_type,
        "object": event.object,
        "changes": event.changes,
        "journal_id": event.id,
    }
