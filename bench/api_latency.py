"""Latency and query counts of the run-history endpoints with 10,000 runs stored for one site (and 1,000 for
another), and of the /metrics scrape as the stored history grows."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from bench.report import Table, fmt, median, progress

NAME = "api_latency"
TITLE = "API latency with 10,000 runs stored"
NEEDS_DB = True
RUNS = (1000, 10_000)
DAYS = 400  # the runs are spread over this many days, newest now

ABOUT = f"""\
One site whose seven-stage preset rule has **{RUNS[1]:,} finished runs** (and, for comparison, another
site with {RUNS[0]:,}), written in bulk and shaped like real ones: spread evenly over the last {DAYS}
days (so about {RUNS[1] * 30 // DAYS} fall in the 30-day window of the statistics); 90% completed, 7%
failed at a random stage (later stages skipped), 3% cancelled; 90% scheduled, 10% manual; each with
its 7 `RunStep` rows (the preset's actions and params, input/output counts, credits, batches, the
seeds' `…_created` result keys, start and end times) and an initial snapshot; 70,000 steps in all.
Run logs, AI calls and ledger rows are not written: none of these endpoints reads them. After the
bulk load the two tables get `VACUUM ANALYZE` (what autovacuum does on a live server), so the planner
works from real statistics.

The requests go through **Django's test client in the bench's process** (the full middleware,
authentication by API token, DRF view, JSON rendering; no network, no WSGI server), one at a time,
after 3 warm-up requests per endpoint; the two sites take turns request by request, so both sizes see the
same machine load. Queries are counted per request (authentication included).

- `history/?site_id=` (page 1 of 20 runs; and the middle page: 250 of 500 with 10,000 runs),
- `overview_stats/?site_id=` (statistics, projection, attention items, historical averages),
- `run_detail/?run_id=` (a different run each request, drawn across the whole history),
- `executions/` (the account's runs of all rules, page 1 of 50, with step counts).

The preset rule's run counter is set as the runs' creation would have raised it, and the runs and steps are
added to the engine's finished-run counters (rules/stats.py, in Redis) as finishing them would have. The
**`/metrics` scrape** is timed after each site is written: with {RUNS[0]:,} runs in the database, then with
{sum(RUNS):,} (both sites; the scrape covers every account, not one site). The two sizes cannot take
turns here, so that pair is measured a minute apart.
"""


@dataclass
class Endpoint:
    label: str
    urls: dict[int, list[str]] = field(default_factory=dict)  # per number of runs stored
    times: dict[int, list[float]] = field(default_factory=dict)
    queries: dict[int, list[int]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)  # with the most runs


def run(*, reps: int) -> list[Table]:
    from django.test import Client

    requests = max(20, 8 * reps)
    endpoints: dict[str, Endpoint] = {}
    clients = {}
    scrape = Endpoint("/metrics")
    stored = 0
    for count in RUNS:
        progress(f"api_latency: writing {count:,} runs")
        site, token, run_ids = _site_with_runs(count)
        stored += count
        progress(f"api_latency: {requests} × /metrics with {stored:,} runs stored")
        scrape.urls = {stored: ["/metrics"]}
        _measure({stored: Client()}, scrape, requests, large=sum(RUNS))
        clients[count] = Client(HTTP_AUTHORIZATION=f"Token {token}")
        picks = random.Random(count).sample(run_ids, min(len(run_ids), 50))
        specs = [
            ("history/ (page 1)", [f"/api/v1/automation/history/?site_id={site.pk}"]),
            ("history/ (middle page)", [f"/api/v1/automation/history/?site_id={site.pk}&page={count // 40}"]),
            ("overview_stats/", [f"/api/v1/automation/overview_stats/?site_id={site.pk}"]),
            ("run_detail/", [f"/api/v1/automation/run_detail/?run_id={r}" for r in picks]),
            ("executions/", ["/api/v1/automation/executions/"]),
        ]
        for label, urls in specs:
            endpoints.setdefault(label, Endpoint(label)).urls[count] = urls
    for endpoint in endpoints.values():
        progress(f"api_latency: {requests} × {endpoint.label} with each number of runs, interleaved")
        _measure(clients, endpoint, requests)
    return _tables(endpoints, requests, scrape)


def _measure(clients: dict, endpoint: Endpoint, count: int, *, large: int = RUNS[-1]) -> None:
    """`count` requests per size, the sizes taking turns (so both see the same machine load)."""
    from bench.env import counting_queries

    for size, urls in endpoint.urls.items():
        for n in range(3):  # warm-up
            _get(clients[size], urls[n % len(urls)])
    for n in range(count):
        for size, urls in endpoint.urls.items():
            with counting_queries() as counter:
                started = time.perf_counter()
                _get(clients[size], urls[n % len(urls)])
                elapsed = (time.perf_counter() - started) * 1000
            endpoint.times.setdefault(size, []).append(elapsed)
            endpoint.queries.setdefault(size, []).append(counter.count)
            if size == large:
                endpoint.kinds.update(counter.kinds)


def _get(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:500]!r}")


def _site_with_runs(count: int):
    """A new account and site whose preset rule has `count` finished runs; returns (site, token, run_ids)."""
    from django.db.models import F
    from django.utils import timezone

    from backend.accounts.services import account_create
    from backend.automation.preset import preset_rule
    from backend.automation.stages import STAGES
    from rules.models import AutomationRule, AutomationRun, RunStep
    from rules.stats import Tally, record

    label = f"api-latency-{count}"
    _account, _user, site, token = account_create(name=label, username=label, password="bench-pass-123")
    rule = preset_rule(site)
    rng = random.Random(count)
    now = timezone.now()
    gap = timedelta(days=DAYS) / count
    runs, plans = [], []
    for n in range(count):
        started = now - gap * (count - n) + timedelta(seconds=rng.randint(0, 60))
        roll = rng.random()
        status = "completed" if roll < 0.90 else "failed" if roll < 0.97 else "cancelled"
        stop_at = 7 if status == "completed" else rng.randint(0, 6)
        keywords = rng.randint(20, 200)
        counts = _stage_counts(keywords, rng)
        seconds = [max(1, int(c[0] * rng.uniform(0.05, 1.5))) for c in counts]
        trigger = "scheduled" if rng.random() < 0.9 else "manual"
        credits = sum(c[2] for c in counts[:stop_at])
        duration = sum(seconds[: stop_at + 1])
        runs.append(
            AutomationRun(
                run_id=f"run_{started:%Y%m%d_%H%M%S}_{trigger}_{count}_{n}",
                account_id=site.account_id,
                site=site,
                rule=rule,
                rule_version=rule.version,
                rule_name=rule.name,
                trigger_type=trigger,
                status=status,
                concurrency_key=f"rule:{rule.pk}:site:{site.pk}",
                current_step=min(stop_at, 6),
                started_at=started,
                heartbeat_at=started + timedelta(seconds=duration),
                completed_at=started + timedelta(seconds=duration),
                cancelled_at=started + timedelta(seconds=duration) if status == "cancelled" else None,
                total_credits_used=credits,
                credits_reserved=credits + Decimal("50"),
                error_message="step 3 (generate_content) failed: AI provider: timeout" if status == "failed" else "",
                initial_snapshot={
                    **{f"stage_{s.number}_initial": (keywords if s.number == 1 else 0) for s in STAGES},
                    "total_initial_items": keywords,
                },
            )
        )
        plans.append((counts, seconds, stop_at, status, started))
    AutomationRun.objects.bulk_create(runs, batch_size=1000)
    steps = []
    for run_, (counts, seconds, stop_at, status, started) in zip(runs, plans, strict=True):
        at = started
        for index, (stage, spec) in enumerate(zip(STAGES, rule.actions, strict=True)):
            items_in, items_out, credits = counts[index]
            if index < stop_at:
                state, end = "completed", at + timedelta(seconds=seconds[index])
            elif index == stop_at and status != "completed":
                state, end = ("failed" if status == "failed" else "cancelled"), at + timedelta(seconds=seconds[index])
                items_in, items_out, credits = items_in // 2, items_out // 2, credits / 2
            else:
                state, end = ("skipped" if status == "failed" else "cancelled"), None
            done = state in ("completed", "failed", "cancelled") and end is not None
            steps.append(
                RunStep(
                    run=run_,
                    index=index,
                    key=f"step-{index + 1}",
                    path=f"actions/{index}",
                    action_type=spec["type"],
                    name=spec.get("name", ""),
                    params=spec["params"],
                    max_retries=3,
                    retry_backoff=5,
                    status=state,
                    attempts=1 if done else 0,
                    started_at=at if done else None,
                    finished_at=end,
                    input_count=items_in if done else 0,
                    output_count=items_out if done else 0,
                    credits_used=credits if done else 0,
                    result={"batches": max(1, items_in // 20), stage.created_key: items_out} if done else {},
                    error="AI provider: timeout" if state == "failed" else "",
                    error_kind="transient" if state == "failed" else "",
                )
            )
            at = end or at
    RunStep.objects.bulk_create(steps, batch_size=2000)
    AutomationRun.objects.filter(site=site).update(created_at=F("started_at"))  # auto_now_add set it to now
    # What making and finishing the runs would have counted: the rule's runs, the finished runs and steps.
    AutomationRule.objects.filter(pk=rule.pk).update(execution_count=count, last_executed_at=runs[-1].started_at)
    tally = Tally()
    for run_ in runs:
        tally.run(run_.status)
    for step in steps:
        if step.status != "pending":
            ran = step.started_at is not None and step.finished_at is not None
            seconds = (step.finished_at - step.started_at).total_seconds() if ran else None
            tally.step(step.action_type, step.status, seconds)
    record(tally)
    _vacuum_analyze(AutomationRun, RunStep)
    return site, token, [r.run_id for r in runs]


def _vacuum_analyze(*models) -> None:
    """Fresh planner statistics and no dead rows from the bulk load, as autovacuum would leave a live server."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.vendor != "postgresql":
                cursor.execute(f"ANALYZE {table}")
                continue
            # The bench's server commits asynchronously: for a moment after the load VACUUM cannot yet mark
            # the new rows' pages all-visible, and index-only scans would read the heap for every row, as they
            # would not on a server whose autovacuum came by later. Vacuum again until it could (3 s at most).
            for _attempt in range(15):
                cursor.execute(f"VACUUM ANALYZE {table}")
                cursor.execute(
                    "SELECT relallvisible >= relpages FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.2)


def _stage_counts(keywords: int, rng: random.Random) -> list[tuple[int, int, Decimal]]:
    """(items in, items out, credits) per stage of a run that started with `keywords` keywords."""
    clusters = max(1, keywords // rng.randint(4, 8))
    ideas = clusters * 3
    images = ideas * 4
    return [
        (keywords, keywords, Decimal(keywords) * Decimal("0.2")),
        (clusters, ideas, Decimal(clusters * 2)),
        (ideas, ideas, Decimal(0)),
        (ideas, ideas, Decimal(ideas * 3)),
        (ideas, images, Decimal(images) / 2),
        (images, images, Decimal(images)),
        (ideas, ideas, Decimal(0)),
    ]


def _tables(endpoints: dict[str, Endpoint], requests: int, scrape: Endpoint) -> list[Table]:
    small, large = RUNS

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    table = Table(
        f"GET latency (ms) and queries per request, {large:,} runs stored",
        ["endpoint", "p50", "p95", f"p50 with {small:,} runs", "growth", "queries", f"queries with {small:,}"],
    )
    for e in endpoints.values():
        p50_large, p50_small = median(e.times[large]), median(e.times[small])
        table.add(
            f"`{e.label}`",
            fmt(p50_large),
            fmt(p95(e.times[large])),
            fmt(p50_small),
            f"{p50_large / p50_small:.1f}×",
            fmt(median(e.queries[large])),
            fmt(median(e.queries[small])),
        )
    table.notes.append(
        f"{requests} requests per endpoint and size, after 3 warm-up requests. *Growth* is the p50 "
        f"with {large:,} runs over the p50 with {small:,}: near 1× means the cost does not depend on "
        f"how many runs are stored; near 10× means the request does work proportional to them."
    )
    kinds = Table(f"Queries per request by statement, {large:,} runs", ["endpoint", "statements"])
    for e in endpoints.values():
        total = len(e.queries[large])
        kinds.add(f"`{e.label}`", ", ".join(f"`{k}` {fmt(v / total)}" for k, v in e.kinds.most_common(8)))
    return [table, kinds, _scrape_table(scrape)]


def _scrape_table(scrape: Endpoint) -> Table:
    sizes = sorted(scrape.times)
    table = Table(
        "`/metrics` scrape (ms) and queries, by runs stored in the database",
        ["runs stored", "steps stored", "p50", "p95", "growth", "queries", "statements"],
    )
    first = median(scrape.times[sizes[0]])
    total = len(scrape.queries[sizes[-1]])
    for size in sizes:
        p50 = median(scrape.times[size])
        table.add(
            fmt(size),
            fmt(size * 7),
            fmt(p50),
            fmt(statistics.quantiles(scrape.times[size], n=20)[-1]),
            f"{p50 / first:.1f}×",
            fmt(median(scrape.queries[size])),
            ", ".join(f"`{k}` {fmt(v / total)}" for k, v in scrape.kinds.most_common(8)) if size == sizes[-1] else "",
        )
    table.notes.append(
        "Finished runs and steps, step durations, credits charged and provider calls are read from counters (Redis "
        "hashes, one round trip); active runs and their unfinished steps from the database (a partial index of the "
        "few in flight)."
    )
    return table
