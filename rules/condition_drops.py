"""Condition drops, worked out from the event journal when someone asks "Why didn't it fire?".

The dispatcher records a trigger that reached a rule when something was decided about it (a run started or
queued, a mode, limit, loop-guard or credit drop, a condition error, a shadow run), but not a rule whose
conditions were simply false: an event 100 rules listen to, none matching, would write 100 rows. Those drops are
derivable, because every event is journaled: `condition_drops` reads the newest events the rule listened to and
decides each as the dispatcher decided it then: the rule as it was at the event's time (its version in force:
active or not, site, trigger, watched fields, conditions), the loop guard, and the conditions evaluated against
the context the dispatcher builds (the event, its object, the site as it is now, the event's time as `now`). What
they reject is a condition drop; everything else the dispatcher decided was recorded at the time.

Records stored as condition drops before they were derived stay as they were; drops are derived only for events
after the newest of them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max

from rules.backtest import journal_context, read_journal, site_infos
from rules.core.causation import DEFAULT_MAX_DEPTH, Causation, check_loop
from rules.core.conditions import ConditionError, compiled_for, event_context_error
from rules.models import AutomationRule, AutomationRuleVersion, EventRecord, TriggerRecord

REASON = "conditions were false"


@dataclass
class ConditionDrops:
    """The condition drops among the newest events a rule listened to (unsaved records, newest first, each with
    the `event_id` of its journal event), and the time of the oldest event looked at (None: none was)."""

    records: list[TriggerRecord]
    since: datetime | None


def condition_drops(rule: AutomationRule, *, limit: int | None = None) -> ConditionDrops:
    """The condition drops among the rule's newest `limit` (AUTOMATION_TRIGGERS_SCAN_EVENTS) listened events."""
    limit = limit if limit is not None else settings.AUTOMATION_TRIGGERS_SCAN_EVENTS
    versions = list(
        AutomationRuleVersion.objects.filter(rule=rule)
        .order_by("created_at", "version")
        .values_list("version", "created_at", "snapshot")
    )
    names = {_event_name(snapshot) for _v, _at, snapshot in versions} - {""}
    if not names:
        return ConditionDrops([], None)
    legacy = TriggerRecord.objects.filter(rule=rule, outcome=TriggerRecord.Outcome.DROPPED_CONDITIONS).aggregate(
        at=Max("at")
    )["at"]
    journal = EventRecord.objects.filter(account_id=rule.account_id, name__in=names, at__gte=versions[0][1])
    if legacy is not None:
        journal = journal.filter(at__gt=legacy)
    events = list(read_journal(journal.order_by("-at", "-id"), limit))
    if not events:
        return ConditionDrops([], None)
    starts = [at for _v, at, _s in versions]
    sites: dict[int | None, dict[str, Any]] | None = None
    max_depth = int(getattr(settings, "AUTOMATION_MAX_DEPTH", DEFAULT_MAX_DEPTH))
    records = []
    for event in events:
        version, _at, snapshot = versions[bisect_right(starts, event.at) - 1]
        if not _listened(snapshot, event.name, event.site_id, event.changes):
            continue
        cause = Causation.from_dict(event.causation) if event.causation else Causation(root_event=event.name)
        cause = replace(cause, root_event=cause.root_event or event.name, event=event.name)
        if (cause.depth > max_depth or cause.rule_path) and check_loop(
            cause, rule_id=rule.pk, allow_self_trigger=bool(snapshot.get("allow_self_trigger")), max_depth=max_depth
        ).blocked:
            continue  # recorded by the dispatcher as a loop-guard drop
        try:
            conditions = compiled_for(rule.pk, version, snapshot.get("conditions"))
        except ConditionError:
            continue  # recorded as a condition error
        if conditions.logic is None:
            continue
        if sites is None:
            sites = site_infos(rule.account_id)
        context = journal_context(rule.account_id, sites.get(event.site_id, {}), event)
        if event_context_error(context) is not None:
            continue  # recorded as a condition error
        result = conditions.evaluate(context)
        if result.error is None and not result.triggered:
            record = TriggerRecord(
                rule_id=rule.pk,
                account_id=rule.account_id,
                trigger_type="event",
                event=event.name,
                outcome=TriggerRecord.Outcome.DROPPED_CONDITIONS,
                reason=REASON,
                object_type=event.object_type,
                object_id=event.object_id,
                causation=cause.to_dict(),
                at=event.at,
            )
            record.event_id = event.id  # type: ignore[attr-defined]  # the journal event it was worked out from
            records.append(record)
    return ConditionDrops(records, events[-1].at)


def _event_name(snapshot: dict[str, Any]) -> str:
    trigger = snapshot.get("trigger") or {}
    return str(trigger.get("event") or "") if trigger.get("type") == "event" else ""


def _listened(snapshot: dict[str, Any], name: str, site_id: int | None, changes: dict[str, Any]) -> bool:
    """Whether the rule, as `snapshot` has it, listened to this event (the dispatcher's index and filters)."""
    if not snapshot.get("is_active") or _event_name(snapshot) != name:
        return False
    if snapshot.get("site") is not None and snapshot.get("site") != site_id:
        return False
    fields = set((snapshot.get("trigger") or {}).get("fields") or ())
    return not (fields and changes and not fields & set(changes))
