"""Trigger types: what starts a rule. Each is a small class registered in `trigger_types`; adding one is one
class here (or in a module of its own) that says which keys it takes, how they are checked, how the rule list
describes it, and what the engine indexes it by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from rules.core.events import event_fields, is_known_event
from rules.core.registry import Registry
from rules.core.schedule import ScheduleError, describe_cron, next_fire_times, to_utc, validate_schedule


@dataclass
class Errors:
    """Validation errors by path (`trigger.cron`, `actions.0.params.url`), several per path."""

    items: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.items.setdefault(path, []).append(message)


class TriggerType:
    """One kind of trigger. `clean` returns the stored form; `run_trigger_type` names its runs."""

    key: ClassVar[str]
    keys: ClassVar[frozenset[str]] = frozenset({"type"})
    run_trigger_type: ClassVar[str]  # AutomationRun.trigger_type of the runs it starts
    has_webhook: ClassVar[bool] = False  # the rule gets a hook URL and a secret

    def clean(self, trigger: dict[str, Any], errors: Errors, *, default_timezone: str) -> dict[str, Any]:
        return {"type": self.key}

    def summary(self, trigger: dict[str, Any]) -> str:
        return self.key

    def event(self, trigger: dict[str, Any]) -> str:
        """The event the dispatcher indexes the rule under ('' when it listens to none)."""
        return ""

    def next_run_at(self, trigger: dict[str, Any], *, after: datetime | None = None) -> datetime | None:
        """When the scheduler fires the rule next (None: it does not)."""
        return None


trigger_types: Registry[TriggerType] = Registry("trigger type")


class ManualTrigger(TriggerType):
    key = "manual"
    run_trigger_type = "manual"


class WebhookTrigger(TriggerType):
    key = "webhook"
    run_trigger_type = "webhook"
    has_webhook = True


class ScheduleTrigger(TriggerType):
    key = "schedule"
    keys = frozenset({"type", "cron", "timezone", "catch_up"})
    run_trigger_type = "scheduled"  # the seeds' name for a run the schedule started

    def clean(self, trigger: dict[str, Any], errors: Errors, *, default_timezone: str) -> dict[str, Any]:
        clean = {
            "type": self.key,
            "cron": trigger.get("cron", ""),
            "timezone": trigger.get("timezone") or default_timezone,
            "catch_up": trigger.get("catch_up", "latest"),
        }
        if clean["catch_up"] not in ("latest", "none"):
            errors.add("trigger.catch_up", "must be 'latest' (fire once for missed times) or 'none'")
        try:
            validate_schedule(clean["cron"], clean["timezone"])
        except ScheduleError as exc:
            errors.add(exc.path, exc.message)
        return clean

    def summary(self, trigger: dict[str, Any]) -> str:
        return f"{describe_cron(trigger['cron'])} ({trigger['timezone']})"

    def next_run_at(self, trigger: dict[str, Any], *, after: datetime | None = None) -> datetime | None:
        return to_utc(next_fire_times(trigger["cron"], trigger["timezone"], n=1, after=after)[0])


class EventTrigger(TriggerType):
    key = "event"
    keys = frozenset({"type", "event", "fields"})
    run_trigger_type = "event"

    def clean(self, trigger: dict[str, Any], errors: Errors, *, default_timezone: str) -> dict[str, Any]:
        clean: dict[str, Any] = {"type": self.key, "event": trigger.get("event", "")}
        event = clean["event"]
        if not isinstance(event, str) or not is_known_event(event):
            errors.add("trigger.event", f"unknown event {event!r}; see /api/v1/automation/rules/trigger-types/")
        fields = trigger.get("fields") or []
        known = event_fields(event) if isinstance(event, str) else ()
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors.add("trigger.fields", "must be a list of field names")
        elif known and (unknown := sorted(set(fields) - set(known))):
            errors.add("trigger.fields", f"{unknown} are not fields of {event}; known: {list(known)}")
        else:
            clean["fields"] = fields
        return clean

    def summary(self, trigger: dict[str, Any]) -> str:
        fields = trigger.get("fields")
        watched = f" when {' or '.join(fields)} change{'s' if len(fields) == 1 else ''}" if fields else ""
        return f"on {trigger['event']}{watched}"

    def event(self, trigger: dict[str, Any]) -> str:
        return str(trigger.get("event", ""))


for _kind in (ManualTrigger(), WebhookTrigger(), ScheduleTrigger(), EventTrigger()):
    trigger_types.register(_kind.key, _kind)


def clean_trigger(trigger: Any, errors: Errors, *, default_timezone: str = "UTC") -> dict[str, Any]:
    """The stored form of a trigger, with what is wrong in `errors` (paths under `trigger`)."""
    if not isinstance(trigger, dict):
        errors.add("trigger", "must be an object with a 'type'")
        return {}
    kind = trigger.get("type")
    kind_of = trigger_types.find(kind) if isinstance(kind, str) else None
    if kind_of is None:
        errors.add("trigger.type", f"must be one of {', '.join(trigger_types.keys())}; got {kind!r}")
        return {}
    for key in sorted(set(trigger) - kind_of.keys):
        errors.add(f"trigger.{key}", f"unknown key for a {kind} trigger")
    return kind_of.clean(trigger, errors, default_timezone=default_timezone)


def trigger_summary(trigger: dict[str, Any] | None) -> str:
    """How the rule list describes a trigger ("on keyword.created", "At 02:00 AM (UTC)")."""
    trigger = trigger or {}
    kind = trigger_types.find(str(trigger.get("type", "manual")))
    return kind.summary(trigger) if kind else str(trigger.get("type"))


def run_trigger_type(trigger_type: str) -> str:
    """What the runs a trigger type starts are called (`schedule` → `scheduled`)."""
    kind = trigger_types.find(trigger_type)
    return kind.run_trigger_type if kind else trigger_type
