"""A message that kills its worker is set aside after AUTOMATION_MAX_DELIVERIES, not redelivered forever.

Tasks run with late acks and `reject_on_worker_lost`, so a worker that dies (killed, out of memory) hands
its message back to the broker. Each delivery is counted in Redis by task id; one too many records a
DeadLetter and is acknowledged without running.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from backend.core.redis import count_up, get_redis
from rules.models import DeadLetter

log = logging.getLogger(__name__)
COUNT_SECONDS = 86400


def _key(task_id: str) -> str:
    return f"igny8:deliveries:{task_id}"


def delivery_allowed(task: Any, args: list[Any], *, account_id: int | None = None) -> bool:
    """Count this delivery of the task's message; False (after dead-lettering it) once it is one too many."""
    if not task.request.id:
        return True
    try:
        count = count_up(_key(task.request.id), COUNT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - without Redis nothing is counted (nor lost)
        log.warning("could not count deliveries of %s: %s", task.request.id, exc)
        return True
    if count <= settings.AUTOMATION_MAX_DELIVERIES:
        return True
    set_aside(task.name, task.request.id, args, account_id=account_id, died=count - 1, running="running this message")
    delivery_done(task)
    return False


def count_delivery(item_id: str) -> int:
    """Count one more delivery of an item that is not a message of its own (an event of the dispatcher's inbox,
    rules/inbox.py); returns how many were counted."""
    return count_up(_key(item_id), COUNT_SECONDS)


def set_aside(task: str, task_id: str, args: list[Any], *, account_id: int | None, died: int, running: str) -> None:
    """Record a DeadLetter for work whose worker died `died` times while `running` it."""
    limit = settings.AUTOMATION_MAX_DELIVERIES
    reason = (
        f"the worker died {died} times while {running} (killed or out of memory); "
        f"it is set aside instead of being delivered again (AUTOMATION_MAX_DELIVERIES = {limit})"
    )
    DeadLetter.objects.create(
        task=task, task_id=task_id, args=args, account_id=account_id, deliveries=died, reason=reason
    )
    log.error("dead-lettered %s %s: %s", task, task_id, reason)


def delivery_done(task: Any) -> None:
    """The message was handled (or failed normally): forget its count."""
    if task.request.id:
        forget_deliveries(task.request.id)


def forget_deliveries(task_id: str) -> None:
    try:
        get_redis().delete(_key(task_id))
    except Exception:  # noqa: BLE001 - the count expires by itself
        pass
