"""The Celery app: `celery -A backend worker` / `celery -A backend beat` from the repo root."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect(weak=False, dispatch_uid="igny8-close-old-connections")  # type: ignore[untyped-decorator]
def _close_old_connections(task: Any = None, **kwargs: Any) -> None:
    """After a task, as Django after a request: close connections that aged past CONN_MAX_AGE or broke."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()


# Objects allocated (net) between two collections of Python's youngest generation (default 700). The engine's work
# allocates tens of thousands of short-lived objects at a time (a dispatch take's runs, steps and messages; a
# batch of items): with 700 they are collected while still in use, promoted to the older generations, and start
# full collections that walk the whole heap (a worker's rule index holds hundreds of thousands of objects). Freed
# by their reference counts first, they are never promoted at 50,000: a tenth of a dispatch drain's time on
# PostgreSQL went to those collections (docs/PERFORMANCE.md, dispatch_throughput).
GC_YOUNG_THRESHOLD = 50_000


@worker_init.connect(weak=False, dispatch_uid="igny8-worker-gc")  # type: ignore[untyped-decorator]
@worker_process_init.connect(weak=False, dispatch_uid="igny8-worker-process-gc")  # type: ignore[untyped-decorator]
def tune_gc(**kwargs: Any) -> None:
    """Set a worker process's garbage collector for its allocations (GC_YOUNG_THRESHOLD)."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
