from __future__ import annotations

from django.db import transaction

from actions.ai import client as ai
from actions.ai.providers import ArticleIn, ProviderError
from actions.content.common import fail_all_or_raise, out_of_credits
from actions.costs import PER_IMAGE_PROMPT
from actions.items import BatchOutcome, ItemAction, item_schema, named_items
from backend.billing.errors import InsufficientCredits
from backend.writer.models import Content, Image
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
    default_batch_size = 1
    default_limit = 1
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
        provider = ai.provider_for(ctx.account_id)
        outcome = BatchOutcome(consumed=len(items))
        count = params.get("in_article_count", DEFAULT_IN_ARTICLE)
        for content in items:
            if not content.title.strip() or not content.html_content.strip():
                outcome.failed.append((content.pk, "content has no title or body to draw prompts from"))
                continue
            article = ArticleIn(title=content.title, html=content.html_content, primary_keyword=content.primary_keyword)
            try:
                prompts = ai.call(ctx, self.key, provider.generate_image_prompts, article, in_article_count=count).value
            except ProviderError as exc:
                outcome.failed += fail_all_or_raise([content], exc)
                continue
            outcome.produced += self._save(ctx, content, prompts)
        outcome.result["prompts_created"] = outcome.produced
        return outcome

    def _save(self, ctx, content: Content, prompts: list) -> int:
        try:
            with transaction.atomic():
                for prompt in prompts:
                    image = Image.objects.create(
                        site_id=content.site_id,
                        account_id=content.account_id,
                        content=content,
                        kind=prompt.kind,
                        position=prompt.position,
                        prompt=prompt.prompt,
                    )
                    ctx.charge(PER_IMAGE_PROMPT, operation=self.key, object_type="image", object_id=image.pk)
        except InsufficientCredits as exc:
            raise out_of_credits(exc) from exc
        ctx.log(f"content {content.pk}: {len(prompts)} image prompts")
        return len(prompts)
