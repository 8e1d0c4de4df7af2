"""What a pipeline run would take and make: pending items, historical averages, credits and outputs."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from actions.costs import PER_CLUSTER_IDEAS, PER_IMAGE_PROMPT, PER_KEYWORD_CLUSTERED, content_cost, image_cost
from actions.registry import registry
from backend.accounts.models import Site
from backend.automation.models import AutomationConfig
from backend.automation.stages import STAGES
from rules.models import AutomationRun, RunStep

HISTORY_RUNS, HISTORY_MINIMUM = 10, 3
IN_ARTICLE_IMAGES = 3  # generate_image_prompts default: 1 featured + 3 in-article


def default_averages(config: AutomationConfig) -> dict[int, dict[str, Decimal]]:
    """Per stage: credits per input item and outputs per input item, before there is history."""
    return {
        1: {"credits": PER_KEYWORD_CLUSTERED, "ratio": Decimal("0.2")},
        2: {"credits": PER_CLUSTER_IDEAS, "ratio": Decimal(config.ideas_per_cluster)},
        3: {"credits": Decimal("0"), "ratio": Decimal("1")},
        4: {"credits": content_cost(1200), "ratio": Decimal("1")},
        5: {"credits": PER_IMAGE_PROMPT * (1 + IN_ARTICLE_IMAGES), "ratio": Decimal(1 + IN_ARTICLE_IMAGES)},
        6: {"credits": image_cost(), "ratio": Decimal("1")},
        7: {"credits": Decimal("0"), "ratio": Decimal("1")},
    }


def completed_preset_runs(site: Site):
    return AutomationRun.objects.filter(site=site, rule__preset_key="seven_stage", status="completed")


def historical_averages(site: Site, config: AutomationConfig) -> tuple[dict[int, dict[str, Decimal]], int]:
    """Averages from the last 10 completed runs (3 at least, else the defaults), and how many runs were used."""
    run_ids = list(completed_preset_runs(site).order_by("-completed_at").values_list("pk", flat=True)[:HISTORY_RUNS])
    averages = default_averages(config)
    if len(run_ids) < HISTORY_MINIMUM:
        return averages, len(run_ids)
    rows = (
        RunStep.objects.filter(run_id__in=run_ids, input_count__gt=0)
        .values("index")
        .annotate(inputs=Sum("input_count"), outputs=Sum("output_count"), credits=Sum("credits_used"))
    )
    for row in rows:
        stage = row["index"] + 1
        if stage in averages:
            averages[stage] = {
                "credits": Decimal(row["credits"]) / row["inputs"],
                "ratio": Decimal(row["outputs"]) / row["inputs"],
            }
    return averages, len(run_ids)


def pending_by_stage(site: Site) -> dict[int, int]:
    return {s.number: registry.get(s.action).pending_count(site.id) for s in STAGES}


def projection(site: Site, config: AutomationConfig, history: tuple | None = None) -> dict:
    """Stage by stage: items waiting now, items the stage would take (including what earlier stages make),
    estimated credits and outputs; totals. Disabled stages take and make nothing."""
    averages, runs_used = history or historical_averages(site, config)
    pending = pending_by_stage(site)
    stages, incoming, total = [], 0, Decimal("0")
    for stage in STAGES:
        enabled = getattr(config, f"stage_{stage.number}_enabled")
        # Stage 7 takes the articles that got images (stage 5's input), not stage 6's images.
        feed = stages[4]["input_items"] if stage.number == 7 else incoming
        takes = (pending[stage.number] + feed) if enabled else 0
        avg = averages[stage.number]
        credits = (avg["credits"] * takes).quantize(Decimal("0.01"), ROUND_HALF_UP)
        output = int((avg["ratio"] * takes).to_integral_value(ROUND_HALF_UP))
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


def estimate_credits(site: Site, config: AutomationConfig) -> Decimal:
    return Decimal(str(projection(site, config)["total_estimated_credits"]))
