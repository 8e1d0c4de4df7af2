"""Write operations on rules: create, update (a new version each time), delete, restore, execute."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rules.engine import Causation
from rules.models import AutomationRule, AutomationRuleVersion, AutomationRun
from rules.schedule import next_fire_times, to_utc

VERSIONED_FIELDS = (
    "name",
    "description",
    "site_id",
    "trigger",
    "conditions",
    "actions",
    "mode",
    "max_runs",
    "mode_scope",
    "allow_self_trigger",
    "budget_per_run",
    "is_active",
)


def _snapshot(rule: AutomationRule) -> dict[str, Any]:
    """The versioned fields as JSON (Decimals as strings)."""
    data = {name: getattr(rule, name) for name in VERSIONED_FIELDS}
    data["site"] = data.pop("site_id")
    if data["budget_per_run"] is not None:
        data["budget_per_run"] = str(Decimal(data["budget_per_run"]).quantize(Decimal("0.01")))
    return data


def _derive(rule: AutomationRule) -> None:
    """Fill the denormalised trigger columns and the next scheduled time."""
    trigger = rule.trigger or {}
    rule.trigger_type = trigger.get("type", "manual")
    rule.trigger_event = trigger.get("event", "") if rule.trigger_type == "event" else ""
    if rule.trigger_type == "schedule" and rule.is_active:
        rule.next_run_at = to_utc(next_fire_times(trigger["cron"], trigger["timezone"], n=1)[0])
    else:
        rule.next_run_at = None
    if rule.trigger_type == "webhook" and not rule.webhook_token:
        rule.webhook_token = secrets.token_urlsafe(24)
    if rule.trigger_type != "webhook":
        rule.webhook_token, rule.webhook_secret = None, ""


def _new_secret_if_needed(rule: AutomationRule) -> str | None:
    if rule.trigger_type == "webhook" and not rule.webhook_secret:
        rule.webhook_secret = secrets.token_urlsafe(32)
        return rule.webhook_secret
    return None


@transaction.atomic
def rule_create(*, account_id: int, user=None, **fields: Any) -> tuple[AutomationRule, str | None]:
    """Create a rule at version 1; returns it and the webhook secret when one was made (shown once)."""
    rule = AutomationRule(account_id=account_id, created_by=user, **fields)
    _derive(rule)
    secret = _new_secret_if_needed(rule)
    rule.save()
    AutomationRuleVersion.objects.create(rule=rule, version=1, snapshot=_snapshot(rule), created_by=user)
    return rule, secret


@transaction.atomic
def rule_update(*, rule: AutomationRule, user=None, **fields: Any) -> tuple[AutomationRule, str | None]:
    """Apply changes; any change bumps the version and records a snapshot."""
    rule = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    before = _snapshot(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    _derive(rule)
    secret = _new_secret_if_needed(rule)
    if _snapshot(rule) != before:
        rule.version += 1
        AutomationRuleVersion.objects.create(rule=rule, version=rule.version, snapshot=_snapshot(rule), created_by=user)
    rule.save()
    return rule, secret


def rule_restore(*, rule: AutomationRule, version: int, user=None) -> AutomationRule:
    """Make an earlier version current again (as a new version)."""
    snapshot = AutomationRuleVersion.objects.get(rule=rule, version=version).snapshot
    fields = {k: v for k, v in snapshot.items() if k != "site"}
    fields["site_id"] = snapshot.get("site")
    return rule_update(rule=rule, user=user, **fields)[0]


@transaction.atomic
def rule_rotate_secret(*, rule: AutomationRule) -> str:
    rule = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    rule.webhook_secret = secrets.token_urlsafe(32)
    rule.save(update_fields=["webhook_secret", "updated_at"])
    return rule.webhook_secret


def rule_execute(
    *, rule: AutomationRule, payload: dict | None = None, site_id: int | None = None, trigger_type: str = "manual"
) -> AutomationRun | None:
    """Run a rule now (manual, webhook or scheduled); the mode still applies."""
    from rules.dispatch import trigger_rule

    causation = Causation(root_event=f"{trigger_type}:{rule.id}", event=trigger_type)
    return trigger_rule(
        rule, trigger_type=trigger_type, payload={"payload": payload or {}}, causation=causation, site_id=site_id
    )


def rule_duplicate(*, rule: AutomationRule, user=None) -> AutomationRule:
    fields = {k: v for k, v in _snapshot(rule).items() if k != "site"}
    fields.update(site_id=rule.site_id, name=f"{rule.name} (copy)", is_active=False)
    return rule_create(account_id=rule.account_id, user=user, **fields)[0]


def schedule_claim_due(*, now=None) -> list[AutomationRun]:
    """Fire every due schedule rule exactly once, even with two schedulers ticking at the same time."""
    from rules.schedule import due_fire_times

    now = now or timezone.now()
    fired = []
    for rule in AutomationRule.objects.filter(is_active=True, trigger_type="schedule", next_run_at__lte=now):
        trigger = rule.trigger
        # A rule that never fired counts from just before its first scheduled time.
        since = rule.last_fired_at or (rule.next_run_at - timedelta(microseconds=1))
        due = due_fire_times(
            trigger["cron"], trigger["timezone"], since, now, catch_up=trigger.get("catch_up", "latest")
        )
        next_at = to_utc(due.next_fire_at)
        claimed = AutomationRule.objects.filter(pk=rule.pk, next_run_at=rule.next_run_at).update(
            next_run_at=next_at, last_fired_at=to_utc(due.due[-1]) if due.due else rule.last_fired_at
        )
        if not claimed or not due.due:
            continue  # another scheduler claimed it, or the missed time is skipped by the catch-up policy
        rule.refresh_from_db()
        run = rule_execute(
            rule=rule, payload={"scheduled_for": to_utc(due.due[-1]).isoformat()}, trigger_type="scheduled"
        )
        if run is not None:
            fired.append(run)
    return fired
