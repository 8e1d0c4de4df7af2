"""Scheduled tasks as the seeds' client lists them (read-only, one account's): the next fires of its active
schedule rules (`pending`) and its past scheduled runs.

Ids: an upcoming fire is `"<rule id>:<unix seconds>"` (stable until it fires; afterwards the same id finds the run
it started), a past one is its run's `run_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backend.core.input import parse_id
from rules.core.schedule import ScheduleError, next_fire_times, to_utc
from rules.models import AutomationRule, AutomationRun
from rules.progress import step_results

UPCOMING_PER_RULE = 5
PENDING = "pending"
STATUSES = (PENDING, *AutomationRun.Status.values)
UNIX_MAX_DIGITS = 12
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class ScheduledTask:
    """One fire of a schedule rule: upcoming (`pending`, no run yet) or past (its run's status and results)."""

    id: str
    automation_rule: int | None
    rule_name: str
    scheduled_at: datetime
    executed_at: datetime | None = None
    status: str = PENDING
    result: list[dict[str, Any]] | None = None
    error_message: str | None = None
    run_id: str | None = None


class ScheduledTimeline:
    """Upcoming fires (soonest first), then past scheduled runs (newest first): sliceable, so it paginates."""

    def __init__(self, upcoming: list[ScheduledTask], past: QuerySet[AutomationRun] | None) -> None:
        self.upcoming, self.past = upcoming, past
        self._past_count: int | None = None

    def count(self) -> int:
        if self._past_count is None:
            self._past_count = self.past.count() if self.past is not None else 0
        return len(self.upcoming) + self._past_count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[ScheduledTask]:
        start, stop = key.start or 0, key.stop if key.stop is not None else self.count()
        head = self.upcoming[start:stop]
        if self.past is None:
            return head
        offset = len(self.upcoming)
        runs = self.past[max(0, start - offset) : max(0, stop - offset)].prefetch_related("steps")
        return head + [past_task(run) for run in runs]


def scheduled_tasks_list(
    *, account_id: int, rule_id: int | None = None, status: str | None = None, now: datetime | None = None
) -> ScheduledTimeline:
    """The account's scheduled tasks, optionally of one rule and in one status (`pending`: upcoming only)."""
    now = now or timezone.now()
    upcoming: list[ScheduledTask] = []
    if status in (None, PENDING):
        rules = AutomationRule.objects.filter(account_id=account_id, is_active=True, trigger_type="schedule")
        for rule in rules.filter(pk=rule_id) if rule_id is not None else rules:
            upcoming += upcoming_fires(rule, now=now)
        upcoming.sort(key=lambda task: (task.scheduled_at, task.id))
    past = None
    if status != PENDING:
        past = AutomationRun.objects.filter(account_id=account_id, trigger_type=AutomationRun.TriggerType.SCHEDULED)
        past = past.filter(rule_id=rule_id) if rule_id is not None else past
        past = (past.filter(status=status) if status else past).order_by("-created_at", "-id")
    return ScheduledTimeline(upcoming, past)


def scheduled_task_get(*, account_id: int, task_id: str) -> ScheduledTask | None:
    """One of the account's scheduled tasks by id, or None (another account's is None too)."""
    if ":" not in task_id:
        run = AutomationRun.objects.filter(
            account_id=account_id, trigger_type=AutomationRun.TriggerType.SCHEDULED, run_id=task_id
        ).first()
        return past_task(run) if run is not None else None
    parsed = _parse_fire_id(task_id)
    if parsed is None:
        return None
    rule = AutomationRule.objects.filter(account_id=account_id, pk=parsed[0], trigger_type="schedule").first()
    if rule is None:
        return None
    at = parsed[1]
    run = AutomationRun.objects.filter(
        rule=rule,
        trigger_type=AutomationRun.TriggerType.SCHEDULED,
        trigger_payload__payload__scheduled_for=at.isoformat(),
    ).first()
    if run is not None:
        return past_task(run)  # the fire happened: its id now finds the run it started
    return _pending_fire(rule, at)


def upcoming_fires(rule: AutomationRule, *, now: datetime, n: int = UPCOMING_PER_RULE) -> list[ScheduledTask]:
    """The rule's next `n` fires: the one the scheduler will claim next (even if just due), then the cron's."""
    if not rule.is_active or rule.next_run_at is None:
        return []
    trigger = rule.trigger or {}
    try:
        after = max(rule.next_run_at - _JUST_BEFORE, now)
        times = [to_utc(t) for t in next_fire_times(trigger["cron"], trigger["timezone"], n=n, after=after)]
    except (KeyError, ScheduleError):
        return []
    if rule.next_run_at <= now:
        times = [rule.next_run_at, *times[: n - 1]]  # due, the next scheduler tick fires it
    return [_upcoming(rule, at) for at in times]


def past_task(run: AutomationRun) -> ScheduledTask:
    """A scheduled run as a scheduled task: the fire time it was for, when it started, how it went."""
    payload = (run.trigger_payload or {}).get("payload") or {}
    scheduled = payload.get("scheduled_for")
    scheduled_at = parse_datetime(scheduled) if isinstance(scheduled, str) else None
    return ScheduledTask(
        id=run.run_id,
        automation_rule=run.rule_id,
        rule_name=run.rule_name,
        scheduled_at=scheduled_at or run.created_at,
        executed_at=run.started_at,
        status=run.status,
        result=step_results(list(run.steps.all())),
        error_message=run.error_message or None,
        run_id=run.run_id,
    )


def _upcoming(rule: AutomationRule, at: datetime) -> ScheduledTask:
    return ScheduledTask(
        id=f"{rule.pk}:{int(at.timestamp())}", automation_rule=rule.pk, rule_name=rule.name, scheduled_at=at
    )


def _pending_fire(rule: AutomationRule, at: datetime) -> ScheduledTask | None:
    """The fire `at` of the rule when it is still to come (a time its cron fires at, not before the next claim)."""
    if not rule.is_active or rule.next_run_at is None or at < rule.next_run_at:
        return None
    trigger = rule.trigger or {}
    try:
        fire = to_utc(next_fire_times(trigger["cron"], trigger["timezone"], n=1, after=at - _JUST_BEFORE)[0])
    except (KeyError, ScheduleError):
        return None
    return _upcoming(rule, at) if fire == at else None


def _parse_fire_id(task_id: str) -> tuple[int, datetime] | None:
    """(rule id, fire time) from `"<rule id>:<unix seconds>"`, or None when it is not one."""
    rule_part, _, time_part = task_id.partition(":")
    if not (time_part.isascii() and time_part.isdigit() and len(time_part) <= UNIX_MAX_DIGITS):
        return None
    try:
        return parse_id(rule_part), datetime.fromtimestamp(int(time_part), UTC)
    except (ValueError, OverflowError, OSError):
        return None
