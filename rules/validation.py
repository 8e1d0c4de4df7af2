"""Validate a rule as the API takes it; errors are keyed by the path of the bad value."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from rules.core.conditions import ConditionError, normalize_conditions, var_paths
from rules.core.events import source_of
from rules.core.flow import CONTROL_TYPES, WAIT_KINDS, iter_entries, with_ids
from rules.core.registry import UnknownAction, registry
from rules.core.triggers import Errors, clean_trigger

STEP_KEYS = {"id", "type", "name", "params", "on_error", "retry", "timeout", "if"}
STEP_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
LOOP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
COMMON_KEYS = {"id", "type", "name", "if", "on_error"}
BLOCK_KEYS = {
    "if": {"condition", "then", "else"},
    "switch": {"cases", "default"},
    "for_each": {"items", "as", "concurrency", "do"},
    "parallel": {"branches", "join"},
    "wait": {"for", "seconds", "event", "condition", "timeout", "prompt"},
    "call_rule": {"rule", "payload", "wait"},
    "stop": {"status", "message"},
}
MAX_WAIT_SECONDS = 30 * 86400
SIZED = ("trigger", "conditions", "actions")


class RuleValidationError(ValidationError):
    """Errors by path; a Django ValidationError, so an API raising it answers 400 with them."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def clean_conditions(conditions: Any, errors: Errors, path: str = "conditions") -> dict | None:
    """Conditions (the rule's, or a block's) as JSONLogic within the condition limits; errors at `path`."""
    try:
        return normalize_conditions(
            conditions,
            max_operations=settings.AUTOMATION_MAX_CONDITION_OPERATIONS,
            max_bytes=settings.AUTOMATION_MAX_CONDITION_BYTES,
        )
    except ConditionError as exc:
        errors.add(path, str(exc))
        return None


def clean_actions(actions: Any, errors: Errors) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        errors.add("actions", "must be a non-empty list of steps")
        return []
    limit = settings.AUTOMATION_MAX_RULE_STEPS
    entries = list(iter_entries(actions))
    if len(entries) > limit:
        errors.add("actions", f"{len(entries)} steps; a rule has at most {limit} (AUTOMATION_MAX_RULE_STEPS)")
        return []
    depth_limit = settings.AUTOMATION_MAX_FLOW_DEPTH
    for path, _entry, depth in entries:
        if depth > depth_limit:
            errors.add(_key(path), f"blocks nested {depth} deep; at most {depth_limit} (AUTOMATION_MAX_FLOW_DEPTH)")
            return []
    steps = _clean_list(actions, "actions", errors)
    seen: set[str] = set()
    for path, entry, _depth in iter_entries(with_ids(steps)):  # ids as runs will have them (defaults filled)
        key = entry.get("id") if isinstance(entry, dict) else None
        if key in seen:
            errors.add(f"{_key(path)}.id", f"{key!r} is the id of another step of the rule; ids are unique")
        seen.add(key)
    return steps


def _key(path: str) -> str:
    return path.replace("/", ".")


def _clean_list(entries: Any, path: str, errors: Errors, *, required: bool = True) -> list[dict]:
    if not isinstance(entries, list) or (required and not entries):
        errors.add(path, "must be a non-empty list of steps" if required else "must be a list of steps")
        return []
    return [_clean_entry(entry, f"{path}.{i}", errors) for i, entry in enumerate(entries)]


def _clean_entry(entry: Any, path: str, errors: Errors) -> dict:
    if isinstance(entry, dict) and entry.get("type") in CONTROL_TYPES:
        return _clean_block(entry, path, errors)
    return _clean_step(entry, path, errors)


def _clean_logic(value: Any, path: str, errors: Errors) -> Any:
    """A JSONLogic expression inside an entry (`if`, a condition, a loop's items), within the condition limits."""
    if isinstance(value, list):  # a literal list (a loop's items): each value must be plain JSON or logic
        return [
            _clean_logic(item, f"{path}.{i}", errors) if isinstance(item, dict) else item
            for i, item in enumerate(value)
        ]
    if isinstance(value, bool):  # a literal: always or never
        return value
    if not isinstance(value, dict) or not value:
        errors.add(path, 'must be a JSONLogic expression (an object such as {"var": "object.volume"})')
        return None
    return clean_conditions(value, errors, path)


def _clean_block(block: dict, path: str, errors: Errors) -> dict:
    kind = block["type"]
    for key in sorted(set(block) - COMMON_KEYS - BLOCK_KEYS[kind]):
        errors.add(f"{path}.{key}", f"unknown key for a {kind!r} block")
    clean: dict[str, Any] = {"type": kind}
    _clean_common(block, clean, path, errors)
    if kind == "if":
        clean["condition"] = _clean_logic(block.get("condition"), f"{path}.condition", errors)
        clean["then"] = _clean_list(block.get("then"), f"{path}.then", errors)
        if "else" in block:
            clean["else"] = _clean_list(block["else"], f"{path}.else", errors, required=False)
    elif kind == "switch":
        cases = block.get("cases")
        if not isinstance(cases, list) or not cases:
            errors.add(f"{path}.cases", 'must be a non-empty list of {"condition": …, "do": [...]}')
            cases = []
        clean["cases"] = []
        for i, case in enumerate(cases):
            here = f"{path}.cases.{i}"
            if not isinstance(case, dict) or set(case) - {"condition", "do"}:
                errors.add(here, "must be an object with 'condition' and 'do'")
                continue
            clean["cases"].append(
                {
                    "condition": _clean_logic(case.get("condition"), f"{here}.condition", errors),
                    "do": _clean_list(case.get("do"), f"{here}.do", errors),
                }
            )
        if "default" in block:
            clean["default"] = _clean_list(block["default"], f"{path}.default", errors, required=False)
    elif kind == "for_each":
        clean["items"] = _clean_logic(block.get("items"), f"{path}.items", errors)
        name = block.get("as", "item")
        if not isinstance(name, str) or not LOOP_NAME.match(name) or name in ("steps", "item_index", "object"):
            errors.add(
                f"{path}.as", "must be a lower-case name (letters, digits, '_'), not steps, object or item_index"
            )
        clean["as"] = name
        clean["concurrency"] = _whole(block.get("concurrency", 1), f"{path}.concurrency", errors, 1, 16)
        clean["do"] = _clean_list(block.get("do"), f"{path}.do", errors)
    elif kind == "parallel":
        branches = block.get("branches")
        if not isinstance(branches, list) or not 2 <= len(branches) <= 10:
            errors.add(f"{path}.branches", "must be a list of 2 to 10 branches, each a list of steps")
            branches = []
        clean["branches"] = [_clean_list(b, f"{path}.branches.{i}", errors) for i, b in enumerate(branches)]
        clean["join"] = block.get("join", "all")
        if clean["join"] not in ("all", "any"):
            errors.add(f"{path}.join", "must be 'all' (every branch) or 'any' (the first branch done)")
    elif kind == "wait":
        _clean_wait(block, clean, path, errors)
    elif kind == "call_rule":
        rule = block.get("rule")
        if not isinstance(rule, int) or isinstance(rule, bool) or rule < 1:
            errors.add(f"{path}.rule", "must be the id of a rule of this account")
        clean["rule"] = rule
        payload = block.get("payload", {})
        if not isinstance(payload, dict):
            errors.add(f"{path}.payload", "must be an object")
        clean["payload"] = payload
        clean["wait"] = block.get("wait", True)
        if not isinstance(clean["wait"], bool):
            errors.add(f"{path}.wait", "must be true or false")
    elif kind == "stop":
        clean["status"] = block.get("status", "completed")
        if clean["status"] not in ("completed", "failed"):
            errors.add(f"{path}.status", "must be 'completed' or 'failed'")
        clean["message"] = str(block.get("message", ""))[:1000]
    return clean


def _clean_wait(block: dict, clean: dict, path: str, errors: Errors) -> None:
    kind = block.get("for")
    if kind not in WAIT_KINDS:
        errors.add(f"{path}.for", "must be 'duration', 'event' or 'approval'")
        return
    clean["for"] = kind
    allowed = {"duration": {"seconds"}, "event": {"event", "condition", "timeout"}, "approval": {"prompt", "timeout"}}
    for key in sorted(set(block) & (BLOCK_KEYS["wait"] - {"for"}) - allowed[kind]):
        errors.add(f"{path}.{key}", f"not used by a wait for {kind}")
    if kind == "duration":
        clean["seconds"] = _whole(block.get("seconds"), f"{path}.seconds", errors, 1, MAX_WAIT_SECONDS)
        return
    if "timeout" in block:
        clean["timeout"] = _whole(block["timeout"], f"{path}.timeout", errors, 1, MAX_WAIT_SECONDS)
    if kind == "event":
        event = block.get("event")
        if not isinstance(event, str) or not event or len(event) > 100:
            errors.add(f"{path}.event", "must be the name of an event (e.g. content.updated)")
        clean["event"] = event
        if block.get("condition") is not None:
            clean["condition"] = _clean_logic(block["condition"], f"{path}.condition", errors)
    else:
        prompt = block.get("prompt", "")
        if not isinstance(prompt, str) or len(prompt) > 2000:
            errors.add(f"{path}.prompt", "must be text of at most 2,000 characters")
        clean["prompt"] = prompt


def _whole(value: Any, path: str, errors: Errors, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors.add(path, f"must be a whole number from {low:,} to {high:,}")
        return low
    return value


def _clean_common(entry: dict, clean: dict, path: str, errors: Errors) -> None:
    """The keys every entry may carry: id, name, if, on_error."""
    if "id" in entry:  # the step's stable address in its runs (default: "step-<n>")
        if not isinstance(entry["id"], str) or not STEP_ID.match(entry["id"]):
            errors.add(f"{path}.id", "must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter")
        clean["id"] = entry["id"]
    if entry.get("name"):
        clean["name"] = str(entry["name"])[:200]
    if "if" in entry:
        clean["if"] = _clean_logic(entry["if"], f"{path}.if", errors)
    if "on_error" in entry or "params" in clean:
        clean["on_error"] = entry.get("on_error", "stop")
        if clean["on_error"] not in ("stop", "continue"):
            errors.add(f"{path}.on_error", "must be 'stop' or 'continue'")


def field_warnings(trigger: Any, conditions: Any, actions: Any) -> dict[str, list[str]]:
    """Conditions that read a field the trigger's object does not have: saved, but they can never be what the
    author meant (`object.wordcount` on keyword events). By the path of the condition."""
    event = trigger.get("event") if isinstance(trigger, dict) and trigger.get("type") == "event" else None
    source = source_of(event) if isinstance(event, str) else None
    if source is None:
        return {}
    logics: list[tuple[str, Any]] = [("conditions", conditions)]
    if isinstance(actions, list):
        for path, entry, _depth in iter_entries(actions):
            if isinstance(entry, dict):
                here = path.replace("/", ".")
                logics += [(f"{here}.if", entry.get("if")), (f"{here}.condition", entry.get("condition"))]
                if entry.get("type") == "for_each":
                    logics.append((f"{here}.items", entry.get("items")))
    known = ", ".join(source.fields)
    warnings: dict[str, list[str]] = {}
    for path, logic in logics:
        if not isinstance(logic, dict):
            continue
        for var in sorted(var_paths(logic)):
            root, _, name = var.partition(".")
            field = name.split(".")[0]
            if root == "object" and field and field != "id" and field not in source.fields:
                warnings.setdefault(path, []).append(
                    f"{var}: {event} events carry no such field (their object has {known})"
                )
    return warnings


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
    clean: dict[str, Any] = {"type": kind, "params": params}
    _clean_common(step, clean, path, errors)
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
