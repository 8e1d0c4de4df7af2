"""Tasks, content (with approve / bulk approve for the review gate) and images."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.core.input import MAX_ID
from backend.writer.models import Content, Image, Task
from backend.writer.serializers import ContentSerializer, ImageSerializer, TaskSerializer


class TaskViewSet(AccountScopedViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filter_params = ("site", "status", "cluster", "idea")
    search_fields = ["title"]
    ordering_fields = ["id", "title", "created_at"]


BulkApproveRequest = inline_serializer(
    "BulkApproveRequest", {"ids": serializers.ListField(child=serializers.IntegerField())}
)
BulkApproveResponse = inline_serializer(
    "BulkApproveResponse", {"approved": serializers.ListField(child=serializers.IntegerField())}
)


class ContentViewSet(AccountScopedViewSet):
    queryset = Content.objects.annotate(images_total=Count("images"))
    serializer_class = ContentSerializer
    filter_params = ("site", "status", "task")
    search_fields = ["title"]
    ordering_fields = ["id", "title", "word_count", "created_at"]

    @extend_schema(request=None, responses=ContentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Move one content item from review to approved."""
        content = self.get_object()
        _approve([content])
        return Response(self.get_serializer(self.get_queryset().get(pk=content.pk)).data)

    @extend_schema(request=BulkApproveRequest, responses=BulkApproveResponse)
    @action(detail=False, methods=["post"])
    def bulk_approve(self, request):
        """Approve many items in review at once; all or nothing."""
        ids = request.data.get("ids") if isinstance(request.data, dict) else None
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids)
        ):
            raise ValidationError({"ids": ["A non-empty list of content ids is required."]})
        items = list(self.get_queryset().filter(pk__in=ids))
        missing = sorted(set(ids) - {c.pk for c in items})
        if missing:
            raise ValidationError({"ids": [f"Unknown content ids: {missing}."]})
        _approve(items)
        return Response({"approved": sorted(c.pk for c in items)})


@transaction.atomic
def _approve(items: list[Content]) -> None:
    wrong = [c.pk for c in items if c.status != Content.Status.REVIEW]
    if wrong:
        raise ValidationError({"status": [f"Only content in review can be approved; not in review: {wrong}."]})
    for content in items:
        content.status = Content.Status.APPROVED
        content.save(update_fields=["status", "updated_at"])


class ImageViewSet(AccountScopedViewSet):
    queryset = Image.objects.all()
    serializer_class = ImageSerializer
    filter_params = ("site", "status", "content", "kind")
    ordering_fields = ["id", "position", "created_at"]
