"""Where the time goes: a profile of one pass of a benchmark, as a table beside its figures.

`profile_table` runs a callable under cProfile and reports, for the named functions, their cumulative time
per unit of work (an event, an item) and their share of the profiled total. The parts may nest (a write
includes its database waits); the notes say so. The profiler slows Python code more than native code and
waiting, so the shares, not the absolute times, are the reading. With BENCH_PSTATS_DIR set, each profile is also
kept there as a pstats file.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.report import Table, fmt


@dataclass(frozen=True)
class Part:
    """A label and the functions it adds up: (file suffix, function name); a builtin has the file "~" and is
    matched by the start of its name (cProfile names one with its address)."""

    label: str
    functions: tuple[tuple[str, str], ...]


DATABASE_WAIT = Part(
    "waiting for the database (every statement and the commit)",
    (
        ("psycopg/connection.py", "wait"),
        ("~", "<function SQLiteCursorWrapper.execute"),  # Django's wrapper of sqlite3's execute and executemany
        ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ),
)


def profile_table(
    title: str, work: Callable[[], None], parts: list[Part], *, units: int | Callable[[], int], unit: str
) -> Table:
    """Profile `work()` (which does `units` of `unit`: a number, or a function that counts them afterwards)
    and tabulate the parts."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    work()
    profiler.disable()
    wall = time.perf_counter() - started
    units = units() if callable(units) else units
    if os.environ.get("BENCH_PSTATS_DIR"):  # keep the raw profile, for `python -m pstats`
        slug = "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")[:80]
        profiler.dump_stats(os.path.join(os.environ["BENCH_PSTATS_DIR"], f"{slug}.pstats"))
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    table = Table(title, ["part", f"ms / {unit} (profiled)", "share of the profiled time"])
    for part in parts:
        seconds = sum(
            cumulative
            for (path, _line, name), (_cc, _nc, _own, cumulative, _callers) in stats.items()
            for suffix, wanted in part.functions
            if (path == "~" and name.startswith(wanted) if suffix == "~" else name == wanted and path.endswith(suffix))
        )
        table.add(part.label, fmt(seconds / units * 1000), f"{seconds / wall:.0%}")
    table.add("**all of it**", fmt(wall / units * 1000), "100%")
    table.notes.append(
        f"One pass of {units:,} {unit}s under cProfile ({fmt(wall)} s profiled). Cumulative times: a part "
        "includes what it calls, so parts may overlap (a write includes its wait on the database)."
    )
    return table
