"""A backtest of one rule over 100,000 journal events."""

from __future__ import annotations

import time
from datetime import timedelta

from bench.report import Table, fmt, median, progress, spread

NAME = "backtest"
TITLE = "A backtest over 100,000 journal events"
NEEDS_DB = True
EVENTS = 100_000
NOISE = 20_000  # other events of the account in the same range (another name): not read
BATCH = 5_000

ABOUT = f"""\
`POST rules/backtest/`'s work (`rules.backtest.rule_backtest`) for one event rule over **{EVENTS:,} journal
events** of its trigger (`keyword.created`, with {NOISE:,} events of another name in the same range), the rule
queued with `max_runs` 10 and two conditions (`object.volume > 1000 and object.intent == "commercial"`, true for
about one event in six). Three figures per repetition:

- **reading the events**: the journal query (the index on account, name and time) through a plain cursor, one
  `JournalEvent` per row (its object decoded; empty changes and causation are not);
- **deciding**: the pure `rules.core.backtest.backtest` over those events: each event's condition context (only
  the parts the conditions read: here the object) checked against the context's bounds, one datalogic
  `DataHandle` per event evaluating the conditions and their clauses in one native call, the mode on the
  simulated timeline of runs, the credits, and the traces of the 20 samples;
- **the whole backtest**, as the endpoint runs it (the rule's run history, its estimate and the account's credits
  read first), against the issue's bar of 2 s.

Medians of the repetitions; the physical part beside it is the read alone.
"""


def run(*, reps: int) -> list[Table]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.env import account_make
    from rules.backtest import backtest_context, backtest_subject, journal_events, rule_backtest
    from rules.core import backtest as core
    from rules.models import AutomationRule, EventRecord
    from rules.services import rule_draft
    from rules.validation import validate_rule

    account, site = account_make("backtest")
    start = timezone.now() - timedelta(days=7)
    progress(f"backtest: writing {EVENTS + NOISE:,} journal events")
    for offset in range(0, EVENTS + NOISE, BATCH):
        EventRecord.objects.bulk_create(
            [_event(account.id, site.id, start, n) for n in range(offset, min(offset + BATCH, EVENTS + NOISE))]
        )
    fields = validate_rule(
        {
            "trigger": {"type": "event", "event": "keyword.created"},
            "conditions": {
                "and": [{">": [{"var": "object.volume"}, 1000]}, {"==": [{"var": "object.intent"}, "commercial"]}]
            },
            "actions": [{"type": "log", "params": {"message": "big: {object.text}"}}],
        }
    )
    rule = rule_draft(account_id=account.id, name="bench backtest", site=site, mode="queued", max_runs=10, **fields)
    until = timezone.now()
    reads, decides, wholes, queries = [], [], [], []
    answer = None
    for rep in range(max(3, reps)):
        progress(f"backtest: repetition {rep + 1}")
        began = time.perf_counter()
        events = list(journal_events(rule, start, until, EVENTS + 1))
        reads.append(time.perf_counter() - began)
        subject = backtest_subject(rule)
        began = time.perf_counter()
        core.backtest(subject, events, context=backtest_context(rule, subject))
        decides.append(time.perf_counter() - began)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            answer = rule_backtest(rule=rule, since=start, until=until)
            wholes.append(time.perf_counter() - began)
        queries.append(len(captured.captured_queries))
    assert answer is not None and answer.result.events_scanned == EVENTS, answer
    AutomationRule.objects.filter(account_id=account.id).delete()
    table = Table(f"One rule over {EVENTS:,} `keyword.created` events", ["", "seconds", "µs / event", "queries"])
    for label, values in (("reading the events", reads), ("deciding", decides), ("the whole backtest", wholes)):
        table.add(
            label,
            fmt(median(values)),
            fmt(median(values) / EVENTS * 1e6),
            "" if values is not wholes else fmt(median(queries)),
        )
        table.notes.append(f"{label}: {', '.join(fmt(v) for v in values)} s (spread {spread(values)}).")
    result = answer.result
    table.notes.append(
        f"The answer: would_trigger {result.would_trigger:,}, estimated_runs {result.estimated_runs:,} (the queued "
        f"mode's max_runs at 60 s per run), dropped {result.dropped}, most failed clause "
        f"{result.most_failed_clause}."
    )
    return [table]


def _event(account_id: int, site_id: int, start, n: int):
    from rules.models import EventRecord

    name = "keyword.created" if n < EVENTS else "keyword.updated"
    intent = "commercial" if n % 3 == 0 else "informational"
    obj = {"id": n + 1, "site": site_id, "text": f"keyword {n}", "volume": (n * 37) % 2000, "intent": intent,
           "difficulty": n % 100, "status": "new", "cluster": None, "disabled": False}  # fmt: skip
    at = start + timedelta(seconds=n * 5)
    return EventRecord(
        account_id=account_id, site_id=site_id, name=name, object_type="keyword", object_id=n + 1, object=obj, at=at
    )
