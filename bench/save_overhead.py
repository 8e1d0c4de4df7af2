"""What active event rules add to a model save(): Keyword creation with 0, 100 and 1,000 rules."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from bench import env
from bench.report import Table, fmt, median, progress, relative_spread

NAME = "save_overhead"
TITLE = "Model save() overhead of event rules"
NEEDS_DB = True
ABOUT = """\
Cost of creating one `Keyword` (`Keyword(site=…, text=…, volume=500).save()`) in an account that has
0, 100 or 1,000 active event rules. Each scenario has an account of its own; the rules are real rows
(validated like the API does, one `log` action each).

- *other events*: the rules listen to events a keyword creation does not emit (`keyword.updated`,
  `content.status_changed`, `run.failed`, …). The save hook asks the in-memory index and finds nobody.
- *on keyword.created, none matching*: the rules listen to `keyword.created` but their conditions
  (`object.volume > 100000+i and object.intent == "commercial"`) are false for the keyword.
- *10 matching*: as above, but 10 of the rules have a true condition (`object.volume > 100+i`). The
  runs start when a worker dispatches the event, not in the save: see `dispatch_throughput` for that cost.

Three figures per scenario:

- **signal hooks only**: `Keyword(...)` plus `post_save.send(...)` without the INSERT, inside a
  transaction that is rolled back: the engine's own cost on the save path (the `post_init` snapshot,
  the field diff, serialising the object for the event journal, the index lookup, and adding the event to
  its transaction's pending events: one on_commit callback per transaction).
- **save() in a transaction**: real saves inside `transaction.atomic()` blocks that are rolled back:
  the cost paid inside the caller's transaction (the INSERT plus the hooks above).
- **save() + commit + enqueue**: each save in its own transaction that commits; the on_commit callback
  writes the event to the journal (one INSERT per transaction: here one per save, the second query per save)
  and, when a rule listens, posts the event to the dispatcher's inbox in Redis (one script; the post that
  finds no drainer awake also publishes a `rules.dispatch_inbox` task; a worker evaluates the rules and starts
  the runs later), so this is what an API request that creates a keyword pays in total.
  Queries are counted over the same saves (the "runs / save" column stays 0: no run starts here).

The journal (issue 15) added the second query: before it, on 2026-12-01, the committed save cost 834 µs (0 rules)
to 2,238 µs (1,000 rules, 10 matching) on PostgreSQL and 511–1,548 µs on the embedded default, the hooks 19–31
µs, at one query per save. A transaction of many saves (an import, a pipeline batch) still writes its events in
one INSERT (tests/rules/test_journal.py).

Medians of the repetitions; Δ is the difference to the account with 0 rules."""

KEYWORD_VOLUME = 500
OTHER_EVENTS = (
    "keyword.updated",
    "keyword.deleted",
    "keyword.status_changed",
    "cluster.created",
    "idea.created",
    "task.created",
    "content.status_changed",
    "image.created",
    "run.completed",
    "run.failed",
)
HOOK_CALLS = 2000
SAVES_IN_TRANSACTION = 200
COMMIT_BUDGET_SECONDS = 0.5  # per scenario and repetition; sets how many committed saves are timed


@dataclass(frozen=True)
class Scenario:
    label: str
    other_events: int = 0
    none_matching: int = 0
    matching: int = 0

    @property
    def listening(self) -> int:
        return self.none_matching + self.matching


SCENARIOS = (
    Scenario("0 rules"),
    Scenario("100 rules, other events", other_events=100),
    Scenario("1,000 rules, other events", other_events=1000),
    Scenario("100 rules on keyword.created, none matching", none_matching=100),
    Scenario("100 rules on keyword.created, 10 matching", none_matching=90, matching=10),
    Scenario("1,000 rules on keyword.created, none matching", none_matching=1000),
    Scenario("1,000 rules on keyword.created, 10 matching", none_matching=990, matching=10),
)


@dataclass
class Subject:
    """One scenario's account, site and measurements."""

    scenario: Scenario
    account: object
    site: object
    commit_saves: int = 0
    hooks: list[float] = field(default_factory=list)
    in_transaction: list[float] = field(default_factory=list)
    committed: list[float] = field(default_factory=list)
    queries: list[float] = field(default_factory=list)
    runs: list[float] = field(default_factory=list)


_texts = (f"bench keyword {n}" for n in itertools.count())


def run(*, reps: int) -> list[Table]:
    subjects = [_prepare(index, scenario) for index, scenario in enumerate(SCENARIOS)]
    for rep in range(reps):
        progress(f"{NAME}: repetition {rep + 1}/{reps}")
        for subject in subjects:
            _measure(subject)
    env.purge_broker()
    return [_table(subjects, reps)]


def _prepare(index: int, scenario: Scenario) -> Subject:
    account, site = env.account_make(f"save-overhead-{index}")
    specs = [
        env.event_rule(OTHER_EVENTS[i % len(OTHER_EVENTS)], {">": [{"var": "object.volume"}, i]})
        for i in range(scenario.other_events)
    ]
    specs += [
        env.event_rule(
            "keyword.created",
            {"and": [{">": [{"var": "object.volume"}, 100_000 + i]}, {"==": [{"var": "object.intent"}, "commercial"]}]},
        )
        for i in range(scenario.none_matching)
    ]
    specs += [
        env.event_rule("keyword.created", {">": [{"var": "object.volume"}, 100 + i]}) for i in range(scenario.matching)
    ]
    if specs:
        env.rules_make(account_id=account.id, site_id=site.id, specs=specs)
    subject = Subject(scenario, account, site)
    _save_committed(subject)  # warm up: the index rebuild and the condition compiles happen here
    started = time.perf_counter()
    _save_committed(subject)
    one = time.perf_counter() - started
    subject.commit_saves = max(2, min(200, int(COMMIT_BUDGET_SECONDS / one)))
    return subject


def _keyword(subject: Subject):
    from backend.planner.models import Keyword

    return Keyword(
        account=subject.account, site=subject.site, text=next(_texts), volume=KEYWORD_VOLUME, intent="informational"
    )


def _save_committed(subject: Subject) -> None:
    from django.db import transaction

    with transaction.atomic():
        _keyword(subject).save()


def _measure(subject: Subject) -> None:
    from django.db.models.signals import post_save

    from backend.planner.models import Keyword
    from rules.models import AutomationRun

    def hooks() -> None:
        post_save.send(
            Keyword, instance=_keyword(subject), created=True, update_fields=None, raw=False, using="default"
        )

    subject.hooks.append(_rolled_back(hooks, HOOK_CALLS))
    subject.in_transaction.append(_rolled_back(lambda: _keyword(subject).save(), SAVES_IN_TRANSACTION))

    runs_before = AutomationRun.objects.filter(account=subject.account).count()
    with env.counting_queries() as queries:
        started = time.perf_counter()
        for _ in range(subject.commit_saves):
            _save_committed(subject)
        elapsed = time.perf_counter() - started
    runs = AutomationRun.objects.filter(account=subject.account).count() - runs_before
    subject.committed.append(elapsed / subject.commit_saves * 1e6)
    subject.queries.append(queries.count / subject.commit_saves)
    subject.runs.append(runs / subject.commit_saves)


def _rolled_back(call, calls: int, batch: int = 50) -> float:
    """µs per call, `batch` calls per transaction that is rolled back (so no on_commit callback runs)."""
    from django.db import transaction

    elapsed = 0.0
    for _ in range(calls // batch):
        with transaction.atomic():
            started = time.perf_counter()
            for _ in range(batch):
                call()
            elapsed += time.perf_counter() - started
            transaction.set_rollback(True)
    return elapsed / (calls // batch * batch) * 1e6


def _table(subjects: list[Subject], reps: int) -> Table:
    table = Table(
        "Keyword creation, µs per save: median (Δ to 0 rules)",
        [
            "rules of the account",
            "listening",
            "signal hooks only",
            "save() in a transaction",
            "save() + commit + enqueue",
            "queries / save",
            "runs / save",
        ],
    )
    figures = ("hooks", "in_transaction", "committed")
    base = {name: median(getattr(subjects[0], name)) for name in figures}
    for subject in subjects:
        cells = [_cell(getattr(subject, name), base[name]) for name in figures]
        table.add(
            subject.scenario.label,
            subject.scenario.listening,
            *cells,
            fmt(median(subject.queries)),
            fmt(median(subject.runs)),
        )
    spreads = {name: max(relative_spread(getattr(s, name)) for s in subjects) for name in figures}
    commits = sorted(s.commit_saves for s in subjects)
    table.notes += [
        f"{reps} repetitions, all scenarios in turn within each. Per repetition and scenario: {HOOK_CALLS} "
        f"hook calls and {SAVES_IN_TRANSACTION} saves (in rolled-back transactions of 50 each), then "
        f"{commits[0]}–{commits[-1]} committed saves (fewer for the slower scenarios).",
        "Largest spread (max − min) / median over the repetitions: "
        + ", ".join(
            f"{label} {spreads[name]:.0%}"
            for name, label in zip(figures, ("hooks", "in a transaction", "committed"), strict=True)
        )
        + ".",
    ]
    return table


def _cell(values: list[float], base: float) -> str:
    value = median(values)
    return f"{fmt(value)} ({_delta(value - base)})"


def _delta(value: float) -> str:
    return ("+" if value >= 0 else "−") + fmt(abs(value))
