from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from actions.ai import client as ai
from actions.ai.providers import ContentBrief, ProviderError
from actions.content.common import out_of_credits
from actions.costs import content_cost
from actions.items import BatchOutcome, ItemAction, item_schema, named_items
from backend.billing.errors import InsufficientCredits
from backend.planner.models import ContentIdea
from backend.writer.models import Content, Task
from rules.core.contract import ActionError
from rules.core.registry import registry


@registry.register
class GenerateContent(ItemAction):
    key = "generate_content"
    name = "Write content"
    description = (
        "Writes an article for each queued task: a draft with the real word count; the task and its "
        "idea become `completed`. `concurrency` writes several at once within the provider rate limit."
    )
    queue = "ai"
    cost_note = "1 credit per 500 words"
    item_kind = "task"
    default_batch_size = 1
    default_limit = 1
    params_schema = item_schema()
    param_aliases = {"task_ids": "ids"}

    # in_progress too: a task whose worker died mid-call is taken again (its claim belongs to this run's step).
    INPUT_STATES = ("queued", "in_progress")

    def queryset_for_site(self, site_id):
        return Task.objects.filter(site_id=site_id, status__in=self.INPUT_STATES)

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return named_items(Task.objects.filter(status__in=self.INPUT_STATES), ctx)
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def estimate(self, params, *, site_id, account_id):
        if site_id is None and not params.get("ids"):
            return Decimal("0")  # run() refuses a step with neither
        tasks = self.estimate_queryset(params, site_id=site_id, account_id=account_id)
        if not params.get("ids") and not params.get("drain"):
            tasks = tasks[: params.get("limit", self.default_limit)]
        return sum((content_cost(t) for t in tasks.values_list("target_word_count", flat=True)), start=Decimal("0"))

    def process_batch(self, ctx, items, params):
        provider = ai.provider_for(ctx.account_id)
        outcome = BatchOutcome(consumed=len(items))
        for task in items:
            if Content.objects.filter(task=task).exists():  # written before a crash: just finish the task
                self._finish(task, None)
                continue
            Task.objects.filter(pk=task.pk).update(status=Task.Status.IN_PROGRESS)
            try:
                article = ai.call(ctx, self.key, provider.generate_content, self._brief(task)).value
            except ProviderError as exc:
                retry = not exc.permanent
                Task.objects.filter(pk=task.pk).update(status="queued" if retry else "failed", error=exc.message)
                if retry and len(items) == 1:
                    raise ActionError(f"AI provider: {exc.message}") from exc
                outcome.failed.append((task.pk, f"AI provider: {exc.message}"))
                continue
            content = self._save(ctx, task, article)
            outcome.produced += 1
            outcome.result["words"] = outcome.result.get("words", 0) + content.word_count
        outcome.result["content_created"] = outcome.produced
        return outcome

    def _brief(self, task: Task) -> ContentBrief:
        idea = task.idea
        keywords = [k.text for k in idea.target_keywords.all()] if idea else []
        if not keywords and task.cluster_id:
            keywords = list(task.cluster.keywords.values_list("text", flat=True)[:10])
        return ContentBrief(
            title=task.title,
            description=idea.description if idea else "",
            keywords=keywords,
            target_word_count=task.target_word_count,
            content_type=idea.content_type if idea else "post",
            structure=idea.content_structure if idea else "article",
        )

    def _save(self, ctx, task: Task, article) -> Content:
        try:
            with transaction.atomic():
                content = Content.objects.create(
                    site_id=task.site_id,
                    account_id=task.account_id,
                    sector_id=task.sector_id,
                    task=task,
                    title=article.title[:255],
                    html_content=article.html,
                    excerpt=article.excerpt,
                    meta_title=article.meta_title[:255],
                    meta_description=article.meta_description[:500],
                    primary_keyword=article.primary_keyword[:255],
                    tags=list(article.tags),
                    categories=list(article.categories),
                )
                ctx.charge(
                    content_cost(content.word_count),
                    operation=self.key,
                    object_type="content",
                    object_id=content.pk,
                    idempotency_key=f"{ctx.run_id}:{self.key}:task:{task.pk}",
                )
                self._finish(task, content)
        except InsufficientCredits as exc:
            Task.objects.filter(pk=task.pk).update(status=Task.Status.QUEUED)
            raise out_of_credits(exc) from exc
        ctx.log(f"task {task.pk}: '{content.title}' ({content.word_count} words)")
        return content

    def _finish(self, task: Task, content: Content | None) -> None:
        task.refresh_from_db()
        task.status, task.error = Task.Status.COMPLETED, ""
        task.save(update_fields=["status", "error", "updated_at"])
        if task.idea_id:
            idea = ContentIdea.objects.get(pk=task.idea_id)
            if idea.status != ContentIdea.Status.COMPLETED:
                idea.status = ContentIdea.Status.COMPLETED
                idea.save(update_fields=["status", "updated_at"])
