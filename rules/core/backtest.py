"""Backtests: what a rule would have done on the events of a time range, as a pure function of those events.

`backtest(subject, events)` replays journal events (oldest first) through what the dispatcher and the run
lifecycle decide live, in the same order: the rule's site and watched fields, the loop guard on the event's
causation, the conditions (one datalogic `DataHandle` per event, shared by the whole condition and its
top-level clauses, so the clause that was false is known without tracing), then the rule's mode on a simulated
timeline of its runs (each lasting `run_seconds`) and the credits left for the runs it would start. Traces are
made only for the few samples shown.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from rules.core.causation import Causation, check_loop
from rules.core.conditions import CompiledCondition, ConditionSet, compile_conditions, context_error
from rules.core.conditions.nodes import as_args
from rules.core.modes import decide_mode

MAX_SAMPLES = 20
# Decisions, as the API names them (samples) and the `dropped` counts they add to.
WOULD_TRIGGER = "would_trigger"
DROPPED = {
    "filtered": "filtered",
    "dropped_loop": "loop_guard",
    "condition_error": "condition_error",
    "dropped_conditions": "conditions",
    "dropped_mode": "mode",
    "dropped_budget": "budget",
}


@dataclass(frozen=True)
class JournalEvent:
    """One event as the journal holds it (or a schedule's fire time)."""

    id: int | None
    at: datetime
    name: str
    site_id: int | None
    object_type: str
    object_id: int | None
    object: dict[str, Any]
    changes: dict[str, Any]
    causation: dict[str, Any]


@dataclass(frozen=True)
class Subject:
    """The rule under test, as the dispatcher and the lifecycle see it."""

    rule_id: int | None  # None for a draft never saved: no self-trigger can be recognised
    site_id: int | None
    watch_fields: frozenset[str]
    conditions: CompiledCondition | None  # None: the trigger type applies no conditions (schedule, webhook)
    mode: str
    max_runs: int
    allow_self_trigger: bool
    max_depth: int
    run_seconds: float  # how long a run lasts on the simulated timeline
    credits_per_run: Decimal  # what each run would reserve
    credits_available: Decimal | None  # the account's credits for the runs (None: not limited)


@dataclass
class Sample:
    event: JournalEvent
    decision: str
    reason: str
    context: dict[str, Any] | None
    estimated_credits: Decimal | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Backtest:
    events_scanned: int = 0
    would_trigger: int = 0
    estimated_runs: int = 0
    estimated_credits: Decimal = Decimal("0")
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROPPED.values(), 0))
    most_failed_clause: dict[str, Any] | None = None
    samples: list[Sample] = field(default_factory=list)


class _Timeline:
    """The would-be runs of the rule (one concurrency group): when each starts and ends."""

    def __init__(self, seconds: float) -> None:
        self.length = timedelta(seconds=seconds)
        self.runs: list[tuple[datetime, datetime]] = []

    def admit(self, mode: str, max_runs: int, at: datetime) -> tuple[bool, str]:
        self.runs = [(start, end) for start, end in self.runs if end > at]  # finished runs leave the group
        running = [str(i) for i, (start, _end) in enumerate(self.runs) if start <= at]
        queued = len(self.runs) - len(running)
        decision = decide_mode(mode, max_runs=max_runs, running=running, queued=queued)
        if decision.action == "drop":
            return False, decision.reason
        if decision.action == "restart":
            self.runs = [(start, at) for start, _end in self.runs]  # the active runs are cancelled now
        start = max([at, *(end for _start, end in self.runs)]) if decision.action == "queue" else at
        self.runs.append((start, start + self.length))
        return True, decision.reason


def backtest(
    subject: Subject,
    events: Iterable[JournalEvent],
    *,
    context: Callable[[JournalEvent], dict[str, Any]],
    samples: int = MAX_SAMPLES,
) -> Backtest:
    """Decide every event in order as the engine would have; see the module's docstring."""
    result = Backtest()
    clauses = _clauses(subject.conditions)
    checks = ConditionSet([subject.conditions, *(clause for _text, clause in clauses)]) if subject.conditions else None
    failed: Counter[int] = Counter()
    timeline = _Timeline(subject.run_seconds)
    credits_left = subject.credits_available
    shown: dict[str, list[Sample]] = {WOULD_TRIGGER: [], "dropped": []}
    for event in events:
        result.events_scanned += 1
        decision, reason, ctx = _decide(subject, event, context, checks, failed)
        if decision == WOULD_TRIGGER:
            result.would_trigger += 1
            admitted, reason = timeline.admit(subject.mode, subject.max_runs, event.at)
            if not admitted:
                decision = "dropped_mode"
            elif credits_left is not None and subject.credits_per_run > credits_left:
                decision = "dropped_budget"
                needed = subject.credits_per_run
                reason = f"the account's credits would not cover the run ({credits_left} left, ≈ {needed} needed)"
                timeline.runs.pop()
            else:
                if credits_left is not None:
                    credits_left -= subject.credits_per_run
                result.estimated_runs += 1
                result.estimated_credits += subject.credits_per_run
        if decision != WOULD_TRIGGER:
            result.dropped[DROPPED[decision]] += 1
        bucket = shown[WOULD_TRIGGER if decision == WOULD_TRIGGER else "dropped"]
        if len(bucket) < samples:
            estimate = subject.credits_per_run if decision == WOULD_TRIGGER else None
            bucket.append(Sample(event, decision, reason, ctx, estimate))
    chosen = shown[WOULD_TRIGGER] + shown["dropped"][: max(0, samples - len(shown[WOULD_TRIGGER]))]
    for sample in chosen:
        if subject.conditions is not None and sample.context is not None:
            sample.trace = subject.conditions.explain(sample.context).trace
    result.samples = chosen
    if failed:
        index, count = failed.most_common(1)[0]
        result.most_failed_clause = {"clause": clauses[index][0], "count": count}
    return result


def _decide(
    subject: Subject,
    event: JournalEvent,
    context: Callable[[JournalEvent], dict[str, Any]],
    checks: ConditionSet | None,
    failed: Counter[int],
) -> tuple[str, str, dict[str, Any] | None]:
    """One event's decision before the mode: what the dispatcher would have recorded (and its context)."""
    if subject.site_id is not None and event.site_id != subject.site_id:
        return "filtered", f"another site's event (site {event.site_id})", None
    if subject.watch_fields and event.changes and not subject.watch_fields & set(event.changes):
        return "filtered", f"none of the watched fields changed ({', '.join(sorted(event.changes))} did)", None
    cause = event.causation
    if cause and (cause.get("depth", 0) > subject.max_depth or cause.get("rule_path")):
        loop = check_loop(
            Causation.from_dict(cause),
            rule_id=subject.rule_id if subject.rule_id is not None else -1,
            allow_self_trigger=subject.allow_self_trigger,
            max_depth=subject.max_depth,
        )
        if loop.blocked:
            return "dropped_loop", loop.reason, None
    if checks is None or subject.conditions is None:
        return WOULD_TRIGGER, "", None
    ctx = context(event)
    bad = context_error(ctx)
    if bad is not None:
        return "condition_error", str(bad), ctx
    results = checks.evaluate(ctx)
    if results[0].error is not None:
        return "condition_error", str(results[0].error), ctx
    if not results[0].triggered:
        clause = next((i for i, r in enumerate(results[1:]) if not r.triggered), None)
        if clause is not None:
            failed[clause] += 1
        return "dropped_conditions", "conditions were false", ctx
    return WOULD_TRIGGER, "", ctx


def _clauses(conditions: CompiledCondition | None) -> list[tuple[str, CompiledCondition]]:
    """The top-level clauses of the conditions (the arguments of a root `and`, else the whole), compiled."""
    if conditions is None or conditions.logic is None:
        return []
    logic = conditions.logic
    parts = as_args(logic["and"]) if list(logic) == ["and"] else [logic]
    return [
        (describe_clause(part), compile_conditions(part if isinstance(part, dict) else {"!!": [part]}))
        for part in parts
    ]


_INFIX = {"==", "===", "!=", "!==", ">", ">=", "<", "<=", "in", "+", "-", "*", "/", "%"}


def describe_clause(node: Any) -> str:
    """A JSONLogic clause in plain notation: `object.volume > 1000`, `event.name == "keyword.created"`."""
    if not isinstance(node, dict) or len(node) != 1:
        return json.dumps(node)
    op, raw = next(iter(node.items()))
    args = as_args(raw)
    if op == "var":
        return str(args[0]) if args else "(the context)"
    if op in _INFIX and len(args) == 2:
        return f"{describe_clause(args[0])} {op} {describe_clause(args[1])}"
    if op in {"<", "<="} and len(args) == 3:
        return f"{describe_clause(args[0])} {op} {describe_clause(args[1])} {op} {describe_clause(args[2])}"
    if op in {"!", "!!"} and len(args) == 1:
        return f"{'not' if op == '!' else 'truthy'} {describe_clause(args[0])}"
    if op in {"and", "or"}:
        return "(" + f" {op} ".join(describe_clause(arg) for arg in args) + ")"
    return json.dumps(node, separators=(",", ":"))
