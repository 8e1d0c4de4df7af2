"""Reads of the engine for its API: rules with their last run, runs with filters and step counts, trigger
records, the context a rule's conditions are tested against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from backend.accounts.models import Account
from backend.core.input import parse_id
from rules.condition_drops import ConditionDrops, condition_drops
from rules.core.events import source_of
from rules.dispatch import condition_context
from rules.event_sources import event_object
from rules.models import AutomationRule, AutomationRun, EventRecord, RunStep, RunTally, TriggerRecord

RUN_CHOICE_FILTERS = {"status": AutomationRun.Status.values, "trigger_type": AutomationRun.TriggerType.values}
RUN_FILTERS = ("rule", "site", *RUN_CHOICE_FILTERS, "created_after", "created_before")


SHADOW_SUMMARY_DAYS = 7  # a shadow rule's summary covers its trigger records of these last days


def shadow_summaries(rule_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per shadow rule: how often it would have run in the last SHADOW_SUMMARY_DAYS days, the credits those runs
    would have reserved and when it last would have (one query for all the rules)."""
    if not rule_ids:
        return {}
    since = timezone.now() - timedelta(days=SHADOW_SUMMARY_DAYS)
    rows = (
        TriggerRecord.objects.filter(rule_id__in=rule_ids, outcome=TriggerRecord.Outcome.SHADOW, at__gte=since)
        .values("rule_id")
        .annotate(count=Count("id"), credits=Sum("estimated_credits"), last_at=Max("at"))
        .order_by()
    )
    return {row["rule_id"]: row for row in rows}


def with_shadow_summaries(rules: list[AutomationRule]) -> list[AutomationRule]:
    """Set `shadow` (see shadow_summaries) on the shadow rules among `rules` (a page of a list)."""
    found = shadow_summaries([rule.pk for rule in rules if rule.is_shadow])
    for rule in rules:
        if rule.is_shadow:
            rule.shadow = found.get(rule.pk, {})
    return rules


def events_filtered(*, account_id: int, params: Any) -> QuerySet[EventRecord]:
    """The account's journal, newest first, under the events filters (a bad value is a 400 naming it)."""
    events = EventRecord.objects.filter(account_id=account_id)
    for name in ("event", "object_type"):
        if params.get(name):
            events = events.filter(**{"name" if name == "event" else name: params[name]})
    for name, column in (("object_id", "object_id"), ("site", "site_id")):
        if params.get(name):
            try:
                events = events.filter(**{column: parse_id(params[name])})
            except ValueError as exc:
                raise ValidationError({name: [f"'{params[name]}' is not a valid id."]}) from exc
    for name, lookup in (("since", "at__gte"), ("until", "at__lt")):
        if params.get(name):
            events = events.filter(**{lookup: parse_moment(params[name], name)})
    return events


def parse_moment(value: str, name: str) -> datetime:
    """An ISO 8601 time from a query or body (a time without a zone is UTC); a 400 naming `name` if it is not."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({name: [f"'{value}' is not an ISO 8601 date and time (e.g. 2026-12-01T09:00:00Z)."]})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def rules_with_last_run(*, account_id: int) -> QuerySet[AutomationRule]:
    """The account's rules, each with its last run's id, status and time."""
    last = AutomationRun.objects.filter(rule=OuterRef("pk")).order_by("-created_at", "-id")
    return AutomationRule.objects.filter(account_id=account_id).annotate(
        last_run_id=Subquery(last.values("run_id")[:1]),
        last_run_status=Subquery(last.values("status")[:1]),
        last_run_created_at=Subquery(last.values("created_at")[:1]),
    )


def runs_filtered(*, account_id: int, params: Any, detail: bool) -> QuerySet[AutomationRun]:
    """The account's runs under the executions filters (a bad value is a 400 naming the parameter)."""
    runs = AutomationRun.objects.filter(account_id=account_id).select_related("parent_run")
    for name in ("rule", "site"):
        if params.get(name):
            try:
                runs = runs.filter(**{name: parse_id(params[name])})
            except ValueError as exc:
                raise ValidationError({name: [f"'{params[name]}' is not a valid id."]}) from exc
    for name, choices in RUN_CHOICE_FILTERS.items():
        if params.get(name):
            if params[name] not in choices:
                raise ValidationError({name: [f"must be one of {', '.join(choices)}"]})
            runs = runs.filter(**{name: params[name]})
    for name, lookup in (("created_after", "created_at__gte"), ("created_before", "created_at__lte")):
        if params.get(name):
            try:
                when = parse_datetime(params[name])
            except ValueError:
                when = None
            if when is None:
                raise ValidationError({name: ["must be an ISO 8601 date-time"]})
            runs = runs.filter(**{lookup: when})
    if detail:
        return runs.prefetch_related("steps")
    return runs.order_by("-created_at", "-id")  # step counts are added for the page only (add_step_counts)


def runs_counted(*, account_id: int, params: Any) -> int | None:
    """How many runs the account (or, under `rule`, one of its rules) has, from counters rather than a count of
    its history; None under the other filters (the list counts those). Each rule counts the runs made of it
    (execution_count, raised by lifecycle.run_create) and its tallies the pruned ones (rules/retention.py);
    runs whose rule was deleted are counted in their own small index. One query, however many runs are stored.
    Call it after runs_filtered, which refuses bad filter values."""
    if any(params.get(name) for name in RUN_FILTERS if name != "rule"):
        return None
    rules = AutomationRule.objects.filter(account_id=account_id)
    tallies = RunTally.objects.filter(account_id=account_id, rule__isnull=False)
    orphans = AutomationRun.objects.filter(account_id=account_id, rule__isnull=True)
    if params.get("rule"):
        rule_id = parse_id(params["rule"])
        rules, tallies = rules.filter(pk=rule_id), tallies.filter(rule_id=rule_id)
        orphans = orphans.filter(rule_id=rule_id)  # none: a rule's runs have it

    def total(queryset: QuerySet[Any], value: Any) -> Coalesce:
        summed = queryset.order_by().values("account_id").annotate(n=value).values("n")
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    counts = (
        Account.objects.filter(pk=account_id)
        .values(
            made=total(rules, Sum("execution_count")),
            pruned=total(tallies, Sum("runs")),
            orphaned=total(orphans, Count("pk")),
        )
        .first()
    )
    if counts is None:
        return 0
    return max(0, counts["made"] - counts["pruned"]) + counts["orphaned"]


def add_step_counts(runs: list[AutomationRun]) -> None:
    """Set steps_total and steps_completed on a page of runs, in one query."""
    counts = {
        row["run_id"]: row
        for row in RunStep.objects.filter(run_id__in=[run.pk for run in runs])
        .values("run_id")
        .annotate(total=Count("id"), completed=Count("id", filter=Q(status="completed")))
    }
    for run in runs:
        run.steps_total = counts.get(run.pk, {}).get("total", 0)
        run.steps_completed = counts.get(run.pk, {}).get("completed", 0)


def trigger_records(*, rule: AutomationRule, outcome: str | None) -> TriggerHistory:
    """The rule's triggers, newest first: its trigger records, and the condition drops worked out from the
    journal (`rules.condition_drops`); `dropped` is every one that did not start a run."""
    records = TriggerRecord.objects.filter(rule=rule).select_related("run")
    if outcome == "dropped":
        records = records.exclude(outcome__in=["started", "queued"])
    elif outcome:
        if outcome not in TriggerRecord.Outcome.values:
            raise ValidationError(
                {"outcome": [f"must be 'dropped' or one of {', '.join(TriggerRecord.Outcome.values)}"]}
            )
        records = records.filter(outcome=outcome)
    derived = outcome in (None, "", "dropped", TriggerRecord.Outcome.DROPPED_CONDITIONS)
    return TriggerHistory(records, condition_drops(rule) if derived else ConditionDrops([], None))


class TriggerHistory:
    """Trigger records and derived condition drops as one list, newest first, for a paginator: the span of the
    events the drops were worked out from is merged in memory with the records of that span; the older records
    follow, read page by page from the database."""

    def __init__(self, records: QuerySet[TriggerRecord], drops: ConditionDrops) -> None:
        if drops.since is None:
            self.head: list[TriggerRecord] = []
            self.tail = records
        else:
            recent = list(records.filter(at__gte=drops.since))
            self.head = sorted([*recent, *drops.records], key=lambda record: record.at, reverse=True)
            self.tail = records.filter(at__lt=drops.since)

    def count(self) -> int:
        return len(self.head) + self.tail.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[TriggerRecord]:
        start, stop = window.start or 0, window.stop
        head = self.head[start:stop]
        if stop is not None and stop <= len(self.head):
            return head
        offset = max(start - len(self.head), 0)
        return [*head, *self.tail[offset : None if stop is None else stop - len(self.head)]]


def test_context(*, rule: AutomationRule, sample: dict | None = None, object_id: int | None = None) -> dict:
    """The context a rule's conditions are tested against: a sample, or a real object of the account."""
    if sample is not None:
        return {**condition_context(account_id=rule.account_id, site_id=rule.site_id), **sample}
    event = (rule.trigger or {}).get("event", "")
    source = source_of(event)
    if source is None or not source.model:
        raise ValidationError({"object_id": [f"the rule's trigger ({event or 'none'}) has no object type"]})
    obj = apps.get_model(source.model).objects.filter(pk=object_id, account_id=rule.account_id).first()
    if obj is None:
        raise ValidationError({"object_id": [f"no {source.prefix} {object_id} in this account"]})
    event_data = {"name": event, "changes": {}, "object": event_object(obj), "site_id": obj.site_id}
    return condition_context(account_id=rule.account_id, site_id=obj.site_id, event=event_data)
