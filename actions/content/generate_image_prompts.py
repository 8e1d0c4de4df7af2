from __future__ import annotations

from django.db import transaction

from actions.ai import client as ai
from actions.ai.providers import ArticleIn
from actions.content.common import answered
from actions.costs import PER_IMAGE_PROMPT
from actions.items import (
    BatchOutcome,
    ItemAction,
    announce_created,
    item_schema,
    left_waiting,
    named_items,
    saved_in_order,
)
from backend.writer.models import Content, Image
from rules.core.contract import Charge
from rules.core.registry import registry

DEFAULT_IN_ARTICLE = 3


@registry.register
class GenerateImagePrompts(ItemAction):
    key = "generate_image_prompts"
    name = "Write image prompts"
    description = "For each draft without images: one featured and N in-article image prompts (images `pending`)."
    queue = "ai"
    cost_note = "0.5 credits per prompt"
    item_kind = "content"
    waiting = "waiting for image prompts (content without images)"
    default_batch_size = 1
    default_limit = 1
    calls_in_threads = True
    one_call_per_item = True
    params_schema = item_schema({"in_article_count": {"type": "integer", "minimum": 0, "maximum": 10}})

    def queryset_for_site(self, site_id):
        return Content.objects.filter(site_id=site_id, status="draft", images__isnull=True)

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return named_items(Content.objects.filter(images__isnull=True), ctx)
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def estimate(self, params, *, site_id, account_id):
        per_content = PER_IMAGE_PROMPT * (1 + params.get("in_article_count", DEFAULT_IN_ARTICLE))
        return per_content * self.estimate_count(params, site_id=site_id, account_id=account_id)

    def process_batch(self, ctx, items, params):
        provider = self.cached("provider", lambda: ai.provider_for(ctx.account_id))
        outcome = BatchOutcome()
        count = params.get("in_article_count", DEFAULT_IN_ARTICLE)
        todo = []
        for content in items:
            if not content.title.strip() or not content.html_content.strip():
                outcome.failed.append((content.pk, "content has no title or body to draw prompts from"))
            else:
                todo.append(content)
        calls = ai.Calls(ctx)

        def draw(content: Content):
            article = ArticleIn(title=content.title, html=content.html_content, primary_keyword=content.primary_keyword)
            return calls.value_or_error(self.key, provider.generate_image_prompts, article, in_article_count=count)

        try:
            drawn, refused, outcome.error = answered(todo, self.each(todo, draw))  # `concurrency` at a time
            outcome.failed += refused
            saved, stop = saved_in_order(lambda part: self._save(ctx, part, calls), drawn)
            outcome.error = stop or outcome.error
            outcome.ids = [image.pk for _content, images in saved for image in images]
            outcome.produced = len(outcome.ids)
        finally:
            calls.record()  # what no save wrote
        left_waiting(items, (content.pk for content, _ in saved), outcome)
        outcome.result["prompts_created"] = outcome.produced
        return outcome

    def _save(self, ctx, drawn: list, calls: ai.Calls) -> list[tuple[Content, list[Image]]]:
        """The batch's image rows (pending), provider calls and charge, in one transaction; each content with its
        images."""
        made = [
            (
                content,
                [
                    Image(
                        site_id=content.site_id,
                        account_id=content.account_id,
                        content=content,
                        kind=prompt.kind,
                        position=prompt.position,
                        prompt=prompt.prompt,
                    )
                    for prompt in prompts
                ],
            )
            for content, prompts in drawn
        ]
        images = [image for _content, rows in made for image in rows]
        if not images:
            return made
        with transaction.atomic():
            calls.record()
            Image.objects.bulk_create(images)
            ctx.charge_many([Charge(PER_IMAGE_PROMPT, self.key, "image", image.pk) for image in images])
            announce_created(Image, images)
        for content, prompts in drawn:
            ctx.log(f"content {content.pk}: {len(prompts)} image prompts")
        return made
