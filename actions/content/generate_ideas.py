from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from actions.ai import client as ai
from actions.ai.providers import ClusterIn
from actions.content.common import answered
from actions.costs import PER_CLUSTER_IDEAS
from actions.items import (
    BatchOutcome,
    ItemAction,
    announce_created,
    announce_saved,
    item_schema,
    left_waiting,
    named_items,
    saved_in_order,
)
from backend.planner.models import Cluster, ContentIdea
from rules.core.contract import Charge
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
    waiting = "waiting for ideas (a cluster without ideas)"
    default_batch_size = 1
    default_limit = 1
    calls_in_threads = True
    one_call_per_item = True
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

    def batch_queryset(self, queryset):
        return queryset.prefetch_related("keywords")

    def process_batch(self, ctx, items, params):
        provider = self.cached("provider", lambda: ai.provider_for(ctx.account_id))
        outcome = BatchOutcome()
        count = params.get("ideas_per_cluster", 3)
        calls = ai.Calls(ctx)

        def think(cluster: Cluster):
            keywords = [k.text for k in cluster.keywords.all()]
            brief = ClusterIn(id=cluster.pk, name=cluster.name, description=cluster.description, keywords=keywords)
            return calls.value_or_error(self.key, provider.generate_ideas, brief, count=count)

        try:
            thought, refused, outcome.error = answered(items, self.each(items, think))  # `concurrency` at a time
            outcome.failed += refused
            saved, stop = saved_in_order(lambda part: self._save(ctx, part, calls), thought)
            outcome.error = stop or outcome.error
            outcome.ids = [row.pk for _cluster, rows in saved for row in rows]
            outcome.produced = len(outcome.ids)
        finally:
            calls.record()  # what no save wrote
        left_waiting(items, (cluster.pk for cluster, _ in saved), outcome)
        outcome.result["clusters_processed"] = len(saved)
        outcome.result["ideas_created"] = outcome.produced
        return outcome

    def _save(self, ctx, thought: list, calls: ai.Calls) -> list[tuple[Cluster, list[ContentIdea]]]:
        """The batch's ideas (with their target keywords), provider calls, the clusters mapped and their
        charge, in one transaction; each cluster with its new ideas."""
        if not thought:
            return []
        made: list[tuple[Cluster, list[ContentIdea]]] = []
        rows, targets = [], []
        for cluster, ideas in thought:
            by_text = {k.text.lower(): k for k in cluster.keywords.all()}
            made.append((cluster, []))
            for idea in ideas:
                made[-1][1].append(
                    ContentIdea(
                        site_id=cluster.site_id,
                        account_id=cluster.account_id,
                        sector_id=cluster.sector_id,
                        cluster=cluster,
                        title=idea.title[:255],
                        description=idea.description,
                        content_type=idea.content_type,
                        content_structure=idea.content_structure,
                    )
                )
                rows.append(made[-1][1][-1])
                keywords = {by_text[t.lower()].pk for t in idea.target_keywords if t.lower() in by_text}
                targets.append(sorted(keywords))
        clusters = [cluster for cluster, _ in thought]
        now = timezone.now()
        for cluster in clusters:
            cluster.status, cluster.updated_at = Cluster.Status.MAPPED, now
        through = ContentIdea.target_keywords.through
        with transaction.atomic():
            calls.record()
            ContentIdea.objects.bulk_create(rows)
            through.objects.bulk_create(
                [
                    through(contentidea_id=row.pk, keyword_id=keyword_id)
                    for row, keyword_ids in zip(rows, targets, strict=True)
                    for keyword_id in keyword_ids
                ]
            )
            Cluster.objects.filter(pk__in=[c.pk for c in clusters]).update(status=Cluster.Status.MAPPED, updated_at=now)
            ctx.charge_many([Charge(PER_CLUSTER_IDEAS, self.key, "cluster", c.pk) for c in clusters])
            announce_created(ContentIdea, rows)
            announce_saved(Cluster, clusters, ["status", "updated_at"])
        for cluster, ideas in thought:
            ctx.log(f"cluster '{cluster.name}': {len(ideas)} ideas")
        return made
