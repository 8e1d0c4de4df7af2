"""Validate a rule as the API takes it; errors are keyed by the path of the bad value."""

from __future__ import annotations

from typing import Any

from actions.registry import UnknownAction, registry
from rules.conditions import ConditionError, normalize_conditions
from rules.events import event_fields, is_known_event
from rules.schedule import ScheduleError, validate_schedule

TRIGGER_TYPES = ("manual", "schedule", "event", "webhook")
TRIGGER_KEYS = {
    "manual": {"type"},
    "webhook": {"type"},
    "schedule": {"type", "cron", "timezone", "catch_up"},
    "event": {"type", "event", "fields"},
}
STEP_KEYS = {"type", "name", "params", "on_error", "retry", "timeout"}
MAX_ACTIONS = 50


class RuleValidationError(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class _Errors:
    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.items.setdefault(path, []).append(message)


def clean_trigger(trigger: Any, errors: _Errors, *, default_timezone: str = "UTC") -> dict:
    if not isinstance(trigger, dict):
        errors.add("trigger", "must be an object with a 'type'")
        return {}
    kind = trigger.get("type")
    if kind not in TRIGGER_TYPES:
        errors.add("trigger.type", f"must be one of {', '.join(TRIGGER_TYPES)}; got {kind!r}")
        return {}
    for key in sorted(set(trigger) - TRIGGER_KEYS[kind]):
        errors.add(f"trigger.{key}", f"unknown key for a {kind} trigger")
    clean: dict[str, Any] = {"type": kind}
    if kind == "schedule":
        clean["cron"] = trigger.get("cron", "")
        clean["timezone"] = trigger.get("timezone") or default_timezone
        clean["catch_up"] = trigger.get("catch_up", "latest")
        if clean["catch_up"] not in ("latest", "none"):
            errors.add("trigger.catch_up", "must be 'latest' (fire once for missed times) or 'none'")
        try:
            validate_schedule(clean["cron"], clean["timezone"])
        except ScheduleError as exc:
            errors.add(exc.path, exc.message)
    elif kind == "event":
        clean["event"] = trigger.get("event", "")
        if not isinstance(clean["event"], str) or not is_known_event(clean["event"]):
            errors.add(
                "trigger.event", f"unknown event {clean['event']!r}; see /api/v1/automation/rules/trigger-types/"
            )
        fields = trigger.get("fields") or []
        known = event_fields(clean["event"]) if isinstance(clean["event"], str) else ()
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors.add("trigger.fields", "must be a list of field names")
        elif known and (unknown := sorted(set(fields) - set(known))):
            errors.add("trigger.fields", f"{unknown} are not fields of {clean['event']}; known: {list(known)}")
        else:
            clean["fields"] = fields
    return clean


def clean_conditions(conditions: Any, errors: _Errors) -> dict | None:
    try:
        return normalize_conditions(conditions)
    except ConditionError as exc:
        errors.add("conditions", str(exc))
        return None


def clean_actions(actions: Any, errors: _Errors) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        errors.add("actions", "must be a non-empty list of steps")
        return []
    if len(actions) > MAX_ACTIONS:
        errors.add("actions", f"at most {MAX_ACTIONS} steps")
    return [_clean_step(step, f"actions.{i}", errors) for i, step in enumerate(actions)]


def _clean_step(step: Any, path: str, errors: _Errors) -> dict:
    if not isinstance(step, dict):
        errors.add(path, "must be an object with a 'type'")
        return {}
    for key in sorted(set(step) - STEP_KEYS):
        errors.add(f"{path}.{key}", "unknown key")
    kind = step.get("type")
    try:
        registry.get(kind)
    except (UnknownAction, TypeError):
        errors.add(f"{path}.type", f"unknown action type {kind!r}; known: {', '.join(registry.keys())}")
        return {}
    params = step.get("params", {})
    if not isinstance(params, dict):
        errors.add(f"{path}.params", "must be an object")
        params = {}
    for sub, message in registry.params_errors(kind, params):
        errors.add(f"{path}.params" + (f".{sub.replace('/', '.')}" if sub else ""), message)
    clean = {"type": kind, "params": params, "on_error": step.get("on_error", "stop")}
    if clean["on_error"] not in ("stop", "continue"):
        errors.add(f"{path}.on_error", "must be 'stop' or 'continue'")
    if step.get("name"):
        clean["name"] = str(step["name"])[:200]
    if "retry" in step:
        clean["retry"] = _clean_retry(step["retry"], f"{path}.retry", errors)
    if step.get("timeout") is not None:
        timeout = step["timeout"]
        if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 86400:
            errors.add(f"{path}.timeout", "must be a whole number of seconds from 1 to 86400")
        clean["timeout"] = timeout
    return clean


def _clean_retry(retry: Any, path: str, errors: _Errors) -> dict:
    if not isinstance(retry, dict) or set(retry) - {"max", "backoff"}:
        errors.add(path, "must be an object with 'max' and optionally 'backoff'")
        return {}
    max_, backoff = retry.get("max", 0), retry.get("backoff", 2)
    if not isinstance(max_, int) or isinstance(max_, bool) or not 0 <= max_ <= 10:
        errors.add(f"{path}.max", "must be a whole number from 0 to 10")
    if not isinstance(backoff, (int, float)) or isinstance(backoff, bool) or not 0 <= backoff <= 3600:
        errors.add(f"{path}.backoff", "must be a number of seconds from 0 to 3600")
    return {"max": max_, "backoff": backoff}


def validate_rule(data: dict, *, default_timezone: str = "UTC") -> dict:
    """Return the cleaned trigger, conditions and actions, or raise RuleValidationError."""
    errors = _Errors()
    clean = {}
    if "trigger" in data:
        clean["trigger"] = clean_trigger(data["trigger"], errors, default_timezone=default_timezone)
    if "conditions" in data:
        clean["conditions"] = clean_conditions(data["conditions"], errors)
    if "actions" in data:
        clean["actions"] = clean_actions(data["actions"], errors)
    if errors.items:
        raise RuleValidationError(errors.items)
    return clean
