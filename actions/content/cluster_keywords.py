from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from actions.ai import client as ai
from actions.ai.providers import KeywordIn, ProviderError
from actions.content.common import fail_all_or_raise
from actions.costs import PER_KEYWORD_CLUSTERED
from actions.items import (
    BatchOutcome,
    ItemAction,
    announce_created,
    announce_saved,
    hard_stop,
    item_schema,
    named_items,
)
from backend.accounts.models import Sector
from backend.billing.errors import InsufficientCredits
from backend.planner.models import Cluster, Keyword
from rules.core.contract import ActionError, Charge
from rules.core.registry import registry


@registry.register
class ClusterKeywords(ItemAction):
    key = "cluster_keywords"
    name = "Cluster keywords"
    description = (
        "Groups new keywords (up to 20 per call) into clusters by meaning; clusters start as `new`, "
        "keywords become `mapped`; a cluster name already on the site is reused."
    )
    queue = "ai"
    cost_note = "1 credit per 5 keywords"
    item_kind = "keyword"
    waiting = "waiting to be clustered (new, enabled, in no cluster)"
    default_batch_size = 20
    default_limit = 20
    calls_in_threads = True  # one provider call per batch: `concurrency` never splits a batch's keywords
    params_schema = item_schema(
        {
            "batch_size": {"type": "integer", "minimum": 1, "maximum": 20},
            "sector_id": {
                "type": "integer",
                "minimum": 1,
                "description": "Take only keywords of this sector (one of the account's; the step fails otherwise).",
            },
        }
    )
    param_aliases = {"keyword_ids": "ids"}

    def queryset_for_site(self, site_id):
        return Keyword.objects.filter(site_id=site_id, status="new", cluster__isnull=True, disabled=False)

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            queryset = named_items(Keyword.objects.filter(status="new", disabled=False), ctx)
        else:
            queryset = self.queryset_for_site(ctx.site_id).order_by("pk")
        return queryset.filter(sector_id=params["sector_id"]) if params.get("sector_id") else queryset

    def estimate(self, params, *, site_id, account_id):
        return PER_KEYWORD_CLUSTERED * self.estimate_count(params, site_id=site_id, account_id=account_id)

    def run(self, ctx, params):
        if params.get("sector_id"):
            sectors = named_items(Sector.objects.filter(pk=params["sector_id"]), ctx)
            if not sectors.exists():
                where = f"site {ctx.site_id}" if ctx.site_id else "this account"
                raise ActionError(f"sector_id {params['sector_id']}: no such sector in {where}", permanent=True)
        return super().run(ctx, params)

    def process_batch(self, ctx, items, params):
        site_id = items[0].site_id
        known = list(Cluster.objects.filter(site_id=site_id).values_list("pk", "name"))
        provider = self.cached("provider", lambda: ai.provider_for(ctx.account_id))
        batch = [
            KeywordIn(id=k.pk, text=k.text, volume=k.volume, difficulty=k.difficulty, intent=k.intent) for k in items
        ]
        calls = ai.Calls(ctx)
        try:
            return self._cluster(ctx, items, batch, known, provider, calls)
        finally:
            calls.record()  # what no save wrote

    def _cluster(self, ctx, items, batch, known, provider, calls: ai.Calls) -> BatchOutcome:
        site_id, sample = items[0].site_id, items[0]
        try:
            existing = [name for _, name in known]
            groups = calls.call(self.key, provider.cluster_keywords, batch, existing_clusters=existing).value
        except ProviderError as exc:
            return BatchOutcome(consumed=len(items), failed=fail_all_or_raise(items, exc))
        # A cluster name already on the site (any case) is reused; a new one is created once per batch.
        by_name: dict[str, int | Cluster] = {name.lower(): pk for pk, name in known}
        new: list[Cluster] = []
        by_id = {k.pk: k for k in items}
        placed: dict[int, int | Cluster] = {}
        for group in groups:
            name = group.name[:200]
            cluster = by_name.get(name.lower())
            if cluster is None:
                cluster = Cluster(
                    site_id=site_id,
                    account_id=sample.account_id,
                    sector_id=sample.sector_id,
                    name=name,
                    description=group.description,
                    status=Cluster.Status.NEW,
                )
                by_name[name.lower()] = cluster
                new.append(cluster)
            placed.update((keyword_id, cluster) for keyword_id in group.keyword_ids if keyword_id in by_id)
        try:
            with transaction.atomic():
                calls.record()
                Cluster.objects.bulk_create(new)
                mapped, cluster_ids = self._map(ctx, by_id, placed)
                announce_created(Cluster, new)
        except InsufficientCredits as exc:
            raise hard_stop(exc) from exc
        unmapped = [(k.pk, "the provider did not place this keyword in a cluster") for k in items if k.pk not in placed]
        ctx.log(f"clustered {mapped} keywords into {len(groups)} clusters ({len(new)} new)")
        return BatchOutcome(
            consumed=len(items),
            produced=len(new),
            failed=unmapped,
            ids=cluster_ids,  # the clusters its keywords went to, new or reused
            result={
                "keywords_processed": len(items),
                "keywords_mapped": mapped,
                "clusters_created": len(new),
                "clusters_reused": len(groups) - len(new),
            },
        )

    def _map(self, ctx, by_id: dict[int, Keyword], placed: dict[int, int | Cluster]) -> tuple[int, list[int]]:
        """The placed keywords become `mapped` to their clusters (one update per cluster) and are charged (one
        charge); how many, and the clusters they went to."""
        now, keywords, by_cluster = timezone.now(), [], defaultdict(list)
        for keyword_id, cluster in placed.items():
            keyword = by_id[keyword_id]
            keyword.cluster_id = cluster if isinstance(cluster, int) else cluster.pk
            keyword.status, keyword.updated_at = Keyword.Status.MAPPED, now
            keywords.append(keyword)
            by_cluster[keyword.cluster_id].append(keyword_id)
        for cluster_id, ids in by_cluster.items():  # one update per cluster (a CASE per row costs more)
            mapped = {"cluster_id": cluster_id, "status": Keyword.Status.MAPPED, "updated_at": now}
            Keyword.objects.filter(pk__in=ids).update(**mapped)
        fields = ["cluster", "status", "updated_at"]
        ctx.charge_many([Charge(PER_KEYWORD_CLUSTERED, self.key, "keyword", k.pk) for k in keywords])
        announce_saved(Keyword, keywords, fields)
        return len(keywords), list(by_cluster)
