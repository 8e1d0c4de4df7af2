from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from actions.items import BatchOutcome, ItemAction, announce_created, announce_saved, item_schema, named_items
from backend.planner.models import ContentIdea
from backend.writer.models import Task
from rules.core.registry import registry


@registry.register
class QueueToWriter(ItemAction):
    key = "queue_to_writer"
    name = "Queue ideas to the writer"
    description = "Turns new ideas into queued writing tasks (local, no AI); ideas become `queued`."
    queue = "local"
    cost_note = "free"
    item_kind = "idea"
    waiting = "waiting to be queued (a new idea)"
    default_batch_size = 20
    default_limit = 20
    params_schema = item_schema({"target_word_count": {"type": "integer", "minimum": 200, "maximum": 10000}})

    def queryset_for_site(self, site_id):
        return ContentIdea.objects.filter(site_id=site_id, status="new")

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return named_items(ContentIdea.objects.filter(status="new"), ctx)
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def process_batch(self, ctx, items, params):
        now = timezone.now()
        tasks = [
            Task(
                site_id=idea.site_id,
                account_id=idea.account_id,
                sector_id=idea.sector_id,
                idea=idea,
                cluster_id=idea.cluster_id,
                title=idea.title,
                target_word_count=params.get("target_word_count", 1200),
            )
            for idea in items
        ]
        for idea in items:
            idea.status, idea.updated_at = ContentIdea.Status.QUEUED, now
        with transaction.atomic():  # the tasks and the ideas' new status together (two statements)
            Task.objects.bulk_create(tasks)
            ContentIdea.objects.filter(pk__in=[idea.pk for idea in items]).update(
                status=ContentIdea.Status.QUEUED, updated_at=now
            )
            announce_created(Task, tasks)
            announce_saved(ContentIdea, items, ["status", "updated_at"])
        ctx.log(f"queued {len(items)} ideas to the writer")
        return BatchOutcome(
            consumed=len(items),
            produced=len(items),
            ids=[task.pk for task in tasks],
            result={"tasks_created": len(items)},
        )
