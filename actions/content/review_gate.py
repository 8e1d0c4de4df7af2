from __future__ import annotations

from django.db.models import Count, Q

from actions.items import BatchOutcome, ItemAction, item_schema
from actions.registry import registry
from backend.writer.models import Content


@registry.register
class ReviewGate(ItemAction):
    key = "review_gate"
    name = "Review gate"
    description = (
        "Moves drafts whose images are all done (none pending) to `review`: the manual review gate. "
        "Publishing is never automatic here."
    )
    queue = "local"
    cost_note = "free"
    item_kind = "content"
    default_batch_size = 50
    default_limit = 50
    params_schema = item_schema()

    def queryset_for_site(self, site_id):
        return (
            Content.objects.filter(site_id=site_id, status="draft")
            .annotate(pending_images=Count("images", filter=Q(images__status="pending")), all_images=Count("images"))
            .filter(pending_images=0, all_images__gt=0)
        )

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return Content.objects.filter(account_id=ctx.account_id, status="draft").exclude(images__status="pending")
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def process_batch(self, ctx, items, params):
        for content in items:
            content.status = Content.Status.REVIEW
            content.save(update_fields=["status", "updated_at"])
        ctx.log(f"{len(items)} articles ready for review")
        return BatchOutcome(consumed=len(items), produced=len(items), result={"ready_for_review": len(items)})
