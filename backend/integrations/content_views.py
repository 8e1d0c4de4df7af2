"""The content resource with publishing: POST /content/{id}/publish/ and /content/bulk_publish/.

Publishing is this app's work (the writer app below it knows no WordPress), so the content API served at
/api/v1/content/ is the writer's ContentViewSet plus these two actions.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backend.integrations.services import content_publish_queue
from backend.integrations.tasks import QUEUE, publish_content
from backend.writer import views as writer
from backend.writer.models import Content
from backend.writer.serializers import ContentSerializer

POST_STATUSES = [choice.value for choice in Content.PostStatus]
PublishRequest = inline_serializer(
    "PublishRequest",
    {"post_status": serializers.ChoiceField(choices=Content.PostStatus.choices, default="publish", required=False)},
)
BulkPublishRequest = inline_serializer(
    "BulkPublishRequest",
    {
        "ids": serializers.ListField(child=serializers.IntegerField()),
        "post_status": serializers.ChoiceField(choices=Content.PostStatus.choices, default="publish", required=False),
    },
)
BulkPublishResponse = inline_serializer(
    "BulkPublishResponse", {"queued": serializers.ListField(child=serializers.IntegerField())}
)


def _post_status(data) -> str:
    value = data.get("post_status", "publish") if isinstance(data, dict) else "publish"
    if value not in POST_STATUSES:
        raise ValidationError({"post_status": [f"Must be one of: {', '.join(POST_STATUSES)}."]})
    return value


def _queue(contents: list[Content], post_status: str) -> list[int]:
    """Mark them queued (all or nothing) and send each to the publish task once the caller's transaction commits."""
    try:
        ids = content_publish_queue(contents=contents, post_status=post_status)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    transaction.on_commit(lambda: [publish_content.apply_async((pk, post_status), queue=QUEUE) for pk in ids])
    return ids


class ContentViewSet(writer.ContentViewSet):
    @extend_schema(request=PublishRequest, responses={202: ContentSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish approved (or published: its post is updated) content to its site's WordPress, in the background:
        202 with publish_status `queued`, then `published` or `failed` with publish_error."""
        content = self.get_object()
        post_status = _post_status(request.data)
        with transaction.atomic():  # the answer shows it queued; the task starts once this commits
            _queue([content], post_status)
            data = self.get_serializer(self.get_queryset().get(pk=content.pk)).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=BulkPublishRequest, responses={202: BulkPublishResponse})
    @action(detail=False, methods=["post"])
    def bulk_publish(self, request):
        """Publish many items; nothing is queued unless every one can be published."""
        errors = {}
        try:
            ids = writer.content_ids(request.data)
        except ValidationError as exc:
            errors.update(exc.detail)
        try:
            post_status = _post_status(request.data)
        except ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            queued = _queue(writer.account_content(self.get_queryset(), ids), post_status)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)
