from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from actions.items import BatchOutcome, ItemAction, announce_saved, item_schema, named_items
from backend.writer.models import Content
from rules.core.registry import registry


@registry.register
class ReviewGate(ItemAction):
    key = "review_gate"
    name = "Review gate"
    description = (
        "Moves drafts whose images are all done (none pending) to `review`: the manual review gate; with "
        "`require_images` false, every draft. Publishing is never automatic here."
    )
    queue = "local"
    cost_note = "free"
    item_kind = "content"
    waiting = "ready for review (a draft with no pending images)"
    default_batch_size = 50
    default_limit = 50
    params_schema = item_schema(
        {
            "require_images": {
                "type": "boolean",
                "default": True,
                "description": "Only drafts with images, none of them pending (the pipeline turns this off when "
                "its image stages are off).",
            }
        }
    )

    def queryset_for_site(self, site_id, *, require_images: bool = True):
        drafts = Content.objects.filter(site_id=site_id, status="draft")
        if not require_images:
            return drafts
        return drafts.annotate(
            pending_images=Count("images", filter=Q(images__status="pending")), all_images=Count("images")
        ).filter(pending_images=0, all_images__gt=0)

    def input_queryset(self, ctx, params):
        require_images = params.get("require_images", True)
        if params.get("ids"):
            drafts = Content.objects.filter(status="draft")
            return named_items(drafts.exclude(images__status="pending") if require_images else drafts, ctx)
        return self.queryset_for_site(ctx.site_id, require_images=require_images).order_by("pk")

    def process_batch(self, ctx, items, params):
        now = timezone.now()
        for content in items:
            content.status, content.updated_at = Content.Status.REVIEW, now
        with transaction.atomic():  # one update for the batch
            Content.objects.filter(pk__in=[c.pk for c in items]).update(status=Content.Status.REVIEW, updated_at=now)
            announce_saved(Content, items, ["status", "updated_at"])
        ctx.log(f"{len(items)} articles ready for review")
        return BatchOutcome(
            consumed=len(items),
            produced=len(items),
            ids=[content.pk for content in items],
            result={"ready_for_review": len(items)},
        )
