from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support.celery_worker import WorkerProcess


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_it_reports_every_part_ok_with_a_live_worker():
    worker = WorkerProcess(name="health").start()
    try:
        response = APIClient().get("/api/health/")
    finally:
        worker.stop()
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert body["workers"].startswith("ok (") and "workers)" in body["workers"]


def test_it_answers_503_naming_the_workers_when_none_answers(db):
    response = APIClient().get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["workers"] == "error: no Celery worker answered a ping"


def test_it_answers_503_naming_the_broker_when_redis_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["broker"].startswith("error:") and body["workers"].startswith("unknown")
