from __future__ import annotations

from rest_framework.test import APIClient


def test_it_reports_every_part_ok(db):
    response = APIClient().get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_answers_503_naming_the_broker_when_redis_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["broker"].startswith("error:")
