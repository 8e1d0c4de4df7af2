"""Tasks, content (approve / reject, one or in bulk, for the review gate; regenerate) and images.

Publishing (backend.integrations.content_views) and regenerating an image (actions.content.views) add their routes to
these resources from the layers that own that work.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F
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
REVIEW_NOTE_MAX = 2000
RejectRequest = inline_serializer(
    "RejectRequest", {"note": serializers.CharField(max_length=REVIEW_NOTE_MAX, help_text="Why it goes back.")}
)
BulkRejectRequest = inline_serializer(
    "BulkRejectRequest",
    {
        "ids": serializers.ListField(child=serializers.IntegerField()),
        "note": serializers.CharField(max_length=REVIEW_NOTE_MAX),
    },
)
BulkRejectResponse = inline_serializer(
    "BulkRejectResponse", {"rejected": serializers.ListField(child=serializers.IntegerField())}
)


def content_queryset():
    """Content with what its serializer shows of other rows (images count, the task's cluster) in one query."""
    return Content.objects.annotate(images_total=Count("images"), task_cluster=F("task__cluster_id"))


def content_ids(data) -> list[int]:
    """The `ids` of a bulk request: a non-empty list of plausible ids, or a 400 naming `ids`."""
    ids = data.get("ids") if isinstance(data, dict) else None
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids)
    ):
        raise ValidationError({"ids": ["A non-empty list of content ids is required."]})
    return ids


def account_content(queryset, ids: list[int]) -> list[Content]:
    """The content named by `ids` in `queryset` (the caller's), or a 400 naming the unknown ids."""
    items = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in items})
    if missing:
        raise ValidationError({"ids": [f"Unknown content ids: {missing}."]})
    return items


class ContentViewSet(AccountScopedViewSet):
    queryset = content_queryset()
    serializer_class = ContentSerializer
    filter_params = ("site", "status", "task", "publish_status")
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
        items = account_content(self.get_queryset(), content_ids(request.data))
        _approve(items)
        return Response({"approved": sorted(c.pk for c in items)})

    @extend_schema(request=RejectRequest, responses=ContentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Send content in review (or approved) back to draft with the reviewer's note, which is kept."""
        content = self.get_object()
        _reject([content], _note(request.data))
        return Response(self.get_serializer(self.get_queryset().get(pk=content.pk)).data)

    @extend_schema(request=BulkRejectRequest, responses=BulkRejectResponse)
    @action(detail=False, methods=["post"])
    def bulk_reject(self, request):
        """Reject many items with one note; all or nothing."""
        errors = {}
        try:
            ids = content_ids(request.data)
        except ValidationError as exc:
            errors.update(exc.detail)
        try:
            note = _note(request.data)
        except ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise ValidationError(errors)
        items = account_content(self.get_queryset(), ids)
        _reject(items, note)
        return Response({"rejected": sorted(c.pk for c in items)})

    @extend_schema(request=None, responses=ContentSerializer)
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        """Queue the draft's task again: generate_content re-writes this content (same id), its review note given
        to the writer as feedback, on the pipeline's next run."""
        content = self.get_object()
        _regenerate(content)
        return Response(self.get_serializer(self.get_queryset().get(pk=content.pk)).data)


@transaction.atomic
def _approve(items: list[Content]) -> None:
    wrong = [c.pk for c in items if c.status != Content.Status.REVIEW]
    if wrong:
        raise ValidationError({"status": [f"Only content in review can be approved; not in review: {wrong}."]})
    for content in items:
        content.status = Content.Status.APPROVED
        content.save(update_fields=["status", "updated_at"])


def _note(data) -> str:
    note = data.get("note") if isinstance(data, dict) else None
    if not isinstance(note, str) or not note.strip():
        raise ValidationError({"note": ["A note saying why the content goes back is required."]})
    if len(note.strip()) > REVIEW_NOTE_MAX:
        raise ValidationError({"note": [f"Ensure this field has no more than {REVIEW_NOTE_MAX} characters."]})
    return note.strip()


@transaction.atomic
def _reject(items: list[Content], note: str) -> None:
    allowed = (Content.Status.REVIEW, Content.Status.APPROVED)
    wrong = [c.pk for c in items if c.status not in allowed]
    if wrong:
        raise ValidationError(
            {"status": [f"Only content in review or approved can be rejected; not in review or approved: {wrong}."]}
        )
    for content in items:
        content.status, content.review_note = Content.Status.DRAFT, note
        content.save(update_fields=["status", "review_note", "updated_at"])


@transaction.atomic
def _regenerate(content: Content) -> None:
    errors = {}
    if content.status != Content.Status.DRAFT:
        errors["status"] = [f"Only draft content can be regenerated; content {content.pk} is {content.status}."]
    task = Task.objects.select_for_update().filter(pk=content.task_id).first() if content.task_id else None
    if task is None:
        errors["task"] = [f"Content {content.pk} has no task to write it again."]
    if errors:
        raise ValidationError(errors)
    task.status, task.error = Task.Status.QUEUED, ""
    task.save(update_fields=["status", "error", "updated_at"])
    content.rewrite_requested = True
    content.save(update_fields=["rewrite_requested", "updated_at"])


class ImageViewSet(AccountScopedViewSet):
    queryset = Image.objects.all()
    serializer_class = ImageSerializer
    filter_params = ("site", "status", "content", "kind")
    ordering_fields = ["id", "position", "created_at"]
