"""The schedule trigger's clock: beat's tick fires every due schedule rule, exactly once across schedulers."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rules.core.schedule import due_fire_times, to_utc
from rules.lifecycle import rule_execute
from rules.models import AutomationRule, AutomationRun


def schedule_claim_due(*, now: datetime | None = None) -> list[AutomationRun]:
    """Fire every due schedule rule exactly once, even with two schedulers ticking at the same time."""
    now = now or timezone.now()
    fired = []
    due_rules = AutomationRule.objects.filter(is_active=True, trigger_type="schedule", next_run_at__lte=now).annotate(
        site_active=Coalesce(F("site__is_active"), Value(True))
    )
    for rule in due_rules:
        trigger = rule.trigger
        # A rule that never fired counts from just before its first scheduled time.
        since = rule.last_fired_at or (rule.next_run_at - timedelta(microseconds=1))
        catch_up = trigger.get("catch_up", "latest")
        due = due_fire_times(trigger["cron"], trigger["timezone"], since, now, catch_up=catch_up)
        next_at = to_utc(due.next_fire_at)
        # The claim is a conditional write: of two schedulers, one moves next_run_at and fires.
        claimed = AutomationRule.objects.filter(pk=rule.pk, next_run_at=rule.next_run_at).update(
            next_run_at=next_at, last_fired_at=to_utc(due.due[-1]) if due.due else rule.last_fired_at
        )
        if not claimed or not due.due:
            continue  # another scheduler claimed it, or the missed time is skipped by the catch-up policy
        if not rule.site_active:
            continue  # a deactivated site's automation does not run: its fire times pass unfired
        rule.refresh_from_db()
        result = rule_execute(
            rule=rule, payload={"scheduled_for": to_utc(due.due[-1]).isoformat()}, trigger_type="schedule"
        )
        if result.run is not None:
            fired.append(result.run)
    return fired
