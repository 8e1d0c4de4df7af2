from __future__ import annotations

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from actions import claims
from actions.ai import client as ai
from actions.ai.providers import ProviderError
from actions.content.common import DirectContext
from actions.costs import image_cost
from actions.items import (
    BatchOutcome,
    ItemAction,
    announce_saved,
    item_schema,
    left_waiting,
    named_items,
    saved_in_order,
)
from backend.billing.errors import InsufficientCredits
from backend.writer.models import Content, Image
from rules.core.contract import ActionError, Charge
from rules.core.registry import registry

SIZES = ["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792"]


@registry.register
class GenerateImages(ItemAction):
    key = "generate_images"
    name = "Generate images"
    description = (
        "Renders pending image prompts into PNG files under MEDIA_ROOT (status `generated`), or marks "
        "them `failed` with the reason. `concurrency` renders several at once within the rate limit. "
        "`content_id` renders all of one article's pending images; `provider` picks the AI provider."
    )
    queue = "ai"
    cost_note = "1-4 credits per image (size, quality)"
    item_kind = "image"
    waiting = "pending (an image with a prompt, not rendered yet)"
    default_batch_size = 1
    default_limit = 1
    calls_in_threads = True
    one_call_per_item = True
    params_schema = item_schema(
        {
            "size": {"enum": SIZES},
            "quality": {"enum": ["standard", "hd"]},
            "content_id": {
                "type": "integer",
                "minimum": 1,
                "description": "Only this content's pending images, all of them unless `limit` is given "
                "(content of the run's site; the step fails for any other).",
            },
            "provider": {
                "enum": ai.PROVIDER_NAMES,
                "description": "The AI provider for this step (default: the AI_PROVIDER setting).",
            },
        }
    )

    def queryset_for_site(self, site_id):
        return Image.objects.filter(site_id=site_id, status="pending").exclude(prompt="")

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            queryset = named_items(Image.objects.filter(status="pending"), ctx)
        else:
            queryset = self.queryset_for_site(ctx.site_id).order_by("pk")
        return queryset.filter(content_id=params["content_id"]) if params.get("content_id") else queryset

    def estimate(self, params, *, site_id, account_id):
        unit = image_cost(params.get("size", "1024x1024"), params.get("quality", "standard"))
        return unit * self.estimate_count(_whole_content(params), site_id=site_id, account_id=account_id)

    def run(self, ctx, params):
        if params.get("content_id"):
            if not named_items(Content.objects.filter(pk=params["content_id"]), ctx).exists():
                where = f"site {ctx.site_id}" if ctx.site_id else "this account"
                raise ActionError(f"content_id {params['content_id']}: no such content in {where}", permanent=True)
        return super().run(ctx, _whole_content(params))

    def process_batch(self, ctx, items, params):
        provider = self.cached(("provider", params.get("provider")), lambda: self._provider(ctx, params))
        size, quality = params.get("size", "1024x1024"), params.get("quality", "standard")
        calls = ai.Calls(ctx)

        def render(image: Image):
            return calls.value_or_error(self.key, provider.generate_image, image.prompt, size=size, quality=quality)

        outcome = BatchOutcome()
        try:
            pictures = self.each(items, render)  # `concurrency` at a time
            rendered = []
            for image, picture in zip(items, pictures, strict=True):
                if not isinstance(picture, ProviderError):
                    rendered.append((image, picture.data))
                elif picture.permanent:
                    self._fail(image, picture.message)
                    outcome.failed.append((image.pk, f"AI provider: {picture.message}"))
                else:  # stays pending: the step is retried once the others are saved
                    outcome.error = outcome.error or ActionError(f"AI provider: {picture.message}")
            cost = image_cost(size, quality)
            saved, stop = saved_in_order(lambda part: self._save(ctx, part, cost, calls), rendered)
            outcome.error = stop or outcome.error
        finally:
            calls.record()  # what no save wrote
        left_waiting(items, (image.pk for image in saved), outcome)
        outcome.produced = len(saved)
        outcome.ids = [image.pk for image in saved]
        outcome.result["images_generated"] = outcome.produced
        outcome.result["images_failed"] = len(outcome.failed)
        return outcome

    def _provider(self, ctx, params):
        if not params.get("provider"):
            return ai.provider_for(ctx.account_id)
        try:
            return ai.provider_for(ctx.account_id, params["provider"])
        except ValueError as exc:  # e.g. `openai` chosen without OPENAI_API_KEY: retrying cannot help
            raise ActionError(f"AI provider {params['provider']!r}: {exc}", permanent=True) from exc

    def _fail(self, image: Image, message: str) -> None:
        image.status, image.error = Image.Status.FAILED, message[:2000]
        image.save(update_fields=["status", "error", "updated_at"])

    def _save(self, ctx, rendered: list[tuple[Image, bytes]], cost, calls: ai.Calls) -> list[Image]:
        """The batch's files, then its rows, provider calls and charge in one transaction (an image's file,
        status and charge go together); the images saved. A refused charge leaves no file behind."""
        if not rendered:
            return []
        now = timezone.now()
        images, before = [], []
        for image, data in rendered:
            before.append((image.file.name, image.status, image.error, image.updated_at))
            image.file.save(
                f"content-{image.content_id}-{image.kind}-{image.position}.png", ContentFile(data), save=False
            )
            image.status, image.error, image.updated_at = Image.Status.GENERATED, "", now
            images.append(image)
        fields = ["file", "status", "error", "updated_at"]
        try:
            with transaction.atomic():
                calls.record()
                # One statement; only the file differs between the images (bulk_update would build a CASE per field).
                file = (
                    images[0].file.name
                    if len(images) == 1
                    else Case(*(When(pk=i.pk, then=Value(i.file.name)) for i in images))
                )
                Image.objects.filter(pk__in=[image.pk for image in images]).update(
                    file=file, status=Image.Status.GENERATED, error="", updated_at=now
                )
                ctx.charge_many([Charge(cost, self.key, "image", image.pk) for image in images])
                announce_saved(Image, images, fields)
        except InsufficientCredits:
            for image, (name, status, error, updated_at) in zip(images, before, strict=True):
                image.file.storage.delete(image.file.name)
                image.file.name, image.status, image.error, image.updated_at = name, status, error, updated_at
            raise
        return images


def _whole_content(params: dict) -> dict:
    """`content_id` without `limit` means every pending image of that content (the seeds' meaning)."""
    if params.get("content_id") and "limit" not in params and not params.get("ids"):
        return {**params, "drain": True}
    return params


# --- one image again, on request (POST /api/v1/images/{id}/regenerate/) -----------------------------------------

REGENERATE_QUEUE = "ai"  # given when sending (see rules/queueing.py)
REGENERATE_RETRY_SECONDS = (10, 60)  # the provider refused for now: tried again this much later, then `failed`


def regenerate_image(*, image_id: int, request_id: str, last_try: bool = True) -> ActionError | None:
    """Render one pending image with the account's provider, charged as generate_images charges (once per
    request_id): `generated` with a new file (the old one is deleted), or `failed` with the reason. A refusal a
    retry may fix is returned instead (the image stays pending) unless `last_try`; so is an image a run's
    generate_images step holds at the moment (its claim: never rendered twice at once)."""
    owner = f"image-regenerate:{request_id}"
    if not claims.claim(GenerateImages.item_kind, [image_id], owner=owner):
        return None if last_try else ActionError(f"image {image_id} is being generated by a run")
    try:
        image = Image.objects.filter(pk=image_id, status=Image.Status.PENDING).exclude(prompt="").first()
        if image is None:
            return None  # done by an earlier delivery or a run, deleted, or changed meanwhile
        action, old_file = GenerateImages(), image.file.name
        ctx = DirectContext(account_id=image.account_id, site_id=image.site_id, key=owner)
        try:
            outcome = action.process_batch(ctx, [image], {})
            if outcome.error is not None:  # refused for now, or out of credits
                raise outcome.error
        except ActionError as exc:
            if not exc.permanent and not last_try:
                return exc
            action._fail(image, exc.message.removeprefix("hard stop: "))
            return None
        if not outcome.failed and old_file and old_file != image.file.name:
            storage, name = image.file.storage, old_file
            transaction.on_commit(lambda: storage.delete(name))
        return None
    finally:
        claims.release(GenerateImages.item_kind, [image_id], owner=owner)


@shared_task(
    bind=True,
    name="actions.regenerate_image",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
)
def regenerate_image_task(self, image_id: int, request_id: str, attempt: int = 0) -> None:
    """The Celery task behind `regenerate_image` (registered when the actions app loads its content actions)."""
    # Inline (eager) there is no later: this is the last try.
    last_try = attempt >= len(REGENERATE_RETRY_SECONDS) or bool(self.request.is_eager)
    transient = regenerate_image(image_id=image_id, request_id=request_id, last_try=last_try)
    if transient is not None:
        raise self.retry(
            args=(image_id, request_id, attempt + 1),
            countdown=REGENERATE_RETRY_SECONDS[attempt],
            exc=transient,
            queue=REGENERATE_QUEUE,
        )
