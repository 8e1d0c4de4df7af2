"""`/api/v1/automation/scheduled-tasks/` (the seeds' ScheduledTaskViewSet): read-only, the caller's account only."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backend.core.input import parse_id
from rules.api.serializers import ScheduledTaskSerializer
from rules.scheduled_tasks import STATUSES, scheduled_task_get, scheduled_tasks_list


class ScheduledTaskViewSet(viewsets.GenericViewSet):
    """Upcoming fires of the account's active schedule rules, then its past scheduled runs."""

    serializer_class = ScheduledTaskSerializer
    lookup_field = "id"
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("automation_rule", int, description="Only this rule's tasks."),
            OpenApiParameter("status", str, enum=list(STATUSES), description="'pending': upcoming fires only."),
        ]
    )
    def list(self, request):
        """Upcoming fires of the account's active schedule rules (soonest first), then past scheduled runs."""
        timeline = scheduled_tasks_list(
            account_id=request.user.account_id,
            rule_id=self._rule_filter(request.query_params.get("automation_rule")),
            status=self._status_filter(request.query_params.get("status")),
        )
        page = self.paginate_queryset(timeline)
        return self.get_paginated_response(ScheduledTaskSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", str, OpenApiParameter.PATH, description='"<rule id>:<unix seconds>" (upcoming) or a run_id'
            )
        ]
    )
    def retrieve(self, request, id=None):
        """One scheduled task; another account's (or an unknown id) is a 404."""
        task = scheduled_task_get(account_id=request.user.account_id, task_id=id or "")
        if task is None:
            raise Http404("no such scheduled task")
        return Response(ScheduledTaskSerializer(task).data)

    @staticmethod
    def _rule_filter(value: str | None) -> int | None:
        if value in (None, ""):
            return None
        try:
            return parse_id(value)
        except ValueError as exc:
            raise ValidationError({"automation_rule": [f"'{value}' is not a valid id."]}) from exc

    @staticmethod
    def _status_filter(value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in STATUSES:
            raise ValidationError({"status": [f"must be one of {', '.join(STATUSES)}"]})
        return value
