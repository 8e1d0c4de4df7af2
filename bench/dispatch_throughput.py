"""Dispatch throughput: events to runs enqueued, with 10,000 active event rules."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from bench import env
from bench.report import Table, fmt, median, progress, relative_spread

NAME = "dispatch_throughput"
TITLE = "Dispatch throughput with 10,000 rules"
NEEDS_DB = True

ACCOUNTS = 100
RULES_PER_ACCOUNT = 100
MATCHING_PER_ACCOUNT = 10
EVENT_VOLUME = 1000
BUDGET_SECONDS = 4.0  # per repetition; sets how many events are timed

ABOUT = f"""\
{ACCOUNTS:,} accounts with {RULES_PER_ACCOUNT} active rules each ({ACCOUNTS * RULES_PER_ACCOUNT:,} rules), all on
`keyword.created` for the account's site, each with one `log` action and mode `parallel`. Rule *j* of an
account has the condition `object.volume >= 100·(j+1) and object.status != "mapped"`; the events are
keywords of volume {EVENT_VOLUME}, so **{MATCHING_PER_ACCOUNT} of the {RULES_PER_ACCOUNT} rules listening to each
event match ({MATCHING_PER_ACCOUNT / RULES_PER_ACCOUNT:.0%})**; the others are evaluated and dropped.

An event is a `Keyword` created in its own committed transaction, the accounts taking turns (as on a
server shared by many tenants). In production the save only enqueues a `rules.dispatch` task after
commit and a worker runs it; here that task body runs in the bench's process right after the commit,
so the figure is save + dispatch in one process (step tasks are still published to Redis).
A run is *enqueued* when its `AutomationRun` and `RunStep` rows are written and its first step task
is published to Redis (no worker consumes them; the bench's queues are purged afterwards).
Throughput is single-process (one dispatching process); medians of the repetitions.
"Condition compiles / event" counts misses of the compiled-conditions cache (`compiled_for`)."""

_texts = (f"dispatch keyword {n}" for n in itertools.count())


@dataclass
class Figures:
    events_per_s: list[float] = field(default_factory=list)
    runs_per_s: list[float] = field(default_factory=list)
    tasks_per_s: list[float] = field(default_factory=list)
    queries: list[float] = field(default_factory=list)
    compiles: list[float] = field(default_factory=list)
    query_kinds: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    tasks: int = 0
    events: int = 0


def _dispatch_in_process() -> None:
    """Run the dispatch task's body where the event is saved, instead of publishing it for a worker."""
    from rules import tasks

    tasks.dispatch.apply_async = lambda args, **options: tasks.dispatch.run(*args)


def run(*, reps: int) -> list[Table]:
    _dispatch_in_process()
    sites = _prepare()
    turns = itertools.cycle(sites)
    for _ in range(3):  # warm up: index build, broker connection, first compiles
        _event(next(turns))
    started = time.perf_counter()
    for _ in range(3):
        _event(next(turns))
    per_batch = max(10, min(1000, int(BUDGET_SECONDS / ((time.perf_counter() - started) / 3))))
    figures = Figures()
    for rep in range(reps):
        progress(f"{NAME}: repetition {rep + 1}/{reps} ({per_batch} events)")
        _measure(figures, turns, per_batch)
    in_redis = env.queued_messages()
    env.purge_broker()
    return [_table(figures, per_batch, in_redis), _queries_table(figures)]


def _prepare() -> list:
    progress(f"{NAME}: {ACCOUNTS} accounts × {RULES_PER_ACCOUNT} rules")
    specs = [
        env.event_rule(
            "keyword.created",
            {"and": [{">=": [{"var": "object.volume"}, 100 * (j + 1)]}, {"!=": [{"var": "object.status"}, "mapped"]}]},
            name=f"volume at least {100 * (j + 1)}",
        )
        for j in range(RULES_PER_ACCOUNT)
    ]
    sites = []
    for index in range(ACCOUNTS):
        account, site = env.account_make(f"dispatch-{index}")
        env.rules_make(account_id=account.id, site_id=site.id, specs=specs)
        sites.append(site)
    return sites


def _event(site) -> None:
    from django.db import transaction

    from backend.planner.models import Keyword

    with transaction.atomic():
        Keyword.objects.create(account_id=site.account_id, site=site, text=next(_texts), volume=EVENT_VOLUME)


def _measure(figures: Figures, turns, events: int) -> None:
    from rules.models import AutomationRun

    runs_before, tasks_before = AutomationRun.objects.count(), env.published_tasks()
    with env.counting_queries() as queries, env.counting_compiles() as compiles:
        started = time.perf_counter()
        for _ in range(events):
            _event(next(turns))
        elapsed = time.perf_counter() - started
    runs = AutomationRun.objects.count() - runs_before
    tasks = env.published_tasks() - tasks_before
    figures.events_per_s.append(events / elapsed)
    figures.runs_per_s.append(runs / elapsed)
    figures.tasks_per_s.append(tasks / elapsed)
    figures.queries.append(queries.count / events)
    figures.compiles.append(compiles[0] / events)
    figures.query_kinds.update(queries.kinds)
    figures.runs, figures.tasks, figures.events = figures.runs + runs, figures.tasks + tasks, figures.events + events


def _table(figures: Figures, per_batch: int, in_redis: int) -> Table:
    table = Table(
        f"{ACCOUNTS * RULES_PER_ACCOUNT:,} rules, {RULES_PER_ACCOUNT} per event, "
        f"{MATCHING_PER_ACCOUNT / RULES_PER_ACCOUNT:.0%} matching",
        [
            "events / s",
            "rules evaluated / s",
            "runs enqueued / s",
            "step tasks published / s",
            "queries / event",
            "condition compiles / event",
        ],
    )
    events_per_s = median(figures.events_per_s)
    table.add(
        fmt(events_per_s),
        fmt(events_per_s * RULES_PER_ACCOUNT),
        fmt(median(figures.runs_per_s)),
        fmt(median(figures.tasks_per_s)),
        fmt(median(figures.queries)),
        fmt(median(figures.compiles)),
    )
    table.notes += [
        f"{len(figures.events_per_s)} repetitions of {per_batch} events; events/s ranged "
        f"{fmt(min(figures.events_per_s))}–{fmt(max(figures.events_per_s))} "
        f"(spread {relative_spread(figures.events_per_s):.0%}).",
        f"Check: {figures.events:,} events gave {figures.runs:,} runs (expected "
        f"{figures.events * MATCHING_PER_ACCOUNT:,}), {figures.tasks:,} step tasks published, "
        f"{in_redis:,} messages waiting in Redis before the purge (including the warm-up's).",
    ]
    return table


def _queries_table(figures: Figures) -> Table:
    table = Table("Queries per event, by kind (all repetitions)", ["statement", "per event"])
    for kind, count in figures.query_kinds.most_common():
        if count / figures.events >= 0.5:
            table.add(f"`{kind}`", fmt(count / figures.events))
    rare = sum(count for count in figures.query_kinds.values() if count / figures.events < 0.5)
    if rare:
        table.add("others", fmt(rare / figures.events))
    table.notes.append(
        f"With {RULES_PER_ACCOUNT} rules listening and {MATCHING_PER_ACCOUNT} matching per event; "
        "BEGIN and COMMIT are not counted (savepoints are)."
    )
    return table
