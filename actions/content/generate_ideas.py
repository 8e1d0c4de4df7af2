from __future__ import annotations

from django.db import transaction

from actions.ai import client as ai
from actions.ai.providers import ClusterIn, ProviderError
from actions.content.common import fail_all_or_raise, out_of_credits
from actions.costs import PER_CLUSTER_IDEAS
from actions.items import BatchOutcome, ItemAction, item_schema, named_items
from backend.billing.errors import InsufficientCredits
from backend.planner.models import Cluster, ContentIdea
from rules.core.registry import registry


@registry.register
class GenerateIdeas(ItemAction):
    key = "generate_ideas"
    name = "Generate content ideas"
    description = (
        "For each cluster without ideas: ideas with title, outline, content type and structure and "
        "target keywords; the cluster becomes `mapped`."
    )
    queue = "ai"
    cost_note = "2 credits per cluster"
    item_kind = "cluster"
    default_batch_size = 1
    default_limit = 1
    params_schema = item_schema({"ideas_per_cluster": {"type": "integer", "minimum": 1, "maximum": 10}})
    param_aliases = {"cluster_ids": "ids"}

    def queryset_for_site(self, site_id):
        return Cluster.objects.filter(site_id=site_id, ideas__isnull=True).exclude(status="mapped")

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return named_items(Cluster.objects.filter(ideas__isnull=True), ctx)
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def estimate(self, params, *, site_id, account_id):
        return PER_CLUSTER_IDEAS * self.estimate_count(params, site_id=site_id, account_id=account_id)

    def process_batch(self, ctx, items, params):
        provider = ai.provider_for(ctx.account_id)
        outcome = BatchOutcome(consumed=len(items))
        for cluster in items:
            keywords = list(cluster.keywords.all())
            brief = ClusterIn(
                id=cluster.pk, name=cluster.name, description=cluster.description, keywords=[k.text for k in keywords]
            )
            try:
                ideas = ai.call(
                    ctx, self.key, provider.generate_ideas, brief, count=params.get("ideas_per_cluster", 3)
                ).value
            except ProviderError as exc:
                outcome.failed += fail_all_or_raise([cluster], exc)
                continue
            outcome.produced += self._save(ctx, cluster, keywords, ideas)
            outcome.result["clusters_processed"] = outcome.result.get("clusters_processed", 0) + 1
        outcome.result["ideas_created"] = outcome.produced
        return outcome

    def _save(self, ctx, cluster: Cluster, keywords: list, ideas: list) -> int:
        by_text = {k.text.lower(): k for k in keywords}
        try:
            with transaction.atomic():
                for idea in ideas:
                    row = ContentIdea.objects.create(
                        site_id=cluster.site_id,
                        account_id=cluster.account_id,
                        sector_id=cluster.sector_id,
                        cluster=cluster,
                        title=idea.title[:255],
                        description=idea.description,
                        content_type=idea.content_type,
                        content_structure=idea.content_structure,
                    )
                    row.target_keywords.set([by_text[t.lower()] for t in idea.target_keywords if t.lower() in by_text])
                cluster.status = Cluster.Status.MAPPED
                cluster.save(update_fields=["status", "updated_at"])
                ctx.charge(PER_CLUSTER_IDEAS, operation=self.key, object_type="cluster", object_id=cluster.pk)
        except InsufficientCredits as exc:
            raise out_of_credits(exc) from exc
        ctx.log(f"cluster '{cluster.name}': {len(ideas)} ideas")
        return len(ideas)
