"""The Celery app: `celery -A backend worker` / `celery -A backend beat` from the repo root."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun

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
