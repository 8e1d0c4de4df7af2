from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from actions import ai
from actions.base import ActionError
from actions.content.common import out_of_credits
from actions.costs import image_cost
from actions.items import BatchOutcome, ItemAction, item_schema
from actions.providers import ProviderError
from actions.registry import registry
from backend.billing.errors import InsufficientCredits
from backend.writer.models import Image

SIZES = ["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792"]


@registry.register
class GenerateImages(ItemAction):
    key = "generate_images"
    name = "Generate images"
    description = (
        "Renders pending image prompts into PNG files under MEDIA_ROOT (status `generated`), or marks "
        "them `failed` with the reason. `concurrency` renders several at once within the rate limit."
    )
    queue = "ai"
    cost_note = "1-4 credits per image (size, quality)"
    item_kind = "image"
    default_batch_size = 1
    default_limit = 1
    params_schema = item_schema({"size": {"enum": SIZES}, "quality": {"enum": ["standard", "hd"]}})

    def queryset_for_site(self, site_id):
        return Image.objects.filter(site_id=site_id, status="pending").exclude(prompt="")

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return Image.objects.filter(account_id=ctx.account_id, status="pending")
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def estimate(self, params, *, site_id):
        unit = image_cost(params.get("size", "1024x1024"), params.get("quality", "standard"))
        return unit * self.estimate_count(params, site_id=site_id)

    def process_batch(self, ctx, items, params):
        provider = ai.provider_for(ctx.account_id)
        size, quality = params.get("size", "1024x1024"), params.get("quality", "standard")
        outcome = BatchOutcome(consumed=len(items))
        for image in items:
            try:
                picture = ai.call(ctx, self.key, provider.generate_image, image.prompt, size=size, quality=quality)
            except ProviderError as exc:
                if not exc.permanent and len(items) == 1:  # stays pending; the engine retries the step
                    raise ActionError(f"AI provider: {exc.message}") from exc
                self._fail(image, exc.message)
                outcome.failed.append((image.pk, f"AI provider: {exc.message}"))
                continue
            self._save(ctx, image, picture.value.data, image_cost(size, quality))
            outcome.produced += 1
        outcome.result["images_generated"] = outcome.produced
        outcome.result["images_failed"] = len(outcome.failed)
        return outcome

    def _fail(self, image: Image, message: str) -> None:
        image.status, image.error = Image.Status.FAILED, message[:2000]
        image.save(update_fields=["status", "error", "updated_at"])

    def _save(self, ctx, image: Image, data: bytes, cost) -> None:
        try:
            with transaction.atomic():
                image.file.save(
                    f"content-{image.content_id}-{image.kind}-{image.position}.png", ContentFile(data), save=False
                )
                image.status, image.error = Image.Status.GENERATED, ""
                image.save(update_fields=["file", "status", "error", "updated_at"])
                ctx.charge(cost, operation=self.key, object_type="image", object_id=image.pk)
        except InsufficientCredits as exc:
            raise out_of_credits(exc) from exc
