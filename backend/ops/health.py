"""Liveness of the parts the service needs: the database and the broker (Redis)."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def check_database() -> str:
    """'ok', or the error that a trivial query raised."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return f"error: {exc.__class__.__name__}: {exc}"


def check_broker() -> str:
    """'ok', or why a PING to the Redis broker failed."""
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"


def check_workers(timeout: float = 1.0) -> str:
    """'ok (N workers)' when Celery workers answer a ping, else why not."""
    try:
        from backend.celery import app

        answers = app.control.ping(timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"
    return f"ok ({len(answers)} workers)" if answers else "error: no Celery worker answered a ping"


class HealthView(APIView):
    """`{"status": "ok", "database": "ok", "broker": "ok", "workers": "ok (N workers)"}`, or 503 naming
    the failing part. Worker liveness is only asked when the broker is up."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                    "broker": serializers.CharField(),
                    "workers": serializers.CharField(),
                },
            )
        }
    )
    def get(self, request):
        parts = {"database": check_database(), "broker": check_broker()}
        parts["workers"] = check_workers() if parts["broker"] == "ok" else "unknown: the broker is down"
        healthy = all(v.startswith("ok") for v in parts.values())
        return Response({"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503)
