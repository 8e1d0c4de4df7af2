"""Benchmarks: `python -m bench [names...]` (or `make bench`) runs them and writes docs/PERFORMANCE.md.

A benchmark is one module here, listed in BENCHMARKS, with:

    NAME = "save_overhead"            # the module name, used on the command line
    TITLE = "Model save() overhead"   # the section heading in docs/PERFORMANCE.md
    ABOUT = "..."                     # markdown: what is measured, how, and what the figures mean
    NEEDS_DB = True                   # the runner sets up a fresh database and Django first

    def run(*, reps: int) -> list[Table]:
        '''Measure, report medians of `reps` repetitions; print progress to stderr only.'''

Add a benchmark: write `bench/<name>.py` with those four attributes and `run`, add the name here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

BENCHMARKS: tuple[str, ...] = (
    "save_overhead",
    "dispatch_throughput",
    "conditions",
    "keyword_import",
    "pipeline",
    "stage4_concurrency",
    "engine_overhead",
    "api_latency",
    "flow_loop",
    "backtest",
)


def load(name: str) -> ModuleType:
    """Import the benchmark module `name` (one of BENCHMARKS)."""
    if name not in BENCHMARKS:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
    return importlib.import_module(f"bench.{name}")
