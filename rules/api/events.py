"""The event journal API (`/api/v1/automation/events/`): the account's events newest first, filtered by event
name, time, object and site, in cursor pages (the journal is long: no page numbers, no count)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import CursorPagination

from rules import selectors
from rules.models import EventRecord


class EventRecordSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="name")
    site = serializers.IntegerField(source="site_id", allow_null=True)

    class Meta:
        model = EventRecord
        fields = ["id", "at", "event", "site", "object_type", "object_id", "object", "changes", "causation"]
        read_only_fields = fields


class JournalPagination(CursorPagination):
    ordering = ("-at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(
    parameters=[
        OpenApiParameter("event", str, description="An event name, e.g. keyword.created or webhook.received"),
        OpenApiParameter("since", str, description="ISO 8601 time: events at or after it"),
        OpenApiParameter("until", str, description="ISO 8601 time: events before it"),
        OpenApiParameter("object_type", str),
        OpenApiParameter("object_id", int),
        OpenApiParameter("site", int),
    ]
)
class EventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every event of the account as it was emitted (model changes, custom events, webhook deliveries, schedule
    fires, run outcomes), after its transaction committed; pruned with the rest of history."""

    serializer_class = EventRecordSerializer
    pagination_class = JournalPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EventRecord.objects.none()
        return selectors.events_filtered(account_id=self.request.user.account_id, params=self.request.query_params)
