"""Periodic tasks of the engine (celery beat): the schedule tick and stale-run recovery."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from actions.executor import recover_stale_runs
from rules.models import TriggerRecord
from rules.services import schedule_claim_due

TRIGGER_RECORD_DAYS = 14


@shared_task(name="rules.dispatch", ignore_result=True, acks_late=True)
def dispatch(event: dict, causation: dict | None) -> int:
    """Evaluate the rules listening to one event and start their runs."""
    from rules.dispatch import dispatch_event
    from rules.engine import Causation

    return len(dispatch_event(event, Causation.from_dict(causation) if causation else None))


@shared_task(name="rules.schedule_tick", ignore_result=True)
def schedule_tick() -> int:
    """Fire due schedule rules (each exactly once across schedulers); prune old trigger records."""
    fired = schedule_claim_due()
    TriggerRecord.objects.filter(at__lt=timezone.now() - timedelta(days=TRIGGER_RECORD_DAYS)).delete()
    return len(fired)


@shared_task(name="rules.recover_stale_runs", ignore_result=True)
def recover() -> int:
    """Re-enqueue the step of any running run whose worker died."""
    return len(recover_stale_runs())
