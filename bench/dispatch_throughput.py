"""Dispatch throughput: events to runs enqueued, with 10,000 active event rules."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from bench import env
from bench.profile import DATABASE_WAIT, Part, profile_table
from bench.report import Table, fmt, median, progress, relative_spread

NAME = "dispatch_throughput"
TITLE = "Dispatch throughput with 10,000 rules"
NEEDS_DB = True

ACCOUNTS = 100
RULES_PER_ACCOUNT = 100
MATCHING_PER_ACCOUNT = 10
MATCHING_VOLUME = 1000  # rule j wants volume >= 100·(j+1): 10 of 100 match
NONE_VOLUME = 50  # no rule matches
BUDGET_SECONDS = 4.0  # per scenario and repetition; sets how many events are timed
MAX_EVENTS = 20_000  # per scenario and repetition
MAX_MATCHING_EVENTS = 4_000  # ... when 10 rules match: 40 runs per account per repetition, far from its limit
BATCH = 200  # events per dispatch batch task (rules.queueing.DISPATCH_CHUNK)
# ... when 10 rules match: 400 runs per batch, within the account's 500 active runs (a batch of 200 would have
# 1,500 of its 2,000 runs dropped for that limit)
MATCHING_BATCH = 40
PROFILED_EVENTS = 100  # per profiled scenario

ABOUT = f"""\
{ACCOUNTS:,} accounts with {RULES_PER_ACCOUNT} active rules each ({ACCOUNTS * RULES_PER_ACCOUNT:,} rules), all on
`keyword.created` for the account's site, each with one `log` action and mode `parallel`. Rule *j* of an
account has the condition `object.volume >= 100·(j+1) and object.status != "mapped"`. Keywords of volume
{MATCHING_VOLUME} make **{MATCHING_PER_ACCOUNT} of the {RULES_PER_ACCOUNT} rules listening to each event match
({MATCHING_PER_ACCOUNT / RULES_PER_ACCOUNT:.0%})**; keywords of volume {NONE_VOLUME} match **none**. A rule
that starts a run leaves a trigger record (`started`); a rule whose conditions were false leaves none (the event is
in the journal, and "Why didn't it fire?" works the drop out from it: `rules/condition_drops.py`), so an event
writes {MATCHING_PER_ACCOUNT} records or none. The accounts take turns (as on a server shared by many tenants).

The ways in:

- **save + dispatch**: an event is a `Keyword` created in its own committed transaction; after its commit the
  save posts the event to the dispatcher's inbox in Redis (`rules/inbox.py`), waking a drainer if none is
  awake. The bench's process saves the events, then drains the inbox itself (the `rules.dispatch_inbox` task
  body), as one worker would: save + dispatch in one process, timed together.
- **dispatch only, drained from the inbox**: events built beforehand exactly as the save hook builds them
  (keywords inserted in bulk first) and posted to the inbox one by one, each on its own as a save posts it
  (untimed); then the drainer's task body, timed until the inbox is empty: what one worker process dispatches
  when single events arrive faster than it dispatches them one by one. It takes `TAKE`
  (= `EVENTS_PER_TRANSACTION`, rules/dispatch.py) events at a time into one dispatch transaction; the accounts
  take turns, so a take holds the events of as many accounts as events.
- **one event at a time**: an event posted, then drained, before the next is posted: a lone event's whole path
  in the worker (its post, the drainer woken, its take, its dispatch and the take that finds the inbox empty),
  as when events arrive slower than they are dispatched. Each event is then a batch of one.
- **dispatch in batches**: the `rules.dispatch_batch` task body, {BATCH} events of one account per task, as a
  bulk change (an import) sends them: the events are decided and written `EVENTS_PER_TRANSACTION`
  at a time, one transaction each. With 10% matching, {MATCHING_BATCH} events per task: their
  {MATCHING_BATCH * MATCHING_PER_ACCOUNT} runs stay within the account's 500 active runs
  (`AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT`), where a batch of {BATCH} would have most of its runs dropped for it.

A run is *enqueued* when its `AutomationRun` and `RunStep` rows are written and its first step task is
published to Redis (no worker consumes them; the bench's queues are purged afterwards). Between repetitions
the runs are marked completed (as a worker would finish a `log` run), so the accounts' active runs stay
within their limits. Every account dispatches one event before timing (its rules are then in the process's
index, their conditions compiled). Throughput is single-process; medians of the repetitions. "Condition
compiles / event" counts misses of the compiled-conditions cache (`compiled_for`).

The bench's process runs the task bodies with the garbage collector set as a worker process sets it
(`backend.celery.tune_gc`: Python collects its youngest generation every 50,000 allocations, not 700).

Beside the figures: **the physical parts**, measured in the same run (publishing a step task to Redis with
`apply_async`, alone and through one producer's publish batch, then as the dispatcher publishes them —
Celery's own message maker and sender, without `apply_async`'s routing, option merging and queue declaration
per message —, posting an event to the inbox as a save does, and a database round trip), and
**where the time goes**: {PROFILED_EVENTS} more events with 10% matching, drained from the inbox and one at a time,
under cProfile, summed by part of the dispatch (the conditions, the decision, the runs made in memory, the
writes, the trigger records, the publishing, the waits on the database), and the statements of an event with
the time spent in each.

Reading the 10%-matching figures: every event starts 10 runs, so the dispatcher writes 10 runs, 10 steps, 10 log
lines and 10 trigger records (one statement of each, plus the rules' lock, the count of their active runs and the
counters) and publishes 10 step tasks. The statement table shows what the database part costs per event, the
physical table what publishing 10 tasks costs; the rest is Python making those rows and messages (Django model
instances and their fields' values, Celery's messages), which batching events does not amortise: it shares the
statements among the events of a batch, not the work per run. The runs, steps and log lines are written with
`backend.core.inserts.insert_many` (each value prepared by its field, the statement rendered once per batch):
`bulk_create`'s SQL compiler cost more per row than the database's insert.

Against the engine's target of 200 events/s per process with 10% matching: the events a save posts are
drained from the inbox together when they arrive faster than one process dispatches them one by one, so a
process reaches it with single events (the "drained from the inbox" rows). It stays below the one-account
batches: a take holds the events of 50 accounts, whose 500 distinct rules each cost the rules' lock, their
counters' update and, on SQLite, pages of the run indexes keyed by rule, where a batch of one account has 10
rules. A lone event
(one at a time) pays alone for what a take shares: the rules' lock, the count of their active runs, the inserts
of runs, steps, log lines and trigger records, the counters, the commit and one publish batch (seven statements
and a commit: the statement table), besides the Python work per run that no batching shares (the profile:
deciding and writing); that path is about latency (the event is dispatched at once), not throughput.
"""

_texts = (f"dispatch keyword {n}" for n in itertools.count())


@dataclass(frozen=True)
class Scenario:
    label: str
    volume: int
    way: str  # "saved" (save + dispatch), "inbox" (posted, then drained), "alone" (one at a time), "batches"
    batch: int = 1  # events per dispatch task (and of one account in a row)

    @property
    def matching(self) -> int:
        return MATCHING_PER_ACCOUNT if self.volume == MATCHING_VOLUME else 0


SCENARIOS = (
    Scenario("10% matching, save + dispatch", MATCHING_VOLUME, "saved"),
    Scenario("10% matching, dispatch only, drained from the inbox", MATCHING_VOLUME, "inbox"),
    Scenario("10% matching, one event at a time", MATCHING_VOLUME, "alone"),
    Scenario("none matching, save + dispatch", NONE_VOLUME, "saved"),
    Scenario("none matching, dispatch only, drained from the inbox", NONE_VOLUME, "inbox"),
    Scenario(f"none matching, dispatch in batches of {BATCH}", NONE_VOLUME, "batches", BATCH),
    Scenario(f"10% matching, dispatch in batches of {MATCHING_BATCH}", MATCHING_VOLUME, "batches", MATCHING_BATCH),
)


@dataclass
class Figures:
    scenario: Scenario
    per_rep: int = 0
    events_per_s: list[float] = field(default_factory=list)
    runs_per_s: list[float] = field(default_factory=list)
    tasks_per_s: list[float] = field(default_factory=list)
    queries: list[float] = field(default_factory=list)
    compiles: list[float] = field(default_factory=list)
    records: list[float] = field(default_factory=list)
    query_kinds: Counter[str] = field(default_factory=Counter)
    query_seconds: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    tasks: int = 0
    events: int = 0


def run(*, reps: int) -> list[Table]:
    import gc

    from backend.celery import tune_gc

    threshold = gc.get_threshold()
    tune_gc()  # the garbage collector as in a worker process, whose task bodies these are
    try:
        return _run_all(reps)
    finally:
        gc.set_threshold(*threshold)


def _run_all(reps: int) -> list[Table]:
    from rules import inbox

    inbox.clear()
    sites = _prepare()
    turns = itertools.cycle(sites)
    for site in sites:  # warm up: every account's index entry, compiles, the broker connection
        _save(site, MATCHING_VOLUME)
    _drain()
    figures = [Figures(scenario) for scenario in SCENARIOS]
    for subject in figures:
        subject.per_rep = _calibrate(subject.scenario, turns)
    for rep in range(reps):
        for subject in figures:
            progress(f"{NAME}: repetition {rep + 1}/{reps}, {subject.scenario.label} ({subject.per_rep} events)")
            _measure(subject, turns)
            env.runs_complete()
    in_redis = env.queued_messages()
    profiles = [_profile(SCENARIOS[1], turns), _profile(SCENARIOS[2], turns)]
    physical = _physical_table(reps, sites[0])
    env.purge_broker()
    return [_table(figures, in_redis), physical, *profiles, *(_queries_table(figures[i]) for i in (0, 1, 2, 6))]


PROFILE_PARTS = [
    Part(
        "conditions: the context's bounds checked, every rule evaluated",
        (
            ("rules/core/conditions/context.py", "event_context_error"),
            ("rules/core/conditions/evaluate.py", "evaluate"),
        ),
    ),
    Part(
        "deciding: the rules locked, their active runs counted, fan-out slots taken",
        (("rules/lifecycle.py", "_locked_rules"), ("rules/lifecycle.py", "__init__")),
    ),
    Part(
        "the new runs and steps made in memory (estimates, snapshots, run ids)",
        (("rules/lifecycle.py", "_new_run"), ("rules/lifecycle.py", "_start_fields"), ("rules/lifecycle.py", "_step")),
    ),
    Part("writing: runs, steps, rule counters, log lines, trigger records", (("rules/lifecycle.py", "_write"),)),
    Part("… of which the trigger records (one statement)", (("rules/lifecycle.py", "_insert_records"),)),
    Part("publishing the first steps to Redis (after the commit)", (("rules/queueing.py", "_publish_steps"),)),
    DATABASE_WAIT,
]


def _profile(scenario: Scenario, turns) -> Table:
    """Where the time of a scenario goes, profiled."""
    events = _prepared(scenario, turns, PROFILED_EVENTS)
    table = profile_table(
        f"Where the time goes: {scenario.label} ({scenario.matching} runs started per event)",
        lambda: _run(scenario, turns, PROFILED_EVENTS, events),
        PROFILE_PARTS,
        units=PROFILED_EVENTS,
        unit="event",
    )
    env.runs_complete()
    return table


def _physical_table(reps: int, site) -> Table:
    """The physical parts of an event that starts 10 runs, measured beside: publishing a step task, posting an
    event, a database round trip."""
    from celery import current_app
    from django.db import connection

    from backend.core.redis import get_redis
    from rules import inbox
    from rules.queueing import AWAKE, _publish_steps, publish_events

    task = current_app.tasks["rules.execute_step"]
    count = 2000
    publish: list[float] = []
    dispatcher: list[float] = []
    alone: list[float] = []
    posted: list[float] = []
    trip: list[float] = []
    [event] = _events(itertools.repeat(site), 1, MATCHING_VOLUME)
    for _ in range(reps):
        started = time.perf_counter()
        for _ in range(count):
            task.apply_async((0,), queue="bench-void")
        alone.append((time.perf_counter() - started) / count)
        started = time.perf_counter()
        with current_app.producer_or_acquire() as producer, producer.batch():
            for _ in range(count):
                task.apply_async((0,), queue="bench-void", producer=producer)
        publish.append((time.perf_counter() - started) / count)
        started = time.perf_counter()
        _publish_steps([(0, "bench-void", None)] * count)
        dispatcher.append((time.perf_counter() - started) / count)
        get_redis().set(AWAKE, "1")  # a drainer is awake: the posts wake nobody
        started = time.perf_counter()
        for _ in range(count):
            publish_events([(event, None)])
        posted.append((time.perf_counter() - started) / count)
        inbox.clear()
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for _ in range(count):
                cursor.execute("SELECT 1")
                cursor.fetchone()
            trip.append((time.perf_counter() - started) / count)
    table = Table("The physical parts, measured beside", ["part", "µs each", "per event with 10 runs started, ms"])
    table.add("publishing a step task to Redis (`apply_async`)", fmt(median(alone) * 1e6), fmt(median(alone) * 1e4))
    table.add(
        "… `apply_async` through one producer's publish batch (one Redis round trip)",
        fmt(median(publish) * 1e6),
        fmt(median(publish) * 1e4),
    )
    table.add(
        "… as the dispatcher publishes them (Celery's message maker and sender, one publish batch)",
        fmt(median(dispatcher) * 1e6),
        fmt(median(dispatcher) * 1e4),
    )
    table.add(
        "posting an event to the inbox, as a save does after its commit (one Redis script; a drainer awake)",
        fmt(median(posted) * 1e6),
        "",
    )
    table.add("a database round trip (`SELECT 1`)", fmt(median(trip) * 1e6), "")
    table.notes.append(
        f"Medians of {reps} passes of {count:,} each. At 200 events/s with 10 runs each a process publishes "
        "2,000 step tasks a second: 2,000 × the time above of every second goes to publishing alone, before "
        "any run, step or trigger record is written."
    )
    return table


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


def _save(site, volume: int) -> None:
    from django.db import transaction

    from backend.planner.models import Keyword

    with transaction.atomic():
        Keyword.objects.create(account_id=site.account_id, site=site, text=next(_texts), volume=volume)


def _events(turns, count: int, volume: int, *, per_site: int = 1) -> list[dict]:
    """`count` keyword.created events as the save hook makes them, for keywords inserted in bulk (no hook);
    `per_site` consecutive events of each site in turn."""
    from backend.planner.models import Keyword
    from rules.event_sources import event_object

    sites = [site for site in itertools.islice(turns, -(-count // per_site)) for _ in range(per_site)][:count]
    keywords = [Keyword(account_id=site.account_id, site=site, text=next(_texts), volume=volume) for site in sites]
    Keyword.objects.bulk_create(keywords, batch_size=1000)
    return [
        {
            "name": "keyword.created",
            "account_id": keyword.account_id,
            "site_id": keyword.site_id,
            "object_type": "keyword",
            "object": event_object(keyword),
            "changes": {},
        }
        for keyword in keywords
    ]


def _calibrate(scenario: Scenario, turns) -> int:
    trial = scenario.batch if scenario.way == "batches" else 50
    events = _prepared(scenario, turns, trial)
    started = time.perf_counter()
    _run(scenario, turns, trial, events)
    per_event = (time.perf_counter() - started) / trial
    env.runs_complete()
    most = MAX_MATCHING_EVENTS if scenario.matching else MAX_EVENTS
    count = max(20, min(most, int(BUDGET_SECONDS / per_event)))
    return max(scenario.batch, count // scenario.batch * scenario.batch) if scenario.way == "batches" else count


def _prepared(scenario: Scenario, turns, count: int) -> list[dict] | None:
    """The events of a scenario that does not save them; those drained from the inbox are posted, one by one."""
    from rules.queueing import publish_events

    if scenario.way == "saved":
        return None
    events = _events(turns, count, scenario.volume, per_site=scenario.batch)
    if scenario.way == "inbox":
        for event in events:
            publish_events([(event, None)])
    return events


def _drain() -> None:
    """The drainer's task body until the inbox is empty (a drainer stops after DRAIN_SECONDS; the next goes on)."""
    from rules import tasks

    while tasks.dispatch_inbox.run():
        pass


def _run(scenario: Scenario, turns, count: int, events: list[dict] | None) -> None:
    from rules import tasks
    from rules.queueing import publish_events

    if events is None:
        for _ in range(count):
            _save(next(turns), scenario.volume)
        _drain()
    elif scenario.way == "inbox":
        _drain()
    elif scenario.way == "alone":
        for event in events:
            publish_events([(event, None)])
            tasks.dispatch_inbox.run()
    else:
        for start in range(0, len(events), scenario.batch):
            tasks.dispatch_batch.run([(event, None) for event in events[start : start + scenario.batch]])


def _measure(figures: Figures, turns) -> None:
    from rules.models import AutomationRun, TriggerRecord

    scenario, count = figures.scenario, figures.per_rep
    events = _prepared(scenario, turns, count)
    runs_before, tasks_before = AutomationRun.objects.count(), env.published_tasks()
    records_before = TriggerRecord.objects.count()
    with env.counting_queries() as queries, env.counting_compiles() as compiles:
        started = time.perf_counter()
        _run(scenario, turns, count, events)
        elapsed = time.perf_counter() - started
    runs = AutomationRun.objects.count() - runs_before
    tasks = env.published_tasks() - tasks_before
    figures.events_per_s.append(count / elapsed)
    figures.runs_per_s.append(runs / elapsed)
    figures.tasks_per_s.append(tasks / elapsed)
    figures.queries.append(queries.count / count)
    figures.compiles.append(compiles[0] / count)
    figures.records.append((TriggerRecord.objects.count() - records_before) / count)
    figures.query_kinds.update(queries.kinds)
    figures.query_seconds.update(queries.seconds)
    figures.runs, figures.tasks, figures.events = figures.runs + runs, figures.tasks + tasks, figures.events + count


def _table(figures: list[Figures], in_redis: int) -> Table:
    table = Table(
        f"{ACCOUNTS * RULES_PER_ACCOUNT:,} rules, {RULES_PER_ACCOUNT} listening per event",
        [
            "scenario",
            "events / s",
            "rules evaluated / s",
            "runs enqueued / s",
            "step tasks published / s",
            "queries / event",
            "trigger records / event",
            "condition compiles / event",
        ],
    )
    for subject in figures:
        events_per_s = median(subject.events_per_s)
        table.add(
            subject.scenario.label,
            fmt(events_per_s),
            fmt(events_per_s * RULES_PER_ACCOUNT),
            fmt(median(subject.runs_per_s)),
            fmt(median(subject.tasks_per_s)),
            fmt(median(subject.queries)),
            fmt(median(subject.records)),
            fmt(median(subject.compiles)),
        )
    table.notes.append(
        "Repetitions: "
        + "; ".join(
            f"{s.scenario.label}: {len(s.events_per_s)} of {s.per_rep} events, events/s "
            f"{fmt(min(s.events_per_s))}–{fmt(max(s.events_per_s))} (spread {relative_spread(s.events_per_s):.0%})"
            for s in figures
        )
        + "."
    )
    checks = []
    for subject in figures:
        expected = subject.events * subject.scenario.matching
        checks.append(
            f"{subject.scenario.label}: {subject.events:,} events gave {subject.runs:,} runs ({expected:,} expected)"
        )
    table.notes.append(
        "Check: "
        + "; ".join(checks)
        + f"; {sum(s.tasks for s in figures):,} step tasks published, {in_redis:,} messages waiting in Redis "
        "before the purge (including the warm-up's)."
    )
    return table


def _queries_table(figures: Figures) -> Table:
    table = Table(
        f"Queries per event, by kind: {figures.scenario.label}", ["statement", "per event", "ms / event in it"]
    )
    for kind, count in figures.query_kinds.most_common():
        if count / figures.events >= 0.01:
            table.add(f"`{kind}`", fmt(count / figures.events), fmt(figures.query_seconds[kind] / figures.events * 1e3))
    rare = [kind for kind, count in figures.query_kinds.items() if count / figures.events < 0.01]
    if rare:
        table.add(
            "others",
            fmt(sum(figures.query_kinds[kind] for kind in rare) / figures.events),
            fmt(sum(figures.query_seconds[kind] for kind in rare) / figures.events * 1e3),
        )
    table.notes.append(
        f"All repetitions, {RULES_PER_ACCOUNT} rules listening and {figures.scenario.matching} matching per event; "
        "BEGIN and COMMIT are not counted (savepoints are). The time in a statement is the driver's execute: its "
        "parameters adapted, the round trip and the server's work; the commit, where PostgreSQL checks the "
        "foreign keys of the rows written (Django makes them deferred), is not in it."
    )
    return table
