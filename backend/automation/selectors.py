"""Read models of the pipeline in the seeds' shapes: current run, history, overview stats, run detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Avg, Count, FloatField, Func, Q, Sum
from django.utils import timezone

from backend.accounts.models import Site
from backend.automation.config import PipelineConfig
from backend.automation.projection import CreditCheck, historical_averages, projection
from backend.automation.stages import BY_NUMBER, PRESET_KEY, STAGES
from backend.planner.models import ContentIdea
from backend.writer.models import Image, Task
from rules.models import AutomationRule, AutomationRun, RunLog, RunStep
from rules.progress import live_counts, progress_percent


@dataclass(frozen=True)
class Pipeline:
    """The site's preset rule(s), with the counts that number its runs without counting them.

    A rule counts the runs made of it (`execution_count`, raised with each run by lifecycle.run_create) and
    its tallies count the pruned ones (rules/retention.py): a site's pipeline runs one at a time, so the
    pruned runs are its oldest, and the newest run's number is `made`, the one before it `made - 1`, ..."""

    rule_ids: list[int]
    made: int  # runs ever made: the newest run's number
    pruned: int  # of which pruned

    @property
    def listed(self) -> int:
        return max(0, self.made - self.pruned)

    def runs(self):
        # A preset rule belongs to its site and so do all its runs (trigger_rule): the rule alone selects them.
        return AutomationRun.objects.filter(rule_id__in=self.rule_ids)


def pipeline(site: Site) -> Pipeline:
    """One query, however many runs the site has."""
    rows = list(
        AutomationRule.objects.filter(site=site, preset_key=PRESET_KEY)
        .annotate(pruned=Sum("tallies__runs"))
        .values_list("pk", "execution_count", "pruned")
    )
    return Pipeline(
        rule_ids=[pk for pk, _, _ in rows],
        made=sum(made for _, made, _ in rows),
        pruned=sum(pruned or 0 for _, _, pruned in rows),
    )


def hms(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def duration(start, end) -> float:
    if not start:
        return 0.0
    return round(((end or timezone.now()) - start).total_seconds(), 1)


def stage_result(step: RunStep) -> dict:
    """A step as the seeds' stage_N_result: processed/created counts, batches, credits, time, errors."""
    stage = BY_NUMBER.get(step.index + 1)
    elapsed = duration(step.started_at, step.finished_at) if step.started_at else 0.0
    counts = (
        live_counts(step)
        if step.status == "running"
        else {"input_count": step.input_count, "output_count": step.output_count}
    )
    result = {
        "status": step.status,
        "input_count": counts["input_count"],
        "output_count": counts["output_count"],
        "batches": step.result.get("batches", 0),
        "credits_used": float(step.credits_used),
        "time_elapsed": hms(elapsed),
        "time_elapsed_seconds": elapsed,
        "started_at": step.started_at,
        "ended_at": step.finished_at,
        "attempts": step.attempts,
        "errors": step.result.get("errors", []),
        "error": step.error or None,
        "skip_reason": step.result.get("skip_reason"),
    }
    if stage is not None:
        live = step.result.get("progress") or {} if step.status == "running" else {}
        result[stage.processed_key] = counts["input_count"]
        result[stage.created_key] = step.result.get(stage.created_key, step.output_count) + live.get(
            stage.created_key, live.get("output_count", 0)
        )
    if "words" in step.result:
        result["total_words"] = step.result["words"]
    if "keywords_mapped" in step.result:
        result["keywords_mapped"] = step.result["keywords_mapped"]
    return result


def run_number(run: AutomationRun, numbering: Pipeline | None = None) -> int:
    """The run's sequential number among its site's pipeline runs (by start order), pruned ones included: the
    newest run's number less the runs made after this one (read from an index; a recent run counts few)."""
    numbering = numbering or pipeline(run.site)
    newer = (
        numbering.runs()
        .filter(created_at__gte=run.created_at)
        .aggregate(n=Count("pk", filter=Q(created_at__gt=run.created_at) | Q(pk__gt=run.pk)))["n"]
    )
    return numbering.made - newer


def run_payload(run: AutomationRun, steps: list[RunStep]) -> dict:
    """The run as the seeds' AutomationRun: status, current stage, stage_N_result, credits, timestamps."""
    data = {
        "run_id": run.run_id,
        "status": run.status,
        "trigger_type": run.trigger_type,
        "current_stage": min(run.current_step + 1, len(STAGES)),
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "paused_at": run.paused_at,
        "resumed_at": run.resumed_at,
        "cancelled_at": run.cancelled_at,
        "total_credits_used": float(run.total_credits_used),
        "credits_reserved": float(run.credits_reserved),
        "error_message": run.error_message or None,
        "initial_snapshot": run.initial_snapshot,
        "duration_seconds": duration(run.started_at, run.completed_at),
    }
    by_index = {s.index: s for s in steps}
    for stage in STAGES:
        step = by_index.get(stage.number - 1)
        data[f"stage_{stage.number}_result"] = stage_result(step) if step and step.status != "pending" else None
    data["stage_statuses"] = [by_index[s.number - 1].status if s.number - 1 in by_index else "pending" for s in STAGES]
    data["progress_percent"] = progress_percent(run, steps)
    return data


def current_run(site: Site) -> dict:
    """The active run with its last 50 log lines; and the last finished run (the dashboard says how it ended)."""
    runs = pipeline(site).runs().filter(site=site)  # the site too: the index of its last finished runs
    finished = runs.filter(status__in=AutomationRun.FINISHED).order_by("-completed_at")
    last = finished.values("run_id", "status", "error_message", "completed_at").first()
    run = runs.filter(status__in=AutomationRun.ACTIVE).order_by("-created_at").first()
    if run is None:
        return {"run": None, "activity_log": [], "last_run": last}
    lines = list(RunLog.objects.filter(run=run).order_by("-id")[:50])[::-1]
    return {
        "run": run_payload(run, list(run.steps.all())),
        "activity_log": [f"{line.at:%H:%M:%S} - {line.message}" for line in lines],
        "last_run": last,
    }


def history(site: Site, *, page: int, page_size: int) -> dict:
    """A page of the site's pipeline runs, newest first. The total comes from the rule's run counter, and the
    page's runs are found in the index alone (its rows are read only for the page): no count of the history,
    no rows read for the pages skipped."""
    numbering = pipeline(site)
    total = numbering.listed  # the pagination counts only the runs still listed
    offset = (page - 1) * page_size
    order = ("-created_at", "-id")
    page_pks = numbering.runs().order_by(*order).values("pk")[offset : offset + page_size]
    rows = list(AutomationRun.objects.filter(pk__in=page_pks).order_by(*order).prefetch_related("steps"))
    return {
        "runs": [history_row(run, numbering.made - offset - i, site) for i, run in enumerate(rows)],
        "pagination": {
            "page": page,
            "page_size": page_size,
            "total_count": total,
            "total_pages": max(1, -(-total // page_size)),
        },
    }


def history_row(run: AutomationRun, number: int, site: Site) -> dict:
    steps = list(run.steps.all())
    by_action = {s.action_type: s for s in steps}
    created = sum(s.output_count for s in steps)
    return {
        "run_id": run.run_id,
        "run_number": number,
        "run_title": f"{site.domain} #{number}",
        "status": run.status,
        "trigger_type": run.trigger_type,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "duration_seconds": duration(run.started_at, run.completed_at),
        "total_credits_used": float(run.total_credits_used),
        "current_stage": min(run.current_step + 1, 7),
        "stages_completed": sum(s.status == "completed" for s in steps),
        "stages_failed": sum(s.status == "failed" for s in steps),
        "initial_snapshot": run.initial_snapshot,
        "summary": {
            "items_processed": sum(s.input_count for s in steps),
            "items_created": created,
            "content_created": getattr(by_action.get("generate_content"), "output_count", 0),
            "images_generated": getattr(by_action.get("generate_images"), "output_count", 0),
        },
        "stage_statuses": [s.status for s in sorted(steps, key=lambda s: s.index)]
        + ["pending"] * (len(STAGES) - len(steps)),
    }


def attention_items(site: Site) -> dict:
    """What a person should look at: ideas whose writing failed, failed articles, failed images."""
    failed_tasks = Task.objects.filter(site=site, status="failed")
    items = {
        "skipped_ideas": ContentIdea.objects.filter(site=site, status="queued", tasks__in=failed_tasks)
        .distinct()
        .count(),
        "failed_content": failed_tasks.count(),
        "failed_images": Image.objects.filter(site=site, status="failed").count(),
    }
    items["total_attention_needed"] = sum(items.values())
    return items


class Seconds(Func):
    """Seconds from the first date-time to the second, computed by the database (on SQLite without calling
    back into Python for each row, as a duration expression does)."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra):
        template, joiner = "(julianday(%(expressions)s)) * 86400.0", ") - julianday("
        return self.as_sql(compiler, connection, template=template, arg_joiner=joiner, **extra)


def _window_stats(counts: dict, name: str) -> tuple[Decimal, float]:
    """Average credits and duration of the completed runs of one window (see _windows)."""
    return Decimal(counts[f"{name}_credits"] or 0), float(counts[f"{name}_duration"] or 0.0)


def _windows(runs, now) -> dict:
    """Counts and averages of the last 30 days, this week and last week, in one pass over the 30 days' runs
    (an index range: the cost follows the runs of the window, not the history)."""
    week, prev = (
        Q(created_at__gte=now - timedelta(days=7)),
        Q(created_at__gte=now - timedelta(days=14), created_at__lt=now - timedelta(days=7)),
    )
    done = Q(status="completed")
    span = Seconds("started_at", "completed_at")
    aggregates = {
        "completed": Count("id", filter=done),
        "failed": Count("id", filter=Q(status="failed")),
        "completed_with_errors": Count("id", filter=Q(status="completed_with_errors")),
        "finished": Count("id", filter=Q(status__in=AutomationRun.FINISHED)),
        "week": Count("id", filter=week),
        "prev": Count("id", filter=prev),
    }
    for name, window in (("recent", Q()), ("week", week), ("prev", prev)):
        aggregates[f"{name}_credits"] = Avg("total_credits_used", filter=done & window)
        aggregates[f"{name}_duration"] = Avg(span, filter=done & window)
    return runs.filter(created_at__gte=now - timedelta(days=30)).aggregate(**aggregates)


def overview_stats(site: Site, config: PipelineConfig) -> dict:
    now = timezone.now()
    numbering = pipeline(site)
    counts = _windows(numbering.runs(), now)
    avg_credits, avg_duration = _window_stats(counts, "recent")
    week_credits, week_duration = _window_stats(counts, "week")
    prev_credits, prev_duration = _window_stats(counts, "prev")
    history = historical_averages(site, config)
    plan = projection(site, config, history)
    total = Decimal(str(plan["total_estimated_credits"]))
    buffer = (total * Decimal("1.2")).quantize(Decimal("0.01"))
    balance = site.account.credits_available
    outputs = {s["output_type"]: s["estimated_output"] for s in plan["stages"] if s["stage"] in (1, 2, 4, 6)}
    averages, used = history
    return {
        "run_statistics": {
            "total_runs": numbering.made,
            "completed_runs": counts["completed"],
            "failed_runs": counts["failed"],
            "completed_with_errors_runs": counts["completed_with_errors"],
            "success_rate": round(100.0 * counts["completed"] / counts["finished"], 1) if counts["finished"] else 0,
            "avg_duration_seconds": round(avg_duration, 1),
            "avg_credits_per_run": float(round(avg_credits, 1)),
            "runs_this_week": counts["week"],
            "runs_last_week": counts["prev"],
            "credits_trend": _trend(week_credits, prev_credits),
            "duration_trend": round(week_duration - prev_duration, 1) if prev_duration else 0,
        },
        "predictive_analysis": {
            "stages": plan["stages"],
            "total_estimated_credits": float(total),
            "recommended_buffer": float(buffer),
            "current_balance": float(balance),
            "is_sufficient": CreditCheck(total, balance).sufficient,  # Run Now's and the schedule row's test
            "expected_outputs": outputs,
        },
        "attention_items": attention_items(site),
        "historical_averages": {
            "period_days": 30,
            "runs_analyzed": used,
            "uses_defaults": used < 3,
            **{f"avg_credits_stage_{n}": float(round(a["credits"], 3)) for n, a in averages.items()},
            **{f"avg_output_ratio_stage_{n}": float(round(a["ratio"], 3)) for n, a in averages.items()},
        },
    }


def _trend(current: Decimal, previous: Decimal) -> float:
    """Percent change from the previous week (0 when there is nothing to compare with)."""
    return float(round((current - previous) / previous * 100, 1)) if previous else 0.0


def run_detail(run: AutomationRun) -> dict:
    site = run.site
    steps = list(run.steps.all())
    numbering = pipeline(site)
    number = run_number(run, numbering)
    averages = _per_run_stage_averages(numbering, excluding=run)
    stages = [
        _stage_detail(stage, next((s for s in steps if s.index == stage.number - 1), None), averages)
        for stage in STAGES
    ]
    total_in = sum(s.input_count for s in steps)
    total_out = sum(s.output_count for s in steps)
    return {
        "run": {
            "run_id": run.run_id,
            "run_number": number,
            "run_title": f"{site.domain} #{number}",
            "site_name": site.name,
            "site_domain": site.domain,
            "status": run.status,
            "trigger_type": run.trigger_type,
            "dry_run": run.dry_run,
            "current_stage": min(run.current_step + 1, 7),
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "paused_at": run.paused_at,
            "resumed_at": run.resumed_at,
            "cancelled_at": run.cancelled_at,
            "duration_seconds": duration(run.started_at, run.completed_at),
            "total_credits_used": float(run.total_credits_used),
            "error_message": run.error_message or None,
            "rule_id": run.rule_id,
            "rule_version": run.rule_version,
            "attempt": run.attempt,
        },
        "initial_snapshot": run.initial_snapshot,
        "stages": stages,
        "metrics": {
            "total_input_items": total_in,
            "total_output_items": total_out,
            "duration_seconds": duration(run.started_at, run.completed_at),
            "efficiency_percent": round(100.0 * total_out / total_in, 1) if total_in else 0.0,
            "credits_by_stage": {f"stage_{s['number']}": s["result"]["credits_used"] for s in stages},
            "time_by_stage": {f"stage_{s['number']}": s["result"]["time_elapsed_seconds"] for s in stages},
        },
        "insights": insights(run, stages),
    }


def _per_run_stage_averages(numbering: Pipeline, *, excluding: AutomationRun) -> dict[int, dict[str, float]]:
    """Average credits and outputs per stage over the site's last 10 other completed runs (the last started: a
    site's pipeline runs one at a time), counting only the runs in which the stage had work (a skipped stage is
    no measure of its cost).

    Read newest first along the rule's (rule, -created_at, -id) index, stopping at the tenth: ordered by when
    they completed, SQLite sorted all of the rule's runs whenever its statistics made the rule look more
    selective than the site (make bench: api_latency after dispatch_throughput)."""
    runs = numbering.runs().filter(status="completed").exclude(pk=excluding.pk).order_by("-created_at", "-id")
    run_ids = list(runs.values_list("pk", flat=True)[:10])
    rows = (
        RunStep.objects.filter(run_id__in=run_ids, input_count__gt=0)
        .values("index")
        .annotate(credits=Avg("credits_used"), output=Avg("output_count"), runs=Count("id"))
    )
    return {
        row["index"] + 1: {
            "credits": float(row["credits"] or 0),
            "output": float(row["output"] or 0),
            "runs": row["runs"],
        }
        for row in rows
    }


def _stage_detail(stage, step: RunStep | None, averages: dict) -> dict:
    result = (
        stage_result(step)
        if step
        else {
            "status": "pending",
            "input_count": 0,
            "output_count": 0,
            "credits_used": 0.0,
            "time_elapsed": "00:00:00",
            "time_elapsed_seconds": 0.0,
            "batches": 0,
        }
    )
    inputs, outputs, credits = result["input_count"], result["output_count"], result["credits_used"]
    minutes = result["time_elapsed_seconds"] / 60
    avg = averages.get(stage.number, {"credits": 0.0, "output": 0.0, "runs": 0})
    return {
        "number": stage.number,
        "name": stage.name,
        "action": stage.action,
        "type": stage.kind,
        "status": result["status"],
        "is_enabled": step is None or step.params.get("enabled", True) is not False,  # as this run had it
        "result": result,
        "efficiency": {
            "cost_per_input": round(credits / inputs, 3) if inputs else 0.0,
            "cost_per_output": round(credits / outputs, 3) if outputs else 0.0,
            "output_ratio": round(outputs / inputs, 3) if inputs else 0.0,
            "processing_rate": round(inputs / minutes, 1) if minutes else float(inputs),
        },
        "comparison": {
            "avg_credits": round(avg["credits"], 2),
            "avg_output": round(avg["output"], 2),
            "runs_compared": avg["runs"],
            "credits_diff_percent": _diff(credits, avg["credits"]),
            "output_diff_percent": _diff(outputs, avg["output"]),
        },
    }


def _diff(value: float, average: float) -> float:
    return round((value - average) / average * 100, 1) if average else 0.0


def insights(run: AutomationRun, stages: list[dict]) -> list[str]:
    """Plain-language observations computed from the numbers (no AI involved)."""
    notes = []
    done = [s for s in stages if s["result"]["input_count"]]
    if done:
        slowest = max(done, key=lambda s: s["result"]["time_elapsed_seconds"])
        notes.append(f"Slowest stage: {slowest['name']} ({slowest['result']['time_elapsed']}).")
        costliest = max(done, key=lambda s: s["result"]["credits_used"])
        if costliest["result"]["credits_used"]:
            share = 100 * costliest["result"]["credits_used"] / max(float(run.total_credits_used), 0.01)
            notes.append(f"{costliest['name']} used {share:.0f}% of the run's credits.")
    for s in stages:
        comparison = s["comparison"]
        if comparison["runs_compared"] >= 3 and abs(comparison["credits_diff_percent"]) >= 20:
            direction = "more" if comparison["credits_diff_percent"] > 0 else "fewer"
            notes.append(
                f"{s['name']} used {abs(comparison['credits_diff_percent']):.0f}% {direction} credits than its average."
            )
        if s["result"].get("errors"):
            notes.append(f"{s['name']}: {len(s['result']['errors'])} items failed (see the log).")
        if s["status"] == "skipped" and s["result"].get("skip_reason"):
            notes.append(f"{s['name']} was skipped: {s['result']['skip_reason']}.")
    if run.status == "failed" and run.error_message:
        notes.append(f"The run failed: {run.error_message}")
    return notes
