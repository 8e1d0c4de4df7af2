"""What a pipeline run would take and make: pending items, historical averages, credits and outputs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum

from actions.ai.providers import provider_class
from actions.costs import PER_CLUSTER_IDEAS, PER_IMAGE_PROMPT, PER_KEYWORD_CLUSTERED, content_cost, image_cost
from backend.accounts.models import Site
from backend.automation.config import PipelineConfig
from backend.automation.stages import STAGES
from backend.planner.models import Cluster
from rules.core.registry import registry
from rules.models import AutomationRun, RunStep, RunTally

HISTORY_RUNS, HISTORY_MINIMUM = 10, 3
IN_ARTICLE_IMAGES = 3  # generate_image_prompts default: 1 featured + 3 in-article


def default_averages(config: PipelineConfig) -> dict[int, dict[str, Decimal]]:
    """Per stage: credits per input item and outputs per input item, before there is history (the configured
    provider says how many clusters it makes per keyword)."""
    clusters = Decimal(str(provider_class(settings.AI_PROVIDER).clusters_per_keyword))
    return {
        1: {"credits": PER_KEYWORD_CLUSTERED, "ratio": clusters},
        2: {"credits": PER_CLUSTER_IDEAS, "ratio": Decimal(config.ideas_per_cluster)},
        3: {"credits": Decimal("0"), "ratio": Decimal("1")},
        4: {"credits": content_cost(1200), "ratio": Decimal("1")},
        5: {"credits": PER_IMAGE_PROMPT * (1 + IN_ARTICLE_IMAGES), "ratio": Decimal(1 + IN_ARTICLE_IMAGES)},
        6: {"credits": image_cost(), "ratio": Decimal("1")},
        7: {"credits": Decimal("0"), "ratio": Decimal("1")},
    }


def completed_preset_runs(site: Site):
    return AutomationRun.objects.filter(site=site, rule__preset_key="seven_stage", status="completed")


def historical_averages(site: Site, config: PipelineConfig) -> tuple[dict[int, dict[str, Decimal]], int]:
    """Averages from the last 10 completed runs, with the pruned ones' tallies added when fewer than 3 are left
    (3 at least in all, else the defaults), and how many runs were used."""
    run_ids = list(completed_preset_runs(site).order_by("-completed_at").values_list("pk", flat=True)[:HISTORY_RUNS])
    rows = (
        RunStep.objects.filter(run_id__in=run_ids, input_count__gt=0)
        .values("index")
        .annotate(inputs=Sum("input_count"), outputs=Sum("output_count"), credits=Sum("credits_used"))
    )
    sums = {row["index"]: [row["inputs"], row["outputs"], Decimal(row["credits"])] for row in rows}
    used = len(run_ids)
    if used < HISTORY_MINIMUM:
        used += _add_pruned_step_sums(site, sums)
    averages = default_averages(config)
    if used < HISTORY_MINIMUM:
        return averages, used
    for index, (inputs, outputs, credits) in sums.items():
        if index + 1 in averages and inputs:
            averages[index + 1] = {"credits": credits / inputs, "ratio": Decimal(outputs) / inputs}
    return averages, used


def _add_pruned_step_sums(site: Site, sums: dict[int, list]) -> int:
    """Add the per-step sums of the site's pruned completed pipeline runs (rules/retention.py) to `sums`;
    return how many runs they cover."""
    runs = 0
    for tally in RunTally.objects.filter(site=site, rule__preset_key="seven_stage"):
        runs += tally.completed
        for index, step in tally.steps.items():
            inputs, outputs, credits = sums.get(int(index), (0, 0, Decimal("0")))
            sums[int(index)] = [inputs + step["inputs"], outputs + step["outputs"], credits + Decimal(step["credits"])]
    return runs


def pending_by_stage(site: Site) -> dict[int, int]:
    return {s.number: registry.get(s.action).pending_count(site.id) for s in STAGES}


def projection(site: Site, config: PipelineConfig, history: tuple | None = None) -> dict:
    """Stage by stage: items waiting now, items the stage would take (including what earlier stages make),
    estimated credits and outputs; totals. Disabled stages take and make nothing."""
    averages, runs_used = history or historical_averages(site, config)
    pending = pending_by_stage(site)
    images = config.stage_5_enabled and config.stage_6_enabled
    if not images:  # the gate then takes every draft (see config.normalize_stages)
        pending[7] = registry.get("review_gate").queryset_for_site(site.id, require_images=False).count()
    stages, incoming, total = [], 0, Decimal("0")
    for stage in STAGES:
        enabled = getattr(config, f"stage_{stage.number}_enabled")
        feed = incoming
        if stage.number == 7:  # the articles that got images (stage 5's input), or, without images, stage 4's
            feed = stages[4]["input_items"] if images else stages[3]["estimated_output"]
        takes = (pending[stage.number] + feed) if enabled else 0
        avg = averages[stage.number]
        credits = (avg["credits"] * takes).quantize(Decimal("0.01"), ROUND_HALF_UP)
        output = int((avg["ratio"] * takes).to_integral_value(ROUND_HALF_UP))
        if stage.number == 1 and takes:
            output = forecast_clusters(site, config, takes) or output
        stages.append(
            {
                "stage": stage.number,
                "name": stage.name,
                "type": stage.kind,
                "enabled": enabled,
                "pending_items": pending[stage.number],
                "input_items": takes,
                "avg_credits_per_item": float(round(avg["credits"], 3)),
                "estimated_credits": float(credits),
                "avg_output_ratio": float(round(avg["ratio"], 3)),
                "estimated_output": output,
                "output_type": stage.output_type,
            }
        )
        total += credits
        incoming = output
    return {"stages": stages, "total_estimated_credits": float(total), "history_runs": runs_used}


FORECAST_KEYWORDS = 2000  # beyond this many, the forecast of the first ones is scaled up
FORECAST_SECONDS = 300


def forecast_clusters(site: Site, config: PipelineConfig, takes: int) -> int | None:
    """The clusters stage 1 would make of the site's keywords, when the provider can tell (the local one can,
    exactly); cached while the queue and the clusters stay the same."""
    provider = provider_class(settings.AI_PROVIDER)
    keywords = registry.get("cluster_keywords").queryset_for_site(site.id).order_by("pk")
    existing = Cluster.objects.filter(site=site)
    state = (keywords.count(), keywords.aggregate(last=Max("pk"))["last"], existing.count(), config.stage_1_batch_size)
    key = f"igny8:forecast:{provider.name}:{site.pk}:" + ":".join(map(str, state))
    cached = cache.get(key)
    if cached is None:
        texts = list(keywords.values_list("text", flat=True)[:FORECAST_KEYWORDS])
        made = provider.forecast_clusters(
            texts, existing_clusters=list(existing.values_list("name", flat=True)), batch_size=config.stage_1_batch_size
        )
        cached = -1 if made is None else round(made * max(1.0, takes / max(1, len(texts))))
        cache.set(key, cached, FORECAST_SECONDS)
    return None if cached < 0 else cached


def estimate_credits(site: Site, config: PipelineConfig) -> Decimal:
    """The credits a run started now reserves."""
    return Decimal(str(projection(site, config)["total_estimated_credits"]))


@dataclass(frozen=True)
class CreditCheck:
    needed: Decimal
    available: Decimal

    @property
    def sufficient(self) -> bool:
        return self.available >= self.needed


def credits_check(site: Site, config: PipelineConfig) -> CreditCheck:
    """The one meaning of "sufficient credits" (schedule row, Run Now, predictive panel): the available balance
    covers what a run started now would reserve."""
    site.account.refresh_from_db(fields=["credits", "credits_reserved"])
    return CreditCheck(estimate_credits(site, config), site.account.credits_available)
