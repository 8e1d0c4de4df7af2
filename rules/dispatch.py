"""From a trigger to a run: site and watched-field filters, loop guard, conditions, concurrency mode.

Every trigger that reaches a rule leaves a TriggerRecord: started, queued, or dropped with the reason.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from backend.billing.errors import InsufficientCredits
from backend.core.redis import count_up, get_redis
from rules.conditions import ConditionError, compiled_for, context_error
from rules.engine import DEFAULT_MAX_DEPTH, Causation, check_loop, decide_mode
from rules.index import rule_index
from rules.models import AutomationRule, AutomationRun, RunStep, TriggerRecord

log = logging.getLogger(__name__)
Outcome = TriggerRecord.Outcome
# Sent once per finished run (completed, failed or cancelled), after commit: receivers get `run`.
run_finished = Signal()
ROOT_COUNT_SECONDS = 86400  # how long the runs descending from one root event are counted
DISPATCH_CHUNK = 200  # events per dispatch task when a bulk change emits many


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


def _evaluate(entry, causation: Causation, context: dict, bad_context: ConditionError | None) -> tuple[str | None, str]:
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


def _record_fields(entry, event: dict, causation: Causation) -> dict:
    return {
        "rule_id": entry.id,
        "account_id": entry.account_id,
        "trigger_type": "event",
        "event": event["name"],
        "object_type": event["object_type"],
        "object_id": (event["object"] or {}).get("id"),
        "causation": causation.to_dict(),
    }


def emit_custom_event(name: str, *, account_id: int, site_id: int | None, data: dict, causation: Causation) -> None:
    """Emit `custom.<name>` (from the emit_event action); dispatched after commit."""
    event = {
        "name": name,
        "account_id": account_id,
        "site_id": site_id,
        "object_type": "custom",
        "object": data,
        "changes": {},
    }
    enqueue_dispatch(event, causation)


_batch: ContextVar[list[tuple[dict[str, Any], dict[str, Any] | None]] | None] = ContextVar(
    "igny8_event_batch", default=None
)


def enqueue_dispatch(event: dict[str, Any], causation: Causation | None) -> None:
    """Dispatch `event` in a Celery task once the current transaction commits (saves stay cheap).

    Inside `events_batched()` the event joins the batch instead, sent in chunks when the block ends.
    """
    causation_data = causation.to_dict() if causation else None
    batch = _batch.get()
    if batch is not None:
        batch.append((event, causation_data))
        return
    from rules.tasks import dispatch

    transaction.on_commit(lambda: dispatch.apply_async((event, causation_data), queue="default"))


@contextmanager
def events_batched() -> Iterator[None]:
    """Collect the events of the changes made inside; enqueue them in chunks of DISPATCH_CHUNK after commit.

    A bulk import of 10,000 rows sends 50 dispatch tasks, not 10,000. Nothing is sent when the block raises.
    """
    if _batch.get() is not None:  # an enclosing batch sends them
        yield
        return
    events: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    if events:
        from rules.tasks import dispatch_batch

        chunks = [events[i : i + DISPATCH_CHUNK] for i in range(0, len(events), DISPATCH_CHUNK)]
        transaction.on_commit(lambda: [dispatch_batch.apply_async((chunk,), queue="default") for chunk in chunks])


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
    from backend.accounts.models import Site

    return Site.objects.filter(pk=site_id).values("id", "name", "domain", "timezone").first() or {}


# --- any trigger -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerResult:
    """What one trigger of one rule came to: a run started or queued, or the reason there is none."""

    outcome: str
    run: AutomationRun | None = None
    reason: str = ""
    refusal: InsufficientCredits | None = None  # set when the outcome is refused_credits


def trigger_rule(
    rule: AutomationRule,
    *,
    trigger_type: str,
    payload: dict,
    causation: Causation,
    site_id: int | None = None,
    record: dict | None = None,
) -> TriggerResult:
    """Apply the rule's mode and the account's limits, then start, queue or drop a run.

    Every outcome leaves a TriggerRecord. A run the account cannot afford is never created: the
    result carries the refusal (and no run number is spent on it).
    """
    from actions.executor import run_cancel, run_start

    record = record or {
        "rule": rule,
        "account_id": rule.account_id,
        "trigger_type": trigger_type,
        "causation": causation.to_dict(),
    }
    site_id = rule.site_id or site_id
    key = f"rule:{rule.id}" + (f":site:{site_id}" if rule.mode_scope == "site" else "")
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=rule.pk).first()  # serialise decisions per rule
        decision = _decide_mode(rule, key)
        if decision.action == "drop":
            return _recorded(record, Outcome.DROPPED_MODE, decision.reason)
        limit = _account_limit_reason(rule.account_id) or _claim_root_slot(causation)
        if limit:
            return _recorded(record, Outcome.DROPPED_LIMIT, limit)
        try:
            with transaction.atomic():  # a refusal rolls back the run, its steps and any restart cancels
                run, steps = _create_run(
                    rule, trigger_type=trigger_type, payload=payload, causation=causation, site_id=site_id, key=key
                )
                if decision.action == "queue":
                    return _recorded(record, Outcome.QUEUED, decision.reason, run)
                for active in AutomationRun.objects.filter(run_id__in=decision.cancel_run_ids):
                    run_cancel(active, reason=f"restarted by {run.run_id}")
                run_start(run, steps)
        except InsufficientCredits as exc:
            _release_root_slot(causation)
            result = _recorded(record, Outcome.REFUSED_CREDITS, str(exc))
            return TriggerResult(result.outcome, reason=result.reason, refusal=exc)
        return _recorded(record, Outcome.STARTED, decision.reason, run)


def _decide_mode(rule: AutomationRule, key: str):
    active = list(
        AutomationRun.objects.filter(concurrency_key=key, status__in=AutomationRun.ACTIVE)
        .order_by("created_at")
        .values_list("run_id", "status")
    )
    running = [run_id for run_id, state in active if state != AutomationRun.Status.QUEUED]
    return decide_mode(rule.mode, max_runs=rule.max_runs, running=running, queued=len(active) - len(running))


def _recorded(record: dict, outcome: str, reason: str, run: AutomationRun | None = None) -> TriggerResult:
    TriggerRecord.objects.create(outcome=outcome, reason=reason, run=run, **record)
    return TriggerResult(outcome, run, reason)


def _account_limit_reason(account_id: int) -> str:
    """Why the account may not have another active run now ('' when it may)."""
    limit = settings.AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT
    active = AutomationRun.objects.filter(account_id=account_id, status__in=AutomationRun.ACTIVE).count()
    if active >= limit:
        return (
            f"account limit: {active} runs are active or waiting, at most {limit} "
            "(AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT)"
        )
    return ""


def _root_key(causation: Causation) -> str:
    return f"igny8:root-runs:{causation.root_id}"


def _claim_root_slot(causation: Causation) -> str:
    """Count one more run descending from the causation's root event; the reason when there are too many."""
    limit = settings.AUTOMATION_MAX_RUNS_PER_ROOT
    try:
        if count_up(_root_key(causation), ROOT_COUNT_SECONDS) <= limit:
            return ""
        get_redis().decr(_root_key(causation))
    except Exception as exc:  # noqa: BLE001 - without Redis the depth limit still bounds chains
        log.warning("could not count the runs of root %s: %s", causation.root_id, exc)
        return ""
    return (
        f"fan-out limit: {limit} runs already descend from the root event {causation.root_event!r} "
        "(AUTOMATION_MAX_RUNS_PER_ROOT)"
    )


def _release_root_slot(causation: Causation) -> None:
    try:
        get_redis().decr(_root_key(causation))
    except Exception:  # noqa: BLE001 - the count only bounds fan-out
        pass


def admit_run(run: AutomationRun) -> AutomationRun:
    """Start a queued run now if its group has room (used by retry), else leave it queued."""
    if run.rule_id is None:
        return _start_admitted(run)
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        busy = (
            AutomationRun.objects.filter(
                concurrency_key=run.concurrency_key,
                status__in=[AutomationRun.Status.RUNNING, AutomationRun.Status.PAUSED],
            )
            .exclude(pk=run.pk)
            .exists()
        )
        if not busy:
            _start_admitted(run)
    return run


def _start_admitted(run: AutomationRun) -> AutomationRun:
    """Start a run that already exists (it waited in a queue, or is retried); one it cannot afford fails."""
    from actions.executor import finish_run, run_start

    try:
        with transaction.atomic():
            return run_start(run)
    except InsufficientCredits as exc:
        finish_run(run, AutomationRun.Status.FAILED, str(exc))
        run.refresh_from_db()
        return run


def new_run_id(trigger_type: str, *, suffix: bool = False) -> str:
    """run_YYYYMMDD_HHMMSS_<trigger> (the seeds' format); with `suffix`, a short random tail for a taken id."""
    base = f"run_{timezone.now():%Y%m%d_%H%M%S}_{trigger_type}"
    return f"{base}_{secrets.token_hex(3)}" if suffix else base


def _create_run(
    rule: AutomationRule, *, trigger_type: str, payload: dict, causation: Causation, site_id: int | None, key: str
) -> tuple[AutomationRun, list[RunStep]]:
    fields = {
        "account_id": rule.account_id,
        "site_id": site_id,
        "rule": rule,
        "rule_version": rule.version,
        "rule_name": rule.name,
        "trigger_type": trigger_type,
        "trigger_payload": payload,
        "concurrency_key": key,
        "causation": causation.to_dict(),
    }
    if causation.run_id:
        fields["parent_run"] = AutomationRun.objects.filter(run_id=causation.run_id).first()
    for attempt in range(5):
        try:
            with transaction.atomic():  # the plain id is taken when two runs start in the same second
                run = AutomationRun.objects.create(run_id=new_run_id(trigger_type, suffix=attempt > 0), **fields)
                break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not allocate a unique run_id")
    steps = RunStep.objects.bulk_create([_step(run, index, spec) for index, spec in enumerate(rule.actions)])
    AutomationRule.objects.filter(pk=rule.pk).update(
        execution_count=F("execution_count") + 1, last_executed_at=timezone.now()
    )
    return run, steps


def _step(run: AutomationRun, index: int, spec: dict) -> RunStep:
    retry = spec.get("retry") or {}
    return RunStep(
        run=run,
        index=index,
        action_type=spec["type"],
        name=spec.get("name", ""),
        params=spec.get("params") or {},
        on_error=spec.get("on_error", "stop"),
        max_retries=retry.get("max", 0),
        retry_backoff=retry.get("backoff", 2.0),
        timeout=spec.get("timeout"),
    )


# --- after a run -----------------------------------------------------------------------------


def on_run_finished(run_pk: int) -> None:
    """Start the next queued run of the group, send `run_finished`, emit run.completed / run.failed."""
    run = AutomationRun.objects.filter(pk=run_pk).select_related("rule", "site").first()
    if run is None:
        return
    _start_next_queued(run)
    run_finished.send(sender=AutomationRun, run=run)
    name = {"completed": "run.completed", "failed": "run.failed"}.get(run.status)
    if name is None:
        return
    obj = {
        "id": run.pk,
        "run_id": run.run_id,
        "rule": run.rule_id,
        "site": run.site_id,
        "status": run.status,
        "trigger_type": run.trigger_type,
        "total_credits_used": float(run.total_credits_used),
        "error_message": run.error_message,
    }
    if rule_index.lookup(run.account_id, name):
        parent = Causation.from_dict(run.causation).child(rule_id=run.rule_id or 0, run_id=run.run_id)
        dispatch_event(
            {
                "name": name,
                "account_id": run.account_id,
                "site_id": run.site_id,
                "object_type": "run",
                "object": obj,
                "changes": {},
            },
            parent,
        )


def _start_next_queued(run: AutomationRun) -> None:
    if run.rule_id is None:
        return
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        group = AutomationRun.objects.filter(concurrency_key=run.concurrency_key)
        if group.filter(status__in=[AutomationRun.Status.RUNNING, AutomationRun.Status.PAUSED]).exists():
            return
        waiting = group.filter(status=AutomationRun.Status.QUEUED).order_by("created_at", "id").first()
        if waiting is not None:
            _start_admitted(waiting)
