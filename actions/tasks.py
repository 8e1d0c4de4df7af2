"""Celery tasks of the executor: thin, ids in, a service call inside."""

from __future__ import annotations

from celery import shared_task

from actions import executor


@shared_task(name="actions.execute_step", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_step(run_pk: int, index: int) -> None:
    """Execute one step of one run (idempotent: redelivery never repeats a completed step)."""
    executor.execute_step(run_pk, index)
