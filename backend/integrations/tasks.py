"""Celery tasks of the integrations app (found by the Celery app's autodiscovery): publishing on request."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from backend.integrations.services import content_publish_queued

QUEUE = "publish"  # the publishing workers' queue (given when sending: see rules/queueing.py)
LOCK_SECONDS = 600  # one publish of a content item at a time: a second waits, then updates the same post
LOCK_WAIT_SECONDS = 3
RETRY_SECONDS = (15, 60, 180)  # WordPress down or busy: tried again this much later, then marked failed


@shared_task(
    bind=True,
    name="integrations.publish_content",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
)
def publish_content(self, content_id: int, post_status: str = "publish", attempt: int = 0) -> None:
    """Publish one queued content item to its site's WordPress (see services.content_publish_queued)."""
    lock = f"igny8:publish-content:{content_id}"
    eager = bool(self.request.is_eager)  # inline (tests): no later to wait or retry for
    if not cache.add(lock, self.request.id or "eager", timeout=LOCK_SECONDS) and not eager:
        raise self.retry(countdown=LOCK_WAIT_SECONDS, queue=QUEUE)  # another publish of it is running: never two posts
    try:
        last_try = attempt >= len(RETRY_SECONDS) or eager
        transient = content_publish_queued(content_id=content_id, post_status=post_status, last_try=last_try)
    finally:
        cache.delete(lock)
    if transient is not None:
        raise self.retry(
            args=(content_id, post_status, attempt + 1), countdown=RETRY_SECONDS[attempt], exc=transient, queue=QUEUE
        )
