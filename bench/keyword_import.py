"""A bulk import of 10,000 keywords into an account with 100 rules listening: saved and dispatched."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from bench import env
from bench.keywords import keyword_set
from bench.report import Table, fmt, median, progress, relative_spread

NAME = "keyword_import"
TITLE = "Bulk import of 10,000 keywords with 100 rules listening"
NEEDS_DB = True

KEYWORDS = 10_000
RULES = 100
MAX_RUNS = 10  # the rules' max_runs (mode queued, the default of event rules)

ABOUT = f"""\
One account with {RULES} active rules on `keyword.created` (mode `queued`, the default of event rules, with
max_runs {MAX_RUNS}, one `log` action each); rule *j* has the condition `object.volume >= 100·(j+1)`. The
import is `backend.planner.services.keywords_import` with {KEYWORDS:,} realistic keywords (`bench/keywords.py`:
volumes drawn from a log-normal around 700, so a keyword matches anywhere from none to all of the rules): the
rows are inserted in chunks of 1,000, each in its own transaction, and their {KEYWORDS:,} `keyword.created`
events go out after the import in `rules.dispatch_batch` tasks of 200. Here each task's body runs in the
bench's process where it is published (as `dispatch_throughput` does), so the time is the import's saving
plus the dispatching of every chunk, in one process: what the API request takes plus what the workers do.

Every (keyword, rule) pair whose conditions were true leaves a trigger record (those whose conditions were false
are worked out from the journal when asked, not written). The first matches of a rule start a run and queue up to
max_runs; later ones are dropped ("queue full"), and once the account has `AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT`
runs active or waiting, the others are dropped for that limit. Each
repetition imports into a fresh account of its own (same rules, same keywords)."""


@dataclass
class Figures:
    total: list[float] = field(default_factory=list)
    saving: list[float] = field(default_factory=list)
    dispatching: list[float] = field(default_factory=list)
    queries: list[float] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    records: list[int] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    query_kinds: Counter[str] = field(default_factory=Counter)


def run(*, reps: int) -> list[Table]:
    clock = _dispatch_in_process()
    specs = keyword_set(KEYWORDS)
    rows = [{"text": s.text, "volume": s.volume, "difficulty": s.difficulty, "intent": s.intent} for s in specs]
    figures = Figures()
    for rep in range(reps):
        progress(f"{NAME}: repetition {rep + 1}/{reps}")
        _measure(figures, rows, rep, clock)
    env.purge_broker()
    return [_table(figures, reps), _outcomes_table(figures, reps), _queries_table(figures, reps)]


def _dispatch_in_process() -> list[float]:
    """Run each dispatch batch task's body where it is published; returns the list its times are added to."""
    from rules import tasks

    spent: list[float] = []

    def run_here(args, **options) -> None:
        started = time.perf_counter()
        tasks.dispatch_batch.run(*args)
        spent.append(time.perf_counter() - started)

    tasks.dispatch_batch.apply_async = run_here
    return spent


def _measure(figures: Figures, rows: list[dict], rep: int, clock: list[float]) -> None:
    from django.db.models import Count

    from backend.planner.services import keywords_import
    from rules.models import AutomationRun, TriggerRecord

    account, site = env.account_make(f"import-{rep}")
    env.rules_make(
        account_id=account.id,
        site_id=site.id,
        specs=[
            env.event_rule(
                "keyword.created",
                {">=": [{"var": "object.volume"}, 100 * (j + 1)]},
                name=f"volume at least {100 * (j + 1)}",
                mode="queued",
                max_runs=MAX_RUNS,
            )
            for j in range(RULES)
        ],
    )
    clock.clear()
    with env.counting_queries() as queries:
        started = time.perf_counter()
        ids = keywords_import(site=site, rows=rows)
        total = time.perf_counter() - started
    if len(ids) != KEYWORDS:
        raise AssertionError(f"imported {len(ids)} keywords, expected {KEYWORDS}")
    records = TriggerRecord.objects.filter(account=account)
    figures.total.append(total)
    figures.dispatching.append(sum(clock))
    figures.saving.append(total - sum(clock))
    figures.queries.append(queries.count)
    figures.tasks.append(len(clock))
    figures.records.append(records.count())
    figures.runs.append(AutomationRun.objects.filter(account=account).count())
    figures.outcomes.update(dict(records.values_list("outcome").annotate(n=Count("id")).order_by()))
    figures.query_kinds.update(queries.kinds)
    env.runs_complete(account.id)


def _table(figures: Figures, reps: int) -> Table:
    table = Table(
        f"{KEYWORDS:,} keywords imported, {RULES} rules listening",
        [
            "saved + dispatched, s",
            "saving, s",
            "dispatching, s",
            "events / s",
            "trigger records",
            "runs",
            "dispatch tasks",
            "queries",
        ],
    )
    total = median(figures.total)
    table.add(
        fmt(total),
        fmt(median(figures.saving)),
        fmt(median(figures.dispatching)),
        fmt(KEYWORDS / total),
        f"{int(median(figures.records)):,}",
        f"{int(median(figures.runs)):,}",
        int(median(figures.tasks)),
        f"{int(median(figures.queries)):,}",
    )
    table.notes += [
        f"{reps} repetitions, each into a fresh account; total ranged {fmt(min(figures.total))}–"
        f"{fmt(max(figures.total))} s (spread {relative_spread(figures.total):.0%}).",
        f"Trigger records written per import (the pairs whose conditions were true): "
        f"{', '.join(f'{n:,}' for n in figures.records)}.",
    ]
    return table


def _outcomes_table(figures: Figures, reps: int) -> Table:
    table = Table("Trigger records per import, by outcome", ["outcome", "records"])
    for outcome, count in figures.outcomes.most_common():
        table.add(f"`{outcome}`", f"{count / reps:,.0f}")
    return table


def _queries_table(figures: Figures, reps: int) -> Table:
    table = Table("Queries per import, by kind", ["statement", "per import"])
    for kind, count in figures.query_kinds.most_common():
        if count / reps >= 1:
            table.add(f"`{kind}`", fmt(count / reps))
    table.notes.append("BEGIN and COMMIT are not counted (savepoints are).")
    return table
