"""Stage 4 (generate_content) with a 500 ms provider: concurrency 1 against 8, and the shared rate limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.report import Table, fmt, median, progress, spread

NAME = "stage4_concurrency"
TITLE = "Stage 4 with a 500 ms provider: concurrency 1 against 8"
NEEDS_DB = True
TASKS = 32
LATENCY = 0.5  # seconds per provider call (AI_LOCAL_LATENCY)
BATCH = 8  # stage_4_batch_size of the measured configurations
LIMIT_RPM = 240  # AI_REQUESTS_PER_MINUTE of the rate-limited run
TIMEOUT = 300

ABOUT = f"""\
Stage 4 alone (`generate_content`, the preset's step 4; stages 1–3 and 5–7 switched off in the
site's pipeline configuration, delays 0) on **{TASKS} queued writing tasks** (each with its idea, cluster
and target keywords, as stage 3 leaves them), with the `local` provider told to wait
**`AI_LOCAL_LATENCY={LATENCY}` s per call**, as a remote model would. The run is started with
`run_now` and executed by **one real Celery worker process** (`-P threads -c 1`, `bench/worker.py`):
the step's items are processed by the action's own thread pool (`ItemAction._process`), up to
`stage_4_concurrency` at a time **within one batch**, so the batch size (`stage_4_batch_size`) is set to
{BATCH} for both concurrencies; the time is the stage-4 step's own (`RunStep.started_at` →
`finished_at`), and the run's wall time (from `run_now` until the bench sees it completed) is in the
notes.

**Rate limit**: `AI_REQUESTS_PER_MINUTE=0` (unlimited) for the comparison. One more run with
concurrency 8 sets `AI_REQUESTS_PER_MINUTE={LIMIT_RPM}` in the worker: the shared Redis limiter
(`actions/ai/ratelimit.py`) spaces the calls {60 / LIMIT_RPM:g} s apart; the measured rate is computed
from the start times of the provider calls (`AICall.created_at − duration_ms`): (calls − 1) / (last
start − first start). *In flight* is the largest number of provider calls overlapping in time.
The last row keeps the default batch size of 1 with concurrency 8.
"""


@dataclass
class Figures:
    stage_seconds: float
    wall: float
    calls: int
    written: int
    rate_per_min: float
    in_flight: int
    status: str


def run(*, reps: int) -> list[Table]:
    from bench.worker import BenchWorker

    repeats = max(1, min(reps, 3))
    results: dict[str, list[Figures]] = {}
    env = {"AI_LOCAL_LATENCY": str(LATENCY), "AI_REQUESTS_PER_MINUTE": "0"}
    with BenchWorker(name="stage4", concurrency=1, env=env):
        _one(8, BATCH, "warm-up")  # first import of the provider's libraries, first connections
        for rep in range(repeats):
            for concurrency in (1, 8):
                progress(f"stage4: concurrency {concurrency}, run {rep + 1} of {repeats}")
                results.setdefault(f"c{concurrency}", []).append(_one(concurrency, BATCH, f"r{rep}"))
        progress("stage4: concurrency 8 with the default batch size 1")
        results["c8b1"] = [_one(8, 1, "b1")]
    with BenchWorker(name="stage4limited", concurrency=1, env={**env, "AI_REQUESTS_PER_MINUTE": str(LIMIT_RPM)}):
        progress(f"stage4: concurrency 8, {LIMIT_RPM} requests per minute")
        results["limited"] = [_one(8, BATCH, "limited")]
    return _tables(results, repeats)


def _one(concurrency: int, batch: int, label: str) -> Figures:
    from actions.ai.models import AICall
    from backend.automation.services import run_now
    from backend.writer.models import Content
    from bench.runs import only_stages, pipeline_site, seconds, wait_finished

    site, _config = pipeline_site(
        f"stage4-{label}-c{concurrency}-b{batch}",
        within_stage_delay=0,
        between_stage_delay=0,
        stage_4_concurrency=concurrency,
        stage_4_batch_size=batch,
        **only_stages(4),
    )
    _queued_tasks(site, TASKS)
    started = time.perf_counter()
    run_ = wait_finished(run_now(site=site).run, timeout=TIMEOUT, poll=0.05)
    wall = time.perf_counter() - started
    step = run_.steps.get(index=3)
    calls = list(
        AICall.objects.filter(run_id=run_.run_id, function="generate_content").values_list("created_at", "duration_ms")
    )
    spans = sorted(((end.timestamp() - ms / 1000, end.timestamp()) for end, ms in calls))
    starts = [start for start, _ in spans]
    rate = (len(starts) - 1) / (starts[-1] - starts[0]) * 60 if len(starts) > 1 and starts[-1] > starts[0] else 0.0
    return Figures(
        stage_seconds=seconds(step.started_at, step.finished_at),
        wall=wall,
        calls=len(calls),
        written=Content.objects.filter(site=site).count(),
        rate_per_min=rate,
        in_flight=_max_overlap(spans),
        status=run_.status,
    )


def _max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans], key=lambda e: (e[0], e[1]))
    best = current = 0
    for _, change in events:
        current += change
        best = max(best, current)
    return best


def _queued_tasks(site, count: int) -> None:
    """`count` queued tasks as stage 3 leaves them: an idea (with target keywords) and a cluster each."""
    from backend.planner.models import Cluster, ContentIdea, Keyword
    from backend.writer.models import Task
    from bench.keywords import keyword_set

    specs = keyword_set(count * 3, seed=4)
    cluster = Cluster.objects.create(
        site=site,
        account_id=site.account_id,
        name="Bench topics",
        status="mapped",
        description="Keywords of the stage-4 benchmark.",
    )
    keywords = Keyword.objects.bulk_create(
        [
            Keyword(
                site=site,
                account_id=site.account_id,
                text=s.text,
                volume=s.volume,
                difficulty=s.difficulty,
                intent=s.intent,
                cluster=cluster,
                status="mapped",
            )
            for s in specs
        ]
    )
    for n in range(count):
        focus = keywords[3 * n : 3 * n + 3]
        idea = ContentIdea.objects.create(
            site=site,
            account_id=site.account_id,
            cluster=cluster,
            status="queued",
            title=f"The Complete Guide to {focus[0].text.title()}",
            description=f"A guide for readers exploring {focus[0].text}.",
            content_type="guide",
            content_structure="guide",
        )
        idea.target_keywords.set(focus)
        Task.objects.create(
            site=site, account_id=site.account_id, idea=idea, cluster=cluster, title=idea.title, target_word_count=1200
        )


def _tables(results: dict[str, list[Figures]], repeats: int) -> list[Table]:
    base = median([f.stage_seconds for f in results["c1"]])
    table = Table(
        f"Stage 4 on {TASKS} tasks, {LATENCY:g} s per provider call",
        [
            "configuration",
            "stage 4 time",
            "per article",
            "speed-up vs concurrency 1",
            "provider calls",
            "in flight (max)",
            "requests / min",
            "runs",
        ],
    )
    rows = [
        ("concurrency 1, batch size 8, unlimited", "c1"),
        ("concurrency 8, batch size 8, unlimited", "c8"),
        (f"concurrency 8, batch size 8, limit {LIMIT_RPM} requests/min", "limited"),
        ("concurrency 8, batch size 1 (the default), unlimited", "c8b1"),
    ]
    for label, key in rows:
        figures = results[key]
        t = median([f.stage_seconds for f in figures])
        table.add(
            label,
            f"{fmt(t)} s",
            f"{fmt(1000 * t / TASKS)} ms",
            f"{base / t:.2f}×",
            f"{median([f.calls for f in figures]):.0f}",
            f"{median([f.in_flight for f in figures]):.0f}",
            fmt(median([f.rate_per_min for f in figures])),
            len(figures),
        )
    c1, c8 = results["c1"], results["c8"]
    ideal = TASKS * LATENCY
    table.notes += [
        f"Speed-up with concurrency 8 against 1: **{base / median([f.stage_seconds for f in c8]):.2f}×** "
        f"(medians of {repeats} runs each; stage 4 took {spread([f.stage_seconds for f in c1])} s with "
        f"concurrency 1 and {spread([f.stage_seconds for f in c8])} s with 8). The provider's wait alone is "
        f"{fmt(ideal)} s one at a time and {fmt(ideal / 8)} s eight at a time.",
        f"Whole run (run_now → completed, polled every 50 ms): {fmt(median([f.wall for f in c1]))} s with "
        f"concurrency 1, {fmt(median([f.wall for f in c8]))} s with 8.",
        f"Rate limit respected: {fmt(results['limited'][0].rate_per_min)} requests/min measured with a limit of "
        f"{LIMIT_RPM} ({'≤' if results['limited'][0].rate_per_min <= LIMIT_RPM * 1.001 else '>'} limit).",
        "Every run wrote all its articles: "
        + ", ".join(sorted({f"{f.written}/{TASKS} ({f.status})" for figures in results.values() for f in figures}))
        + ".",
    ]
    return [table]
