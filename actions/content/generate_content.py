from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from actions.ai import client as ai
from actions.ai.providers import ContentBrief, ProviderError
from actions.costs import content_cost
from actions.items import (
    TRIGGER,
    BatchOutcome,
    ItemAction,
    announce_created,
    announce_saved,
    item_schema,
    left_waiting,
    named_items,
    saved_in_order,
)
from backend.billing.errors import InsufficientCredits
from backend.planner.models import ContentIdea
from backend.writer.models import Content, Task
from rules.core.contract import ActionError, Charge
from rules.core.registry import registry

FEEDBACK_INTRO = "Reviewer feedback on the previous version (address it in this one):"
REWRITTEN_FIELDS = [
    *("title", "html_content", "excerpt", "meta_title", "meta_description", "primary_keyword", "tags", "categories"),
    *("word_count", "slug", "seo_score", "rewrite_requested", "updated_at"),
]


@registry.register
class GenerateContent(ItemAction):
    key = "generate_content"
    name = "Write content"
    description = (
        "Writes an article for each queued task: a draft with the real word count; the task and its "
        "idea become `completed`. A task queued again by regenerate re-writes its content (same id), "
        "the reviewer's note given to the writer as feedback. `concurrency` writes several at once "
        "within the provider rate limit."
    )
    queue = "ai"
    cost_note = "1 credit per 500 words"
    item_kind = "task"
    waiting = "queued for writing (a queued task)"
    default_batch_size = 1
    default_limit = 1
    calls_in_threads = True
    one_call_per_item = True
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
        if params.get("items") == TRIGGER:  # the triggering task, not known yet: one of the default length
            return content_cost(Task._meta.get_field("target_word_count").get_default())
        if site_id is None and not params.get("ids") and "items" not in params:
            return Decimal("0")  # run() refuses a step with neither
        tasks = self.estimate_queryset(params, site_id=site_id, account_id=account_id)
        if not params.get("ids") and not params.get("drain") and "items" not in params:
            tasks = tasks[: params.get("limit", self.default_limit)]
        return sum((content_cost(t) for t in tasks.values_list("target_word_count", flat=True)), start=Decimal("0"))

    def batch_queryset(self, queryset):
        written = Content.objects.filter(task=OuterRef("pk"), rewrite_requested=False)
        return (
            queryset.select_related("idea", "cluster")
            .prefetch_related("idea__target_keywords")
            .annotate(written=Exists(written))
        )

    def process_batch(self, ctx, items, params):
        provider = self.cached("provider", lambda: ai.provider_for(ctx.account_id))
        outcome = BatchOutcome()
        written = [task for task in items if getattr(task, "written", False)]  # before a crash: just finish them
        todo = [task for task in items if not getattr(task, "written", False)]
        if todo:
            Task.objects.filter(pk__in=[task.pk for task in todo]).update(status=Task.Status.IN_PROGRESS)
        rewrites = {c.task_id: c for c in Content.objects.filter(task__in=todo, rewrite_requested=True)}
        briefs = [self._brief(task, rewrites.get(task.pk)) for task in todo]
        calls = ai.Calls(ctx)

        def write(brief: ContentBrief):
            return calls.value_or_error(self.key, provider.generate_content, brief)

        try:
            articles = self.each(briefs, write)  # `concurrency` at a time
            done = []
            for task, article in zip(todo, articles, strict=True):
                if not isinstance(article, ProviderError):
                    done.append((task, article))
                elif article.permanent:
                    Task.objects.filter(pk=task.pk).update(status=Task.Status.FAILED, error=article.message)
                    outcome.failed.append((task.pk, f"AI provider: {article.message}"))
                else:  # queued again: the step is retried once the others are saved
                    Task.objects.filter(pk=task.pk).update(status=Task.Status.QUEUED, error=article.message)
                    outcome.error = outcome.error or ActionError(f"AI provider: {article.message}")
            if written:
                self._save(ctx, [], written, calls, rewrites)
            contents, stop = saved_in_order(lambda part: self._save(ctx, part, [], calls, rewrites), done)
            outcome.error = stop or outcome.error
        finally:
            calls.record()  # what no save wrote
        left_waiting(items, [task.pk for task in written] + [content.task_id for content in contents], outcome)
        outcome.produced = len(contents)
        outcome.ids = [content.pk for content in contents]
        outcome.result["words"] = sum(content.word_count for content in contents)
        outcome.result["content_created"] = outcome.produced
        return outcome

    def _brief(self, task: Task, rewrite: Content | None = None) -> ContentBrief:
        idea = task.idea
        keywords = [k.text for k in idea.target_keywords.all()] if idea else []
        if not keywords and task.cluster_id:
            keywords = list(task.cluster.keywords.values_list("text", flat=True)[:10])
        description = idea.description if idea else ""
        if rewrite is not None and rewrite.review_note.strip():
            # After the outline's sections (which an outline parser reads), the reviewer's word to the writer.
            description = f"{description}\n\n{FEEDBACK_INTRO}\n{rewrite.review_note.strip()}".strip()
        return ContentBrief(
            title=task.title,
            description=description,
            keywords=keywords,
            target_word_count=task.target_word_count,
            content_type=idea.content_type if idea else "post",
            structure=idea.content_structure if idea else "article",
        )

    def _save(self, ctx, done: list, written: list[Task], calls: ai.Calls, rewrites: dict) -> list[Content]:
        """The batch's articles (new rows, or the rows sent back to be written again), provider calls, charge and
        the tasks' (and ideas') completion, in one transaction."""
        contents, new, rewritten = [], [], []
        for task, article in done:
            content = rewrites.get(task.pk) or Content(
                site_id=task.site_id, account_id=task.account_id, sector_id=task.sector_id, task=task
            )
            content.title = article.title[:255]
            content.html_content = article.html
            content.excerpt = article.excerpt
            content.meta_title = article.meta_title[:255]
            content.meta_description = article.meta_description[:500]
            content.primary_keyword = article.primary_keyword[:255]
            content.tags, content.categories = list(article.tags), list(article.categories)
            content.fill_derived()  # (sanitizes the provider's HTML)
            if content.pk is None:
                new.append(content)
            else:
                content.seo_score, content.rewrite_requested, content.updated_at = None, False, timezone.now()
                rewritten.append(content)
            contents.append(content)
        finished = [task for task, _ in done] + written
        if not finished:
            return contents
        try:
            with transaction.atomic():
                calls.record()
                Content.objects.bulk_create(new)
                if rewritten:
                    Content.objects.bulk_update(rewritten, REWRITTEN_FIELDS)
                ctx.charge_many(
                    [
                        Charge(
                            content_cost(content.word_count),
                            self.key,
                            "content",
                            content.pk,
                            idempotency_key=f"{ctx.run_id}:{self.key}:task:{content.task_id}",
                        )
                        for content in contents
                    ]
                )
                announce_created(Content, new)
                announce_saved(Content, rewritten, REWRITTEN_FIELDS)
                self._finish(finished)
        except InsufficientCredits:
            Task.objects.filter(pk__in=[task.pk for task, _ in done]).update(status=Task.Status.QUEUED)
            raise
        for content in contents:
            ctx.log(f"task {content.task_id}: '{content.title}' ({content.word_count} words)")
        return contents

    def _finish(self, tasks: list[Task]) -> None:
        """The tasks are completed, and so are their ideas (one update each)."""
        now = timezone.now()
        for task in tasks:
            task.status, task.error, task.updated_at = Task.Status.COMPLETED, "", now
        Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
            status=Task.Status.COMPLETED, error="", updated_at=now
        )
        announce_saved(Task, tasks, ["status", "error", "updated_at"])
        ideas = list({t.idea.pk: t.idea for t in tasks if t.idea is not None and t.idea.status != "completed"}.values())
        if ideas:
            for idea in ideas:
                idea.status, idea.updated_at = ContentIdea.Status.COMPLETED, now
            ContentIdea.objects.filter(pk__in=[idea.pk for idea in ideas]).update(
                status=ContentIdea.Status.COMPLETED, updated_at=now
            )
            announce_saved(ContentIdea, ideas, ["status", "updated_at"])
