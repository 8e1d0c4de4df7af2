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


def _key(task: Any) -> str:
    return f"igny8:deliveries:{task.request.id}"


def delivery_allowed(task: Any, args: list[Any], *, account_id: int | None = None) -> bool:
    """Count this delivery of the task's message; False (after dead-lettering it) once it is one too many."""
    if not task.request.id:
        return True
    try:
        count = count_up(_key(task), COUNT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - without Redis nothing is counted (nor lost)
        log.warning("could not count deliveries of %s: %s", task.request.id, exc)
        return True
    limit = settings.AUTOMATION_MAX_DELIVERIES
    if count <= limit:
        return True
    reason = (
        f"the worker died {count - 1} times while running this message (killed or out of memory); "
        f"it is set aside instead of being delivered again (AUTOMATION_MAX_DELIVERIES = {limit})"
    )
    DeadLetter.objects.create(
        task=task.name, task_id=task.request.id, args=args, account_id=account_id, deliveries=count - 1, reason=reason
    )
    log.error("dead-lettered %s %s: %s", task.name, task.request.id, reason)
    delivery_done(task)
    return False


def delivery_done(task: Any) -> None:
    """The message was handled (or failed normally): forget its count."""
    if task.request.id:
        try:
            get_redis().delete(_key(task))
        except Exception:  # noqa: BLE001 - the count expires by itself
            pass
