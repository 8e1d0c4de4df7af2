"""The seven-stage pipeline end to end on 1,000 and 10,000 keywords, on a real Celery worker."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.profile import DATABASE_WAIT, Part, profile_table
from bench.report import Table, fmt, median, progress

NAME = "pipeline"
TITLE = "Seven-stage pipeline on 1,000 and 10,000 keywords"
NEEDS_DB = True
# BENCH_PIPELINE_SIZES=1000 runs one size only (while working on the engine; `make bench` runs both).
SIZES = tuple(int(n) for n in os.environ.get("BENCH_PIPELINE_SIZES", "1000,10000").split(",") if n.strip())
ALL_STAGES = (1, 2, 3, 4, 5, 6, 7)
# 10,000 keywords run stages 1-3 unless BENCH_PIPELINE_FULL=1 (all seven take minutes more; see ABOUT).
FULL = os.environ.get("BENCH_PIPELINE_FULL", "") not in ("", "0")
STAGES_FOR = {size: ALL_STAGES if size < 10_000 or FULL else (1, 2, 3) for size in SIZES}
TIMEOUT = 900  # seconds for one run
PROFILE_KEYWORDS = 100  # the profiled run (see the last table)

ABOUT = f"""\
One site's seven-stage preset run (`backend.automation.services.run_now`, the code path of the
`run_now/` endpoint) on a site holding {" or ".join(f"{n:,}" for n in SIZES)} new keywords, with the `local`
provider (`AI_PROVIDER=local`, `AI_LOCAL_LATENCY=0`: no simulated network wait, so the provider's own
CPU work is in the figures: TF-IDF clustering, article writing, PNG rendering). The site's
pipeline configuration is changed through `config_update` (which writes the preset rule):
**within_stage_delay = 0 and between_stage_delay = 0** (the defaults, 3 s and 5 s, would add sleep,
not work); everything else is the default (batch sizes 20/1/20/1/1/1, concurrency 1, 3 ideas per
cluster, 1 featured + 3 in-article images per article). With nothing to wait between batches, the
stages that call the provider once per item (2, 4, 5 and 6) save several batches together, as many
as the provider answers in about 0.5 s, at most 50 items (`actions/items.py`, "Batches saved
together"): the provider calls are the same, one per item; the claims, re-reads, charges and progress
are paid once per group.

The keywords are generated (`bench/keywords.py`): the demo's six topics with 30 subjects each and 60
search modifiers ("best {{s}}", "{{s}} for beginners", …), sampled and shuffled, so a clustering batch
mixes topics as a real import does; the local provider groups the variants of a subject and reuses
existing cluster names across batches.

The steps run on **one real Celery worker process** (`-P threads -c 1`, started by the bench through
`bench/worker.py`, consuming the bench's own Redis queues); the bench starts the run and polls the
run's status. A fresh worker serves each run. **Each size is run once** (a run takes minutes; the
stage table shows where the time goes, and the load average of the machine is recorded above).

**With 10,000 keywords only stages 1–3 run** (stages 4–7 switched off in the site's config, so they
are recorded as skipped): keywords → clusters → ideas → tasks is where 10,000 keywords mean ten times
the work; the clustering folds them into a few hundred articles at either size (the notes give the
counts), so stages 4–7 would repeat the 1,000-keyword run's work at a similar size and add several
minutes to `make bench`. `BENCH_PIPELINE_FULL=1 python -m bench pipeline` runs all seven stages for
both sizes.

- **wall time**: from `run_now` to the run's status `completed`, seen by polling every 0.1 s (the
  estimate the dashboard shows before, which the bench asks for first, is not in it: the notes give its time).
- **items**: the sum over the seven steps of the items each took in (keywords, clusters, ideas,
  tasks, articles, image prompts, articles at the review gate); *queries per item* divides every SQL
  statement of the run (counted in the worker process, all its threads, by a wrapper on each database
  connection, plus the bench process's own for `run_now`) by that sum. BEGIN/COMMIT are not counted
  (savepoints are).
- **peak RSS**: `ru_maxrss` of the worker process at the end of the run (it starts at the figure in
  the note: Django, Celery, numpy/scipy/scikit-learn and Pillow loaded).
- **provider s**: time inside the provider calls (`AICall.duration_ms`), the rest of a stage is the
  engine, the database and the action's own code.
- **engine s**: wall time minus provider s (the steps run one call at a time, so the two add up): what
  the engine, the database and the actions' own code cost around the provider's work.

The last table says **where the engine's time goes**: a run of the pipeline on {PROFILE_KEYWORDS} keywords with
every step executed one after the other in the bench's process under cProfile (the step tasks are collected
instead of published), summed by part: the provider calls, the next batch (claims and re-reads), the charges,
the provider-call records, the checks between batches, the step's own bookkeeping and the waits on the
database."""


@dataclass
class StageFigures:
    number: int
    action: str
    status: str
    items_in: int
    items_out: int
    seconds: float
    provider_seconds: float
    provider_calls: int
    queries: int
    clusters_created: int = 0


@dataclass
class RunFigures:
    keywords: int
    stages_run: tuple[int, ...]
    status: str
    error: str
    wall: float
    queries: int
    items: int
    provider_seconds: float
    peak_rss_mb: float
    ready_rss_mb: float
    estimate_seconds: float = 0.0
    stages: list[StageFigures] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    in_review: int = 0
    credits: float = 0.0


PROFILE_PARTS = [
    Part(
        "provider calls (the local provider's own work: clustering, writing, PNG rendering)",
        (("actions/ai/client.py", "call"),),
    ),
    Part("… of which the shared rate limit", (("actions/ai/ratelimit.py", "wait_for_slot"),)),
    Part("the next batch: candidates read, claimed in Redis, re-read", (("actions/items.py", "next_batch"),)),
    Part("charges: the run's budget, the account, one ledger row per item", (("rules/context.py", "charge_many"),)),
    Part("provider-call records (AICall rows)", (("actions/ai/client.py", "record"),)),
    Part("between batches: progress, lease, stop check", (("rules/context.py", "between_batches"),)),
    Part(
        "the step: read, lease, outcome applied, hand-over",
        (
            ("rules/executor.py", "_step_and_next"),
            ("rules/executor.py", "_take_lease"),
            ("rules/executor.py", "_apply"),
        ),
    ),
    DATABASE_WAIT,
]


def run(*, reps: int) -> list[Table]:
    results: dict[int, list[RunFigures]] = {}
    for size in SIZES:
        repeats = 1  # minutes per run: one each keeps `make bench` near ten minutes (`reps` is not used)
        for rep in range(repeats):
            progress(f"pipeline: {size:,} keywords, run {rep + 1} of {repeats}")
            results.setdefault(size, []).append(_one_run(size, rep, STAGES_FOR[size]))
    return [*_tables(results), _profile()]


def _profile() -> Table:
    """The whole pipeline on a few keywords, its steps executed one after the other in this process under
    the profiler (the step tasks are collected instead of published)."""
    from backend.automation.services import run_now
    from bench.keywords import keyword_set, keywords_insert
    from bench.runs import pipeline_site
    from rules import executor, lifecycle
    from rules.models import RunStep

    progress(f"pipeline: profiling a run of {PROFILE_KEYWORDS} keywords in process")
    site, _config = pipeline_site("pipeline-profile", within_stage_delay=0, between_stage_delay=0)
    keywords_insert(site, keyword_set(PROFILE_KEYWORDS))
    sent: list[int] = []
    saved = lifecycle.enqueue_step, lifecycle.enqueue_steps
    lifecycle.enqueue_step = lambda step_pk, **options: sent.append(step_pk)
    lifecycle.enqueue_steps = lambda steps: sent.extend(step_pk for step_pk, _queue, _timeout in steps)
    try:
        run_ = run_now(site=site).run

        def steps() -> None:
            while sent:
                executor.execute_step(sent.pop(0))

        table = profile_table(
            f"Where the engine's time goes: the pipeline on {PROFILE_KEYWORDS} keywords, every step in one process",
            steps,
            PROFILE_PARTS,
            units=lambda: sum(RunStep.objects.filter(run=run_).values_list("input_count", flat=True)),
            unit="item",
        )
    finally:
        lifecycle.enqueue_step, lifecycle.enqueue_steps = saved
    table.notes.append(
        "Items: the sum of what the seven steps took in, as in the tables above. The seeds' default batch "
        "sizes (20/1/20/1/1/1) make most items a batch of their own; stages 2, 4, 5 and 6 save several of "
        "them together (one claim, re-read, charge and progress check for the group)."
    )
    return table


def _one_run(size: int, rep: int, stages: tuple[int, ...]) -> RunFigures:
    from django.db.models import Count, Sum

    from actions.ai.models import AICall
    from backend.automation.projection import estimate_credits
    from backend.automation.services import run_now
    from backend.writer.models import Content
    from bench.env import counting_queries
    from bench.keywords import keyword_set, keywords_insert
    from bench.runs import only_stages, pipeline_site, seconds, wait_finished
    from bench.worker import BenchWorker, stats_delta

    site, config = pipeline_site(
        f"pipeline-{size}-{rep}", within_stage_delay=0, between_stage_delay=0, **only_stages(*stages)
    )
    keywords_insert(site, keyword_set(size))
    # The dashboard shows the run's estimate (its credit check) before Run Now is pressed: so does the bench,
    # before the timer starts (run_now's own check then finds the local provider's forecast of the clusters cached).
    estimating = time.perf_counter()
    estimate_credits(site, config)
    estimate_seconds = time.perf_counter() - estimating
    with BenchWorker(name=f"pipeline{size}r{rep}", concurrency=1) as worker:
        before = worker.stats()
        started = time.perf_counter()
        with counting_queries() as bench_queries:
            run_ = run_now(site=site).run
        try:
            run_ = wait_finished(run_, timeout=TIMEOUT)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{worker.log_tail()}") from exc
        wall = time.perf_counter() - started
        delta = stats_delta(worker.idle_stats(), before)
        if run_.status != "completed":
            progress(f"pipeline: run {run_.status}: {run_.error_message}\n{worker.log_tail()}")
    calls = {
        row["step_index"]: row
        for row in AICall.objects.filter(run_id=run_.run_id)
        .values("step_index")
        .annotate(n=Count("id"), ms=Sum("duration_ms"))
    }
    figures = RunFigures(
        keywords=size,
        stages_run=stages,
        status=run_.status,
        error=run_.error_message,
        wall=wall,
        queries=bench_queries.count + delta["queries"],
        items=0,
        provider_seconds=sum((c["ms"] or 0) for c in calls.values()) / 1000,
        peak_rss_mb=delta["maxrss_kb"] / 1024,
        ready_rss_mb=delta["ready_rss_kb"] / 1024,
        kinds=Counter(delta["kinds"]) + bench_queries.kinds,
        in_review=Content.objects.filter(site=site, status="review").count(),
        estimate_seconds=estimate_seconds,
        credits=float(run_.total_credits_used),
    )
    for step in run_.steps.order_by("index"):
        call = calls.get(step.index, {"n": 0, "ms": 0})
        figures.stages.append(
            StageFigures(
                number=step.index + 1,
                action=step.action_type,
                status=step.status,
                items_in=step.input_count,
                items_out=step.output_count,
                seconds=seconds(step.started_at, step.finished_at),
                provider_seconds=(call["ms"] or 0) / 1000,
                provider_calls=call["n"],
                queries=delta["queries_by_step"].get(step.pk, 0),
                clusters_created=int(step.result.get("clusters_created", 0)),
            )
        )
    figures.items = sum(s.items_in for s in figures.stages)
    progress(
        f"pipeline: {size:,} keywords {run_.status} in {wall:.0f} s (provider {figures.provider_seconds:.1f} s, "
        f"engine {wall - figures.provider_seconds:.1f} s), {figures.items:,} items, {figures.queries:,} queries "
        f"({figures.queries / max(1, figures.items):.2f} per item)"
    )
    return figures


def _tables(results: dict[int, list[RunFigures]]) -> list[Table]:
    summary = Table(
        "Whole run, one worker, one run per size",
        [
            "keywords",
            "runs",
            "status",
            "wall time",
            "provider s",
            "engine s",
            "items processed",
            "DB queries",
            "queries / item",
            "items / s",
            "worker peak RSS",
        ],
    )
    for size, runs in results.items():
        stages = runs[0].stages_run
        label = f"{size:,}" + ("" if stages == ALL_STAGES else f" (stages {stages[0]}–{stages[-1]})")
        summary.add(
            label,
            len(runs),
            ", ".join(sorted({r.status for r in runs})),
            f"{fmt(median([r.wall for r in runs]))} s",
            f"{fmt(median([r.provider_seconds for r in runs]))} s",
            f"{fmt(median([r.wall - r.provider_seconds for r in runs]))} s",
            f"{median([r.items for r in runs]):,.0f}",
            f"{median([r.queries for r in runs]):,.0f}",
            fmt(median([r.queries / r.items for r in runs])),
            fmt(median([r.items / r.wall for r in runs])),
            f"{fmt(median([r.peak_rss_mb for r in runs]))} MB",
        )
    for size, runs in results.items():
        walls = [r.wall for r in runs]
        last = runs[-1]
        made = [
            f"{last.stages[0].items_out:,} keywords mapped into {last.stages[0].clusters_created:,} new clusters",
            f"{_created(last, 2)} ideas",
            f"{_created(last, 3)} tasks",
        ]
        if 4 in last.stages_run:
            made += [
                f"{_created(last, 4)} articles",
                f"{_created(last, 6)} images",
                f"{last.in_review} articles in review",
            ]
        summary.notes.append(
            f"{size:,} keywords: {len(runs)} run(s), wall time {', '.join(fmt(w) + ' s' for w in walls)}; "
            f"{', '.join(made)}; {fmt(last.credits)} credits charged."
            + ("" if last.stages_run == ALL_STAGES else " Stages 4–7 were switched off (recorded as skipped).")
        )
        for r in runs:
            if r.status != "completed":
                summary.notes.append(f"{size:,} keywords: the run ended {r.status}: {r.error}")
    ready = [r.ready_rss_mb for runs in results.values() for r in runs]
    summary.notes.append(f"The worker's RSS once ready, before any task: {fmt(median(ready))} MB.")
    tables = [summary]
    for size, runs in results.items():
        typical = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
        table = Table(
            f"{size:,} keywords, stage by stage" + (" (the median run)" if len(runs) > 1 else ""),
            [
                "stage",
                "items in",
                "items out",
                "seconds",
                "provider s",
                "engine s",
                "provider calls",
                "queries",
                "queries / item in",
            ],
        )
        for s in typical.stages:
            if s.number not in typical.stages_run:
                continue
            table.add(
                f"{s.number} {s.action}" + ("" if s.status == "completed" else f" ({s.status})"),
                f"{s.items_in:,}",
                f"{s.items_out:,}",
                fmt(s.seconds),
                fmt(s.provider_seconds),
                fmt(max(0.0, s.seconds - s.provider_seconds)),
                f"{s.provider_calls:,}",
                f"{s.queries:,}",
                fmt(s.queries / s.items_in) if s.items_in else "–",
            )
        outside = typical.queries - sum(s.queries for s in typical.stages)
        table.notes.append(
            f"Outside the step tasks (creating and starting the run in `run_now`, ending it): "
            f"{outside:,} queries; time outside the steps: "
            f"{fmt(max(0.0, typical.wall - sum(s.seconds for s in typical.stages)))} s in all (the hand-overs "
            "between stages take milliseconds each). Not in the wall time: the estimate the dashboard shows before "
            f"the run, {fmt(typical.estimate_seconds)} s (the local provider's forecast of the clusters, and loading "
            "its libraries in the bench process; run_now's own credit check finds the forecast cached)."
        )
        tables.append(table)
    base = sorted(results[SIZES[0]], key=lambda r: r.wall)[len(results[SIZES[0]]) // 2]
    kinds = Table(
        f"Queries per item by statement, {SIZES[0]:,} keywords (the 15 most frequent)",
        ["statement", "count", "per item"],
    )
    for kind, count in base.kinds.most_common(15):
        kinds.add(f"`{kind}`", f"{count:,}", fmt(count / base.items))
    kinds.notes.append(f"{len(base.kinds)} statement kinds in all; {base.items:,} items.")
    tables.append(kinds)
    return tables


def _created(figures: RunFigures, stage: int) -> str:
    return f"{figures.stages[stage - 1].items_out:,}"
