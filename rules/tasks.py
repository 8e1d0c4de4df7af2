"""The engine's Celery tasks: thin, ids and primitives in, a call inside.

Step executions and event dispatch run on the workers; the schedule tick, recovery and pruning come from beat.
Messages whose worker dies every time are dead-lettered (rules/deliveries.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from kombu.utils.uuid import uuid

from rules import executor, inbox
from rules.core.causation import Causation
from rules.deliveries import delivery_allowed, delivery_done
from rules.dispatch import dispatch_events
from rules.index import rule_index
from rules.lifecycle import recover_stale_runs
from rules.retention import history_prune
from rules.scheduler import schedule_claim_due


@shared_task(name="rules.execute_step", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_step(step_pk: int) -> None:
    """Execute one step of a run (idempotent: a redelivery never repeats a completed step)."""
    executor.execute_step(step_pk)


@shared_task(bind=True, name="rules.dispatch", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def dispatch(self: Any, event: dict, causation: dict | None) -> int:
    """Evaluate the rules listening to one event and start their runs (eager mode, and messages sent before
    the inbox)."""
    return _dispatch_all(self, [(event, causation)])


@shared_task(bind=True, name="rules.dispatch_inbox", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def dispatch_inbox(self: Any, adopt: str | None = None) -> int:
    """Drain the dispatcher's inbox in batches (rules/inbox.py): the events a save or a transaction posted."""
    return inbox.drain(self.request.id or uuid(), adopt=adopt)


@shared_task(bind=True, name="rules.dispatch_batch", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def dispatch_batch(self: Any, events: list) -> int:
    """Dispatch the events of one bulk change (see rules.queueing)."""
    return _dispatch_all(self, events)


def _dispatch_all(task: Any, events: list) -> int:
    account_id = events[0][0].get("account_id") if events else None
    if not delivery_allowed(task, [list(item) for item in events], account_id=account_id):
        return 0
    try:
        rule_index.refresh()  # once per task: the events' lookups then stay in memory
        items = [(event, Causation.from_dict(causation) if causation else None) for event, causation in events]
        return len(dispatch_events(items))
    finally:
        delivery_done(task)


@shared_task(name="rules.schedule_tick", ignore_result=True)
def schedule_tick() -> int:
    """Fire due schedule rules (each exactly once across schedulers)."""
    return len(schedule_claim_due())


@shared_task(name="rules.recover_stale_runs", ignore_result=True)
def recover() -> int:
    """Send again the step of any running run whose worker died; send drainers for the inbox's stranded events."""
    return len(recover_stale_runs()) + inbox.recover()


@shared_task(name="rules.prune_history", ignore_result=True)
def prune_history() -> dict[str, int]:
    """Delete history older than AUTOMATION_RETENTION_DAYS (runs with their records, in short batches)."""
    return history_prune(older_than=timezone.now() - timedelta(days=settings.AUTOMATION_RETENTION_DAYS))
