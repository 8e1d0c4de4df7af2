from __future__ import annotations

from django.db import transaction

from actions.ai import client as ai
from actions.ai.providers import KeywordIn, ProviderError
from actions.content.common import fail_all_or_raise, out_of_credits
from actions.costs import PER_KEYWORD_CLUSTERED
from actions.items import BatchOutcome, ItemAction, item_schema, named_items
from backend.accounts.models import Sector
from backend.billing.errors import InsufficientCredits
from backend.planner.models import Cluster, Keyword
from rules.core.contract import ActionError
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
    default_batch_size = 20
    default_limit = 20
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
        existing = list(Cluster.objects.filter(site_id=site_id).values_list("name", flat=True))
        provider = ai.provider_for(ctx.account_id)
        batch = [
            KeywordIn(id=k.pk, text=k.text, volume=k.volume, difficulty=k.difficulty, intent=k.intent) for k in items
        ]
        try:
            groups = ai.call(ctx, self.key, provider.cluster_keywords, batch, existing_clusters=existing).value
        except ProviderError as exc:
            return BatchOutcome(consumed=len(items), failed=fail_all_or_raise(items, exc))
        by_id = {k.pk: k for k in items}
        created = mapped = 0
        try:
            with transaction.atomic():
                for group in groups:
                    cluster, made = self._cluster(site_id, items[0], group)
                    created += made
                    for keyword_id in group.keyword_ids:
                        keyword = by_id.get(keyword_id)
                        if keyword is None:
                            continue
                        keyword.cluster, keyword.status = cluster, Keyword.Status.MAPPED
                        keyword.save(update_fields=["cluster", "status", "updated_at"])
                        ctx.charge(
                            PER_KEYWORD_CLUSTERED, operation=self.key, object_type="keyword", object_id=keyword.pk
                        )
                        mapped += 1
        except InsufficientCredits as exc:
            raise out_of_credits(exc) from exc
        unmapped = [
            (k.pk, "the provider did not place this keyword in a cluster")
            for k in items
            if k.status != Keyword.Status.MAPPED
        ]
        ctx.log(f"clustered {mapped} keywords into {len(groups)} clusters ({created} new)")
        return BatchOutcome(
            consumed=len(items),
            produced=created,
            failed=unmapped,
            result={
                "keywords_processed": len(items),
                "keywords_mapped": mapped,
                "clusters_created": created,
                "clusters_reused": len(groups) - created,
            },
        )

    def _cluster(self, site_id: int, sample: Keyword, group) -> tuple[Cluster, bool]:
        cluster = Cluster.objects.filter(site_id=site_id, name__iexact=group.name).first()
        if cluster is not None:
            return cluster, False
        cluster = Cluster.objects.create(
            site_id=site_id,
            account_id=sample.account_id,
            sector_id=sample.sector_id,
            name=group.name[:200],
            description=group.description,
            status=Cluster.Status.NEW,
        )
        return cluster, True
