"""Dispatch: which rules an event starts. Site and watched-field filters, the loop guard and the conditions
decide per rule; dropped triggers are recorded in one bulk insert; the matching rules go to the run lifecycle
(rules.lifecycle.trigger_rule), which applies their modes and limits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import Site
from rules.core.causation import DEFAULT_MAX_DEPTH, Causation, check_loop
from rules.core.conditions import ConditionError, compiled_for, context_error
from rules.index import IndexedRule, rule_index
from rules.lifecycle import trigger_rule
from rules.models import AutomationRule, AutomationRun, TriggerRecord

Outcome = TriggerRecord.Outcome


def max_depth() -> int:
    return int(getattr(settings, "AUTOMATION_MAX_DEPTH", DEFAULT_MAX_DEPTH))


# --- event triggers --------------------------------------------------------------------------


def dispatch_event(event: dict[str, Any], causation: Causation | None) -> list[AutomationRun]:
    """Evaluate every rule listening to `event` and start the runs it calls for.

    Conditions are evaluated from the in-memory index (no query per rule); dropped triggers are
    written in one bulk insert; only the matching rules are loaded, in one query.
    """
    entries = [
        e
        for e in rule_index.lookup(event["account_id"], event["name"], fresh=True)
        if (e.site_id is None or e.site_id == event.get("site_id"))
        and not (e.watch_fields and event["changes"] and not e.watch_fields & set(event["changes"]))
    ]
    if not entries:
        return []
    causation = causation or Causation(root_event=event["name"])
    causation = replace(causation, root_event=causation.root_event or event["name"], event=event["name"])
    context = condition_context(account_id=event["account_id"], site_id=event.get("site_id"), event=event)
    bad_context = context_error(context)  # once per event: no condition reads past these bounds
    dropped, matched = [], []
    for entry in entries:
        outcome, reason = _evaluate(entry, causation, context, bad_context)
        if outcome is None:
            matched.append(entry)
        else:
            dropped.append(TriggerRecord(outcome=outcome, reason=reason, **_record_fields(entry, event, causation)))
    TriggerRecord.objects.bulk_create(dropped)
    rules = AutomationRule.objects.filter(is_active=True).in_bulk([e.id for e in matched])
    payload = {
        "event": event["name"],
        "object_type": event["object_type"],
        "object": event["object"],
        "changes": event["changes"],
    }
    runs = []
    for entry in matched:
        if entry.id in rules:
            result = trigger_rule(
                rules[entry.id],
                trigger_type="event",
                payload=payload,
                causation=causation,
                site_id=event.get("site_id"),
                record=_record_fields(entry, event, causation),
            )
            if result.run is not None:
                runs.append(result.run)
    return runs


def _evaluate(
    entry: IndexedRule, causation: Causation, context: dict, bad_context: ConditionError | None
) -> tuple[str | None, str]:
    """None when the rule should run; else the drop outcome and its reason."""
    loop = check_loop(causation, rule_id=entry.id, allow_self_trigger=entry.allow_self_trigger, max_depth=max_depth())
    if loop.blocked:
        return Outcome.DROPPED_LOOP, loop.reason
    try:
        compiled = compiled_for(
            entry.id, entry.version, entry.conditions, max_operations=settings.AUTOMATION_MAX_CONDITION_OPERATIONS
        )
    except ConditionError as exc:  # stored before a limit it now breaks: this rule fails, not the event
        return Outcome.CONDITION_ERROR, str(exc)
    if compiled.logic is not None and bad_context is not None:
        return Outcome.CONDITION_ERROR, str(bad_context)
    result = compiled.evaluate(context)
    if result.error is not None:
        return Outcome.CONDITION_ERROR, str(result.error)
    if not result.triggered:
        return Outcome.DROPPED_CONDITIONS, "conditions were false"
    return None, ""


def _record_fields(entry: IndexedRule, event: dict, causation: Causation) -> dict:
    return {
        "rule_id": entry.id,
        "account_id": entry.account_id,
        "trigger_type": "event",
        "event": event["name"],
        "object_type": event["object_type"],
        "object_id": (event["object"] or {}).get("id"),
        "causation": causation.to_dict(),
    }


def condition_context(
    *, account_id: int, site_id: int | None, event: dict | None = None, payload: dict | None = None
) -> dict[str, Any]:
    """The dict conditions see: event, object, site, account, now, payload."""
    return {
        "event": {"name": event["name"], "changes": event["changes"]} if event else {"name": "", "changes": {}},
        "object": (event or {}).get("object") or {},
        "site": _site_info(site_id),
        "account": {"id": account_id},
        "now": timezone.now().isoformat(),
        "payload": payload or {},
    }


def _site_info(site_id: int | None) -> dict:
    if site_id is None:
        return {}
    return Site.objects.filter(pk=site_id).values("id", "name", "domain", "timezone").first() or {}
