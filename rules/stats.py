"""Lifetime counters of finished runs and steps, for /metrics (backend/core/counters.py).

They are counted where runs and steps finish (`run_finished`, `step_finished`), into three Redis hashes,
once the transaction that finished them commits: a scrape reads the hashes instead of aggregating the
whole run history, so its cost does not grow with the history, and pruning old runs (rules/retention.py)
does not make a counter go down. Counting costs no database query, only one Redis round trip per finished
step or run, after the commit; a Redis outage loses counts (logged), never fails a step.

A run finishes once per attempt: a failed run retried and finished again counts again (as do its steps).
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.core import counters
from backend.core.counters import PREFIX, SEPARATOR

RUNS_KEY = f"{PREFIX}runs"  # status -> finished runs
STEPS_KEY = f"{PREFIX}steps"  # "action|status" -> finished steps
DURATIONS_KEY = f"{PREFIX}durations"  # "action|<bucket>" -> steps of that duration; "action|sum" -> seconds
KEYS = (RUNS_KEY, STEPS_KEY, DURATIONS_KEY)
DURATION_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)  # seconds; past the last one is "+Inf"


@dataclass
class Tally:
    """Finished runs and steps, added up before they are recorded (one Redis round trip for all of them)."""

    runs: Counter[str] = field(default_factory=Counter)
    steps: Counter[tuple[str, str]] = field(default_factory=Counter)
    buckets: Counter[tuple[str, int]] = field(default_factory=Counter)  # (action, bucket index) -> steps
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # action -> summed durations

    def run(self, status: str, count: int = 1) -> Tally:
        self.runs[status] += count
        return self

    def step(self, action: str, status: str, seconds: float | None = None) -> Tally:
        """A finished step; with its duration (started to finished) when it ran."""
        self.steps[(action, status)] += 1
        if seconds is not None:
            seconds = max(0.0, float(seconds))
            self.buckets[(action, bucket_of(seconds))] += 1
            self.seconds[action] += seconds
        return self

    def __bool__(self) -> bool:
        return bool(self.runs or self.steps)


def bucket_of(seconds: float) -> int:
    """The index of the first bucket the duration fits in (len(DURATION_BUCKETS) for "+Inf")."""
    return bisect.bisect_left(DURATION_BUCKETS, seconds)


def run_finished(status: str, *, closed_actions: Iterable[str] = (), closed_status: str = "") -> None:
    """A run finished with `status` (completed, failed, cancelled); `closed_actions` are the action types of
    its unfinished steps that finishing closed (as `closed_status`: skipped or cancelled). Counted when the
    current transaction commits (at once outside one)."""
    tally = Tally().run(status)
    for action in closed_actions:
        tally.step(action, closed_status)
    record(tally)


def step_finished(action: str, status: str, *, seconds: float | None = None) -> None:
    """A step of `action` finished as `status` (completed, skipped, failed), having run `seconds` (started to
    finished; None when it never started). Counted when the current transaction commits."""
    record(Tally().step(action, status, seconds))


def record(tally: Tally) -> None:
    """Add the tally to the counters after the current transaction commits (nothing if it rolls back)."""
    increments: list[counters.Increment] = [(RUNS_KEY, status, n) for status, n in tally.runs.items()]
    increments += [(STEPS_KEY, f"{action}{SEPARATOR}{status}", n) for (action, status), n in tally.steps.items()]
    increments += [(DURATIONS_KEY, f"{action}{SEPARATOR}{i}", n) for (action, i), n in tally.buckets.items()]
    increments += [(DURATIONS_KEY, f"{action}{SEPARATOR}sum", float(s)) for action, s in tally.seconds.items()]
    counters.add_after_commit(increments)


@dataclass(frozen=True)
class Histogram:
    buckets: list[tuple[str, int]]  # cumulative: ("0.1", n), ..., ("+Inf", total)
    total_seconds: float


@dataclass(frozen=True)
class Counts:
    runs: dict[str, int]  # status -> finished runs
    steps: dict[tuple[str, str], int]  # (action, status) -> finished steps
    durations: dict[str, Histogram]  # action -> step durations


def counts(hashes: list[dict[str, str]] | None = None) -> Counts:
    """The counters as they stand: from `hashes`, the KEYS' hashes a caller read with others (one round
    trip for all of them), or read now."""
    runs, steps, durations = hashes if hashes is not None else counters.read(list(KEYS))
    return Counts(
        runs={status: int(n) for status, n in runs.items()},
        steps={_pair(name): int(n) for name, n in steps.items()},
        durations=_histograms(durations),
    )


def _histograms(fields: dict[str, str]) -> dict[str, Histogram]:
    per_bucket: dict[str, list[int]] = {}
    sums: dict[str, float] = {}
    for name, value in fields.items():
        action, part = name.rsplit(SEPARATOR, 1)
        if part == "sum":
            sums[action] = float(value)
        else:
            per_bucket.setdefault(action, [0] * (len(DURATION_BUCKETS) + 1))[int(part)] += int(value)
    histograms = {}
    for action, counts_ in per_bucket.items():
        cumulative, running = [], 0
        for bound, count in zip([*map(str, DURATION_BUCKETS), "+Inf"], counts_, strict=True):
            running += count
            cumulative.append((bound, running))
        histograms[action] = Histogram(cumulative, sums.get(action, 0.0))
    return histograms


def _pair(name: str) -> tuple[str, str]:
    action, status = name.split(SEPARATOR, 1)
    return action, status
