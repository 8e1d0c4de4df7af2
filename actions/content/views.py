"""The image resource with regeneration: POST /api/v1/images/{id}/regenerate/.

Rendering an image is this layer's work (the AI provider, its charge), so the images API served at /api/v1/images/
is the writer's ImageViewSet plus this action.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from actions.content.generate_images import REGENERATE_QUEUE, regenerate_image_task
from backend.writer import views as writer
from backend.writer.models import Image
from backend.writer.serializers import ImageSerializer

PROMPT_MAX = 4000
RegenerateImageRequest = inline_serializer(
    "RegenerateImageRequest",
    {"prompt": serializers.CharField(required=False, max_length=PROMPT_MAX, help_text="Replaces the prompt.")},
)


class ImageViewSet(writer.ImageViewSet):
    @extend_schema(request=RegenerateImageRequest, responses={202: ImageSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        """Render this image again (with a new prompt when given) with the account's AI provider, charged like
        generate_images, in the background: 202 with status `pending`, then `generated` or `failed` with error."""
        image = self.get_object()
        prompt = _prompt(request.data, image)
        with transaction.atomic():
            locked = Image.objects.select_for_update().get(pk=image.pk)
            if locked.status == Image.Status.PENDING:
                raise ValidationError({"status": [f"Image {image.pk} is already waiting to be generated."]})
            locked.status, locked.error, locked.prompt = Image.Status.PENDING, "", prompt
            locked.save(update_fields=["status", "error", "prompt", "updated_at"])
            request_id = uuid.uuid4().hex
            transaction.on_commit(
                lambda: regenerate_image_task.apply_async((locked.pk, request_id), queue=REGENERATE_QUEUE)
            )
        return Response(self.get_serializer(locked).data, status=status.HTTP_202_ACCEPTED)


def _prompt(data, image: Image) -> str:
    if not isinstance(data, dict):
        raise ValidationError({"prompt": ["Send a JSON object, with an optional prompt."]})
    unknown = sorted(set(data) - {"prompt"})
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    if "prompt" not in data:
        if not image.prompt.strip():
            raise ValidationError({"prompt": [f"Image {image.pk} has no prompt: give one."]})
        return image.prompt
    prompt = data["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError({"prompt": ["A prompt must be a non-blank text."]})
    if len(prompt.strip()) > PROMPT_MAX:
        raise ValidationError({"prompt": [f"Ensure this field has no more than {PROMPT_MAX} characters."]})
    return prompt.strip()
