"""Dispatch: which rules an event starts.

The rule index hands over the rules of the event's account that listen to it, with their conditions
compiled into one `ConditionSet`; the site and watched-field filters, the loop guard and the conditions
(evaluated all at once against the event, parsed once) decide per rule. Nothing is read from the database
for that, except the site when a condition reads it. The matching rules go to the run lifecycle as one batch
(`rules.lifecycle.trigger_rules`), which applies their modes and limits and writes their runs, steps and
trigger records, the loop guard's drops and condition errors included, in one insert each. A rule whose
conditions were false leaves no record: the event is in the journal, and `rules.condition_drops` works the drop
out from it when someone asks why the rule didn't fire. The events of one bulk change
(a dispatch batch task) are dispatched together, EVENTS_PER_TRANSACTION at a time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import Site
from rules import waits
from rules.core.causation import DEFAULT_MAX_DEPTH, Causation, check_loop
from rules.core.conditions import event_context_error
from rules.core.conditions.context import evaluation_context
from rules.index import IndexedRule, Listeners, listeners_of, rule_index
from rules.lifecycle import RecordFields, RecordRow, Trigger, TriggerResult, run_key, trigger_rules
from rules.models import AutomationRule, AutomationRun, TriggerRecord

Outcome = TriggerRecord.Outcome
EVENTS_PER_TRANSACTION = 50  # events of a batch decided and written together (their rules locked meanwhile)
Event = dict[str, Any]


def max_depth() -> int:
    return int(getattr(settings, "AUTOMATION_MAX_DEPTH", DEFAULT_MAX_DEPTH))


# --- event triggers --------------------------------------------------------------------------


def dispatch_event(event: Event, causation: Causation | None) -> list[AutomationRun]:
    """Evaluate every rule listening to `event` and start the runs it calls for."""
    return dispatch_events([(event, causation)])


def dispatch_events(events: list[tuple[Event, Causation | None]]) -> list[AutomationRun]:
    """Dispatch events in order, EVENTS_PER_TRANSACTION at a time: per group, one batch of triggers for the
    lifecycle and one insert of every trigger record. Returns the runs started or queued."""
    runs: list[AutomationRun] = []
    for start in range(0, len(events), EVENTS_PER_TRANSACTION):
        group = _Group()
        for event, causation in events[start : start + EVENTS_PER_TRANSACTION]:
            group.match(event, causation)
        results = trigger_rules(group.triggers, records=group.records)
        runs += [result.run for result in results if result is not None and result.run is not None]
        for event in group.awaited:  # runs waiting for one of these events go on
            waits.wake_on_event(event)
    return runs


def replay_to_rule(
    rule: AutomationRule, events: list[tuple[Event, Causation]]
) -> tuple[list[TriggerResult | None], int]:
    """Dispatch journal events (each with its `journal_id`) to one rule, whether or not it is active: the
    triggers' results, and how many the filters, the loop guard or the conditions dropped."""
    only = listeners_of(
        [
            IndexedRule(
                rule.pk,
                rule.version,
                rule.account_id,
                rule.site_id,
                rule.trigger_event,
                frozenset((rule.trigger or {}).get("fields") or ()),
                rule.conditions,
                rule.allow_self_trigger,
            )
        ]
    )
    group = _Group()
    for event, causation in events:
        group.match(event, causation, only=only)
    dropped = len(group.records) + group.condition_drops
    return trigger_rules(group.triggers, active_only=False, records=group.records), dropped


class _Group:
    """The triggers and dropped-trigger records of a group of events, and the sites their conditions read."""

    def __init__(self) -> None:
        self.triggers: list[Trigger] = []
        self.records: list[RecordRow] = []
        self.condition_drops = 0  # rules whose conditions were false: not recorded (see the module's docstring)
        self.sites: dict[int | None, dict] = {}
        self.awaited: list[Event] = []

    def match(self, event: Event, causation: Causation | None, *, only: Listeners | None = None) -> None:
        """The triggers (and dropped-trigger records) of `event` for the rules listening to it, or for `only`
        those (a replay). A journaled event's runs are keyed by (event, rule version): `run_key`."""
        if only is None and rule_index.awaits(event["account_id"], event["name"]):
            self.awaited.append(event)
        listeners = only or rule_index.listeners(event["account_id"], event["name"], site_id=event.get("site_id"))
        if not listeners.rules:
            return
        site_id, changes = event.get("site_id"), event["changes"]
        candidates: range | list[int] = range(len(listeners.rules))
        if not listeners.site_ids <= {None, site_id} or (listeners.watching and changes):  # some rules filtered
            changed = set(changes)
            candidates = [
                i
                for i, entry in enumerate(listeners.rules)
                if (entry.site_id is None or entry.site_id == site_id)
                and not (entry.watch_fields and changed and not entry.watch_fields & changed)
            ]
            if not candidates:
                return
        causation = causation or Causation(root_event=event["name"])
        causation = replace(causation, root_event=causation.root_event or event["name"], event=event["name"])
        context = self.context(listeners, event)
        bad_context = event_context_error(context)  # once per event: no condition reads past these bounds
        results = listeners.conditions.evaluate(context) if bad_context is None else None
        payload = {
            "event": event["name"],
            "object_type": event["object_type"],
            "object": event["object"],
            "changes": changes,
        }
        shared = RecordFields(
            account_id=event["account_id"],
            trigger_type="event",
            causation=causation.to_dict(),
            event=event["name"],
            object_type=event["object_type"],
            object_id=(event["object"] or {}).get("id"),
        )
        guarded = causation.depth > max_depth() or bool(causation.rule_path)
        journal_id = event.get("journal_id")

        def keyed(entry: IndexedRule) -> str | None:
            return run_key(journal_id, entry.id, entry.version) if journal_id else None

        for i in candidates:
            entry = listeners.rules[i]
            outcome, reason = "", ""
            loop = guarded and check_loop(
                causation, rule_id=entry.id, allow_self_trigger=entry.allow_self_trigger, max_depth=max_depth()
            )
            if loop and loop.blocked:
                outcome, reason = Outcome.DROPPED_LOOP, loop.reason
            elif listeners.errors[i]:  # stored before a limit it now breaks: this rule fails, not the event
                outcome, reason = Outcome.CONDITION_ERROR, listeners.errors[i]
            elif results is None:
                if listeners.conditions.conditions[i].logic is not None:
                    outcome, reason = Outcome.CONDITION_ERROR, str(bad_context)
            elif results[i].error is not None:
                outcome, reason = Outcome.CONDITION_ERROR, str(results[i].error)
            elif not results[i].triggered:
                self.condition_drops += 1
                continue
            if outcome:
                self.records.append((entry.id, outcome, reason, None, shared, None))
            else:
                self.triggers.append(
                    Trigger(entry.id, "event", payload, causation, site_id, shared, idempotency_key=keyed(entry))
                )

    def context(self, listeners: Listeners, event: Event) -> dict[str, Any]:
        """The event's condition context; the site is read (once per group) only when a condition reads it."""
        roots = listeners.conditions.roots
        site_id = event.get("site_id")
        if roots is None or "site" in roots:
            if site_id not in self.sites:
                self.sites[site_id] = _site_info(site_id)
            site = self.sites[site_id]
        else:
            site = {}
        return _context(event["account_id"], site, event)


def condition_context(
    *, account_id: int, site_id: int | None, event: dict | None = None, payload: dict | None = None
) -> dict[str, Any]:
    """The dict conditions see: event, object, site, account, now, payload."""
    return _context(account_id, _site_info(site_id), event, payload)


def _context(account_id: int, site: dict, event: dict | None, payload: dict | None = None) -> dict[str, Any]:
    return evaluation_context(
        account_id=account_id, site=site, event=event, payload=payload, now=timezone.now().isoformat()
    )


def _site_info(site_id: int | None) -> dict:
    if site_id is None:
        return {}
    return Site.objects.filter(pk=site_id).values("id", "name", "domain", "timezone").first() or {}
