"""Condition evaluations per second: datalogic-py (compiled) against pure-Python json-logic-qubit."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from bench.report import Table, fmt, median, progress, relative_spread

NAME = "conditions"
TITLE = "Condition evaluations per second"
NEEDS_DB = False

CONTEXTS = 100
REP_SECONDS = 0.3  # per engine and repetition

# Realistic keyword rules, as the API stores them (list forms go through normalize_conditions).
RULES: tuple[Any, ...] = (
    {">": [{"var": "object.volume"}, 1000]},
    [{"field": "object.status", "operator": "equals", "value": "new"}],
    {"and": [{">=": [{"var": "object.volume"}, 500]}, {"<=": [{"var": "object.difficulty"}, 40]}]},
    [{"field": "object.intent", "operator": "in", "value": ["commercial", "transactional"]}],
    [{"field": "object.text", "operator": "contains", "value": "best"}],
    {"!": {"var": "object.disabled"}},
    {"or": [{"==": [{"var": "object.intent"}, "navigational"]}, {">": [{"var": "object.volume"}, 5000]}]},
    {"and": [{"==": [{"var": "event.name"}, "keyword.created"]}, {"!=": [{"var": "object.status"}, "mapped"]}]},
    {"<": [100, {"var": "object.volume"}, 10000]},
    {"==": [{"var": "site.timezone"}, "UTC"]},
    {
        "if": [
            {">": [{"var": "object.volume"}, 1000]},
            {"<": [{"var": "object.difficulty"}, 60]},
            {"<": [{"var": "object.difficulty"}, 20]},
        ]
    },
    [
        {"field": "object.status", "operator": "equals", "value": "new"},
        {"field": "object.volume", "operator": "greater_than", "value": 200},
        {"field": "object.difficulty", "operator": "less_than", "value": 70},
    ],
    {"!=": [{"var": "object.cluster"}, None]},
    {
        "and": [
            {">": [{"var": "object.volume"}, 100]},
            {"<": [{"var": "object.volume"}, 100000]},
            {"in": [{"var": "object.intent"}, ["informational", "commercial"]]},
            {"==": [{"var": "object.disabled"}, False]},
        ]
    },
    [
        {"field": "object.intent", "operator": "not_in", "value": ["navigational"]},
        {"field": "object.text", "operator": "not_equals", "value": ""},
    ],
    {"or": [{"in": ["how to", {"var": "object.text"}]}, {"in": [" vs ", {"var": "object.text"}]}]},
    {">=": [{"+": [{"var": "object.volume"}, {"*": [{"var": "object.difficulty"}, 10]}]}, 2000]},
    {"==": [{"var": "object.site"}, {"var": "site.id"}]},
    {
        "and": [
            {"==": [{"var": "event.name"}, "keyword.updated"]},
            {">": [{"var": "event.changes.volume.new"}, {"var": "event.changes.volume.old"}]},
        ]
    },
    {"!!": [{"var": "object.text"}]},
)

ABOUT = f"""\
{len(RULES)} realistic keyword rules (thresholds, equality, `in` lists and substrings, `and`/`or`/`if`,
arithmetic, a comparison between two context values; five written in the seed's list form and
stored as JSONLogic) evaluated against {CONTEXTS} event contexts shaped like the dispatcher's (`event`,
`object`, `site`, `account`, `now`, `payload`), every rule against every context, in one thread pinned
to one core. Every engine must give the same true/false as IGNY8's on all
{len(RULES) * CONTEXTS:,} pairs (checked before timing).

- **IGNY8 `ConditionSet.evaluate`**: what the dispatcher does per event: the context's bounds checked
  (`event_context_error`: the parts that come from outside, the event with its changes, the object and the
  payload, walked once; the site, account and time the engine builds are bounded by construction), the context
  parsed once into a datalogic `DataHandle`, and every rule of the set (the
  rules listening, compiled once per rule version, and together into one array rule) evaluated against it in
  one native call; a `var` that is
  missing is caught by the rule itself (compiled with a throwing default) only where it is read.
- **IGNY8 `CompiledCondition.evaluate`**: one rule against one context (a rule's test endpoint, the
  rules of a schedule), the same compiled rule and the same results.
- **datalogic-py `Rule.evaluate`**: the compiled rule alone.
- **datalogic-py `Rule.evaluate_data`**: the context parsed once into a `DataHandle` and shared by all
  rules (the handle's construction is timed too): what one event against many rules could use.
- **datalogic-py `Engine.eval`**: compile and evaluate on every call (no cache).
- **json-logic-qubit `jsonLogic`**: the pure-Python library, rule interpreted on every call.

The second table takes the dispatcher's evaluation of one event apart, each part timed alone: the bounds
check of the context (once per event, however many rules listen), the parse into a `DataHandle`, the native
evaluation of every rule (the array rule), and the whole of `ConditionSet.evaluate`. The third is the one-off cost of
preparing a rule: IGNY8's `compile_conditions` (validate + compile + copy) and datalogic's bare compile."""


def run(*, reps: int) -> list[Table]:
    from rules.core.conditions import compile_conditions, normalize_conditions

    rules = [normalize_conditions(rule) for rule in RULES]
    contexts = _contexts(CONTEXTS)
    engines = _engines(rules, compile_conditions)
    reference = engines[0][1](contexts)
    for label, evaluate in engines[1:]:
        results = evaluate(contexts)
        mismatches = sum(a != b for a, b in zip(reference, results, strict=True))
        if mismatches:
            raise AssertionError(f"{label} disagrees with IGNY8 on {mismatches} of {len(results)} evaluations")
    with _one_core():
        rates = _time_engines(engines, contexts, reps)
        parts_table = _parts_table(rules, compile_conditions, contexts, reps)
        compile_table = _compile_table(rules, compile_conditions, reps)
    return [_rates_table(engines, rates, reps, sum(reference)), parts_table, compile_table]


def _contexts(count: int) -> list[dict[str, Any]]:
    rng = random.Random(8)
    words = ["best", "cheap", "how to", "seo", "coffee", "vs", "review", "grinder", "buy", "near me", "guide"]
    contexts = []
    for i in range(count):
        text = " ".join(rng.sample(words, rng.randint(1, 4)))
        volume = int(10 ** rng.uniform(1, 4.8))
        obj = {
            "id": 1000 + i,
            "site": rng.choice([7, 7, 7, 8]),
            "text": text,
            "volume": volume,
            "difficulty": rng.randint(0, 100),
            "status": rng.choice(["new", "new", "mapped"]),
            "intent": rng.choice(["informational", "navigational", "commercial", "transactional"]),
            "cluster": rng.choice([None, 3, 4]),
            "disabled": rng.random() < 0.1,
        }
        updated = rng.random() < 0.5
        changes = {"volume": {"old": volume // 2, "new": volume}} if updated else {}
        contexts.append(
            {
                "event": {"name": "keyword.updated" if updated else "keyword.created", "changes": changes},
                "object": obj,
                "site": {"id": 7, "name": "Coffee Co", "domain": "coffee.example.com", "timezone": "UTC"},
                "account": {"id": 3},
                "now": f"2026-11-{1 + i % 28:02d}T10:00:00+00:00",
                "payload": {},
            }
        )
    return contexts


Evaluate = Callable[[list[dict[str, Any]]], list[bool]]


def _engines(rules: list[Any], compile_conditions) -> list[tuple[str, Evaluate]]:
    import datalogic_py

    from rules.core.conditions import ConditionSet, event_context_error

    engine = datalogic_py.Engine()
    ours = [compile_conditions(rule) for rule in rules]
    together = ConditionSet(ours)
    compiled = [engine.compile(rule) for rule in rules]

    def dispatcher(contexts: list[dict[str, Any]]) -> list[bool]:
        results = []
        for ctx in contexts:
            if event_context_error(ctx) is not None:
                raise AssertionError("a bench context beyond the bounds")
            results += [result.triggered for result in together.evaluate(ctx)]
        return results

    engines: list[tuple[str, Evaluate]] = [
        (
            "IGNY8 ConditionSet.evaluate (the dispatcher: one event, every rule)",
            dispatcher,
        ),
        (
            "IGNY8 CompiledCondition.evaluate (one rule)",
            lambda contexts: [c.evaluate(ctx).triggered for ctx in contexts for c in ours],
        ),
        (
            "datalogic-py Rule.evaluate (compiled)",
            lambda contexts: [bool(r.evaluate(ctx)) for ctx in contexts for r in compiled],
        ),
        (
            "datalogic-py Rule.evaluate_data (DataHandle per context)",
            lambda contexts: [
                bool(r.evaluate_data(handle))
                for ctx in contexts
                for handle in (datalogic_py.DataHandle(ctx),)
                for r in compiled
            ],
        ),
        (
            "datalogic-py Engine.eval (compile every call)",
            lambda contexts: [bool(engine.eval(rule, ctx)) for ctx in contexts for rule in rules],
        ),
    ]
    try:
        from json_logic import jsonLogic
    except ImportError:
        progress(f"{NAME}: json-logic-qubit is not installed (pip install -r requirements-dev.txt); skipped")
    else:
        engines.append(
            (
                "json-logic-qubit jsonLogic (pure Python)",
                lambda contexts: [bool(jsonLogic(rule, ctx)) for ctx in contexts for rule in rules],
            )
        )
    return engines


def _time_engines(engines: list[tuple[str, Evaluate]], contexts: list[dict[str, Any]], reps: int) -> list[list[float]]:
    passes = []
    for _label, evaluate in engines:
        started = time.perf_counter()
        evaluate(contexts)
        passes.append(max(1, int(REP_SECONDS / (time.perf_counter() - started))))
    rates: list[list[float]] = [[] for _ in engines]
    evaluations = len(contexts) * len(RULES)
    for rep in range(reps):
        progress(f"{NAME}: repetition {rep + 1}/{reps}")
        for index, (_label, evaluate) in enumerate(engines):
            started = time.perf_counter()
            for _ in range(passes[index]):
                evaluate(contexts)
            rates[index].append(passes[index] * evaluations / (time.perf_counter() - started))
    return rates


def _rates_table(engines: list[tuple[str, Evaluate]], rates: list[list[float]], reps: int, true_count: int) -> Table:
    table = Table(
        "Evaluations per second, one core", ["engine", "evaluations / s", "µs / evaluation", "vs json-logic-qubit"]
    )
    qubit = median(rates[-1]) if engines[-1][0].startswith("json-logic-qubit") else None
    for (label, _evaluate), values in zip(engines, rates, strict=True):
        rate = median(values)
        table.add(label, fmt(rate), fmt(1e6 / rate), f"{rate / qubit:.1f}×" if qubit else "n/a")
    table.notes += [
        f"{reps} repetitions of about {REP_SECONDS} s per engine; largest spread (max − min) / median "
        f"{max(relative_spread(values) for values in rates):.0%}.",
        f"{len(RULES)} rules × {CONTEXTS} contexts = {len(RULES) * CONTEXTS:,} evaluations per pass, "
        f"{true_count:,} of them true; all engines agree on every one.",
    ]
    if qubit is None:
        table.notes.append("json-logic-qubit is not installed: install requirements-dev.txt for the comparison.")
    return table


def _parts_table(rules: list[Any], compile_conditions, contexts: list[dict[str, Any]], reps: int) -> Table:
    """The dispatcher's evaluation of one event, part by part (each timed alone, over every context)."""
    import datalogic_py

    from rules.core.conditions import ConditionSet, event_context_error
    from rules.core.conditions.evaluate import _session

    together = ConditionSet([compile_conditions(rule) for rule in rules])
    natives = together._together
    session = _session()
    handles = [datalogic_py.DataHandle(ctx) for ctx in contexts]
    parts: list[tuple[str, Callable[[], object]]] = [
        (
            "the context's bounds checked (`event_context_error`)",
            lambda: [event_context_error(ctx) for ctx in contexts],
        ),
        ("the context parsed (`DataHandle`)", lambda: [datalogic_py.DataHandle(ctx) for ctx in contexts]),
        (
            f"the {len(rules)} rules evaluated natively, compiled together into one array rule (`evaluate_data`)",
            lambda: [session.evaluate_data(natives, handle) for handle in handles],
        ),
        ("all of `ConditionSet.evaluate` (parse, evaluate, results)", lambda: [together.evaluate(c) for c in contexts]),
    ]
    table = Table(
        f"The dispatcher's evaluation of one event ({len(rules)} rules), part by part",
        ["part", "µs / event", "µs / evaluation"],
    )
    for label, work in parts:
        samples = []
        for _ in range(max(3, reps)):
            started = time.perf_counter()
            for _ in range(20):
                work()
            samples.append((time.perf_counter() - started) / (20 * len(contexts)))
        table.add(label, fmt(median(samples) * 1e6), fmt(median(samples) * 1e6 / len(rules)))
    table.notes.append(
        "The bounds check walks the context once per event, whatever the number of rules listening: here it is "
        f"spread over {len(rules)} rules; the dispatch benchmark's events have 100 rules listening."
    )
    return table


def _compile_table(rules: list[Any], compile_conditions, reps: int) -> Table:
    import datalogic_py

    engine = datalogic_py.Engine()
    candidates = [
        ("IGNY8 compile_conditions (validate + compile)", compile_conditions),
        ("datalogic-py Engine.compile", engine.compile),
    ]
    table = Table("Preparing a rule (once per rule version, or on a compile-cache miss)", ["step", "µs / rule"])
    for label, compile_rule in candidates:
        samples = []
        for _ in range(reps):
            started = time.perf_counter()
            for _ in range(50):
                for rule in rules:
                    compile_rule(rule)
            samples.append((time.perf_counter() - started) / (50 * len(rules)) * 1e6)
        table.add(label, fmt(median(samples)))
    return table


@contextmanager
def _one_core():
    """Pin the process to one CPU while timing (restored afterwards)."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
