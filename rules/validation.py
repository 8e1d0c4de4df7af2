"""Validate a rule as the API takes it; errors are keyed by the path of the bad value."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from rules.core.conditions import ConditionError, normalize_conditions
from rules.core.registry import UnknownAction, registry
from rules.core.triggers import Errors, clean_trigger

STEP_KEYS = {"id", "type", "name", "params", "on_error", "retry", "timeout"}
STEP_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
SIZED = ("trigger", "conditions", "actions")


class RuleValidationError(ValidationError):
    """Errors by path; a Django ValidationError, so an API raising it answers 400 with them."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def clean_conditions(conditions: Any, errors: Errors) -> dict | None:
    try:
        return normalize_conditions(
            conditions,
            max_operations=settings.AUTOMATION_MAX_CONDITION_OPERATIONS,
            max_bytes=settings.AUTOMATION_MAX_CONDITION_BYTES,
        )
    except ConditionError as exc:
        errors.add("conditions", str(exc))
        return None


def clean_actions(actions: Any, errors: Errors) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        errors.add("actions", "must be a non-empty list of steps")
        return []
    limit = settings.AUTOMATION_MAX_RULE_STEPS
    if len(actions) > limit:
        errors.add("actions", f"{len(actions)} steps; a rule has at most {limit} (AUTOMATION_MAX_RULE_STEPS)")
        return []
    steps = [_clean_step(step, f"actions.{i}", errors) for i, step in enumerate(actions)]
    seen: set[str] = set()
    for i, step in enumerate(steps):
        key = step.get("id") or f"step-{i + 1}"  # the default id of a step without one
        if key in seen:
            errors.add(f"actions.{i}.id", f"{key!r} is the id of another step of the rule; ids are unique")
        seen.add(key)
    return steps


def check_size(data: dict, errors: Errors) -> bool:
    """A rule's JSON stays within AUTOMATION_MAX_RULE_BYTES and AUTOMATION_MAX_RULE_DEPTH; False when not."""
    sizes = {name: len(json.dumps(data[name], separators=(",", ":"), default=str)) for name in SIZED if name in data}
    limit = settings.AUTOMATION_MAX_RULE_BYTES
    if sum(sizes.values()) > limit:
        largest = max(sizes, key=lambda name: sizes[name])
        errors.add(largest, f"the rule is {sum(sizes.values()):,} bytes; at most {limit:,} (AUTOMATION_MAX_RULE_BYTES)")
        return False
    depth_limit = settings.AUTOMATION_MAX_RULE_DEPTH
    for name in ("trigger", "actions"):  # conditions have their own bound (their worst-case cost)
        path = _too_deep(data.get(name), name, depth_limit)
        if path:
            errors.add(path, f"nested more than {depth_limit} levels deep (AUTOMATION_MAX_RULE_DEPTH)")
            return False
    return True


def _too_deep(value: Any, root: str, limit: int) -> str:
    """The path of the first value nested deeper than `limit` ('' when none is); no recursion."""
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(node, dict):
            stack.extend((child, f"{path}.{key}", depth + 1) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, f"{path}.{i}", depth + 1) for i, child in enumerate(node))
    return ""


def check_event_payload(payload: Any, field: str) -> None:
    """A payload a trigger carries (execute, webhook) stays within AUTOMATION_MAX_EVENT_PAYLOAD_BYTES."""
    limit = settings.AUTOMATION_MAX_EVENT_PAYLOAD_BYTES
    size = len(json.dumps(payload, separators=(",", ":"), default=str))
    if size > limit:
        raise RuleValidationError(
            {field: [f"{size:,} bytes; a payload is at most {limit:,} bytes (AUTOMATION_MAX_EVENT_PAYLOAD_BYTES)"]}
        )
    path = _too_deep(payload, field, settings.AUTOMATION_MAX_RULE_DEPTH)
    if path:
        raise RuleValidationError(
            {path: [f"nested more than {settings.AUTOMATION_MAX_RULE_DEPTH} levels deep (AUTOMATION_MAX_RULE_DEPTH)"]}
        )


def _clean_step(step: Any, path: str, errors: Errors) -> dict:
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
    # The seeds' names (task_ids, content_ids, …) are stored under the canonical ones; errors name what was sent.
    canonical = registry.canonical_params(kind, params)
    for name, message in canonical.refused:
        errors.add(f"{path}.params.{name}", message)
    params = canonical.params
    for sub, message in registry.params_errors(kind, params, canonical.sent_as):
        errors.add(f"{path}.params" + (f".{sub.replace('/', '.')}" if sub else ""), message)
    clean = {"type": kind, "params": params, "on_error": step.get("on_error", "stop")}
    if clean["on_error"] not in ("stop", "continue"):
        errors.add(f"{path}.on_error", "must be 'stop' or 'continue'")
    if "id" in step:  # the step's stable address in its runs (default: "step-<n>")
        if not isinstance(step["id"], str) or not STEP_ID.match(step["id"]):
            errors.add(f"{path}.id", "must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter")
        clean["id"] = step["id"]
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


def _clean_retry(retry: Any, path: str, errors: Errors) -> dict:
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
    errors = Errors()
    clean = {}
    if not check_size(data, errors):
        raise RuleValidationError(errors.items)
    if "trigger" in data:
        clean["trigger"] = clean_trigger(data["trigger"], errors, default_timezone=default_timezone)
    if "conditions" in data:
        clean["conditions"] = clean_conditions(data["conditions"], errors)
    if "actions" in data:
        clean["actions"] = clean_actions(data["actions"], errors)
    if errors.items:
        raise RuleValidationError(errors.items)
    return clean
