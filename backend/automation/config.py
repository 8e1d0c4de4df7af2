"""The pipeline's configuration is its preset rule: this module reads the seeds' config fields from the rule
and writes them back into it, so the Automation settings and the rule editor edit one thing.

Only the run notifications, which are no part of a rule, live in AutomationConfig.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from datetime import datetime, time
from typing import Any

from rules.core.schedule import describe_cron
from rules.models import AutomationRule

STAGE_COUNT = 7
BATCHED_STAGES = range(1, 7)
CONCURRENT_STAGES = (4, 6)
FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class PipelineConfig:
    """The seeds' AutomationConfig fields of one site, as its preset rule holds them."""

    site_id: int
    rule_id: int
    is_enabled: bool
    frequency: str  # daily | weekly | monthly | custom (a cron set in the rule editor)
    scheduled_time: time  # in `timezone`
    scheduled_weekday: int  # weekly: 0 Monday … 6 Sunday
    scheduled_day_of_month: int  # monthly: 1–28
    timezone: str
    schedule_description: str
    stage_1_batch_size: int
    stage_2_batch_size: int
    stage_3_batch_size: int
    stage_4_batch_size: int
    stage_5_batch_size: int
    stage_6_batch_size: int
    within_stage_delay: int
    between_stage_delay: int
    stage_1_enabled: bool
    stage_2_enabled: bool
    stage_3_enabled: bool
    stage_4_enabled: bool
    stage_5_enabled: bool
    stage_6_enabled: bool
    stage_7_enabled: bool
    stage_4_concurrency: int
    stage_6_concurrency: int
    ideas_per_cluster: int
    notify_email: bool
    notify_webhook_url: str
    notify_on_complete: bool
    notify_on_fail: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


# --- the schedule: config fields <-> a 5-field cron ---------------------------------------------


def schedule_from_cron(cron: str) -> dict[str, Any]:
    """frequency, scheduled_time, scheduled_weekday and scheduled_day_of_month of a cron ('custom' if none fit)."""
    parts = cron.split()
    found: dict[str, Any] = {"frequency": "custom", "scheduled_weekday": 0, "scheduled_day_of_month": 1}
    if len(parts) != 5 or not (parts[0].isdigit() and parts[1].isdigit()):
        return {**found, "scheduled_time": time(0, 0)}
    minute, hour, day, month, weekday = parts
    found["scheduled_time"] = time(int(hour) % 24, int(minute) % 60)
    if month != "*":
        return found
    if day == "*" and weekday == "*":
        found["frequency"] = "daily"
    elif day == "*" and weekday.isdigit():
        found.update(frequency="weekly", scheduled_weekday=(int(weekday) + 6) % 7)  # cron: 0 or 7 is Sunday
    elif day.isdigit() and weekday == "*" and 1 <= int(day) <= 28:
        found.update(frequency="monthly", scheduled_day_of_month=int(day))
    return found


def cron_from_schedule(frequency: str, at: time, weekday: int, day_of_month: int) -> str:
    """The cron of a daily, weekly (on `weekday`, 0 Monday) or monthly (on `day_of_month`) schedule."""
    if frequency == "weekly":
        return f"{at.minute} {at.hour} * * {(weekday + 1) % 7}"
    if frequency == "monthly":
        return f"{at.minute} {at.hour} {day_of_month} * *"
    return f"{at.minute} {at.hour} * * *"


# --- reading ------------------------------------------------------------------------------------


def stage_params(rule: AutomationRule) -> dict[int, dict[str, Any]]:
    """Each stage's params, by stage number."""
    return {int(step["params"]["stage"]): step["params"] for step in rule.actions if "stage" in step.get("params", {})}


def config_from_rule(rule: AutomationRule, *, notify: Any, last_run_at: datetime | None) -> PipelineConfig:
    """The seeds' config fields, read from the preset rule (and the notification settings)."""
    stages = stage_params(rule)
    trigger = rule.trigger or {}
    cron = trigger.get("cron", "")
    values: dict[str, Any] = {
        "site_id": rule.site_id,
        "rule_id": rule.pk,
        "is_enabled": rule.is_active,
        "timezone": trigger.get("timezone", "UTC"),
        "schedule_description": describe_cron(cron) if cron else "",
        **schedule_from_cron(cron),
        "within_stage_delay": int(stages.get(1, {}).get("delay_seconds", 0)),
        "between_stage_delay": int(stages.get(2, {}).get("wait_before_seconds", 0)),
        "ideas_per_cluster": int(stages.get(2, {}).get("ideas_per_cluster", 3)),
        "notify_email": notify.notify_email,
        "notify_webhook_url": notify.notify_webhook_url,
        "notify_on_complete": notify.notify_on_complete,
        "notify_on_fail": notify.notify_on_fail,
        "next_run_at": rule.next_run_at,
        "last_run_at": last_run_at,
        "updated_at": max(rule.updated_at, notify.updated_at) if notify.updated_at else rule.updated_at,
    }
    for n in range(1, STAGE_COUNT + 1):
        values[f"stage_{n}_enabled"] = stages.get(n, {}).get("enabled", True) is not False
    for n in BATCHED_STAGES:
        values[f"stage_{n}_batch_size"] = int(stages.get(n, {}).get("batch_size", 1))
    for n in CONCURRENT_STAGES:
        values[f"stage_{n}_concurrency"] = int(stages.get(n, {}).get("concurrency", 1))
    return PipelineConfig(**values)


# --- writing ------------------------------------------------------------------------------------


def rule_changes(rule: AutomationRule, changes: dict[str, Any]) -> dict[str, Any]:
    """The rule fields (trigger, actions, is_active) that carry config `changes`; other params stay as they are."""
    current = config_from_rule(rule, notify=_NoNotify(), last_run_at=None)
    merged = {**{name: getattr(current, name) for name in PipelineConfig.field_names()}, **changes}
    actions = copy.deepcopy(rule.actions)
    for step in actions:
        params, n = step["params"], step["params"].get("stage")
        if n is None:
            continue
        params["enabled"] = merged[f"stage_{n}_enabled"]
        if n in BATCHED_STAGES:
            params["batch_size"] = merged[f"stage_{n}_batch_size"]
        if n in CONCURRENT_STAGES:
            params["concurrency"] = merged[f"stage_{n}_concurrency"]
        if n == 2:
            params["ideas_per_cluster"] = merged["ideas_per_cluster"]
        _set_or_drop(params, "delay_seconds", merged["within_stage_delay"])
        if n > 1:
            _set_or_drop(params, "wait_before_seconds", merged["between_stage_delay"])
    result: dict[str, Any] = {"actions": normalize_stages(actions), "is_active": merged["is_enabled"]}
    if merged["frequency"] != "custom":
        trigger = dict(rule.trigger)
        trigger["cron"] = cron_from_schedule(
            merged["frequency"],
            merged["scheduled_time"],
            merged["scheduled_weekday"],
            merged["scheduled_day_of_month"],
        )
        result["trigger"] = trigger
    return result


def _set_or_drop(params: dict[str, Any], key: str, value: int) -> None:
    if value:
        params[key] = value
    else:
        params.pop(key, None)


def normalize_stages(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a stage waits for follows from which stages are on.

    The strict handover is from the nearest earlier stage that is on (a stage that is off leaves its queue
    alone by choice). The review gate takes drafts whose images are done when image prompts and images are
    both on; when either is off it takes every draft (images stay pending, to be made later or not at all).
    """
    actions = copy.deepcopy(actions)
    enabled_before: list[str] = []
    by_stage = {step["params"]["stage"]: step for step in actions if "stage" in step.get("params", {})}
    for n in sorted(by_stage):
        params = by_stage[n]["params"]
        if n > 1:
            if enabled_before:
                params["handover_from"] = enabled_before[-1]
            else:
                params.pop("handover_from", None)
        if params.get("enabled", True) is not False:
            enabled_before.append(by_stage[n]["type"])
    if 7 in by_stage:
        images = all(by_stage.get(n, {}).get("params", {}).get("enabled", True) is not False for n in (5, 6))
        by_stage[7]["params"]["require_images"] = images
    return actions


class _NoNotify:
    notify_email, notify_webhook_url, updated_at = True, "", None
    notify_on_complete = notify_on_fail = True
