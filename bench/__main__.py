"""`python -m bench [names...]`: run benchmarks, print their tables, write docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime

from bench import BENCHMARKS, load
from bench.docs import Section, write
from bench.env import bench_environment
from bench.machine import machine_info


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        modules = [load(name) for name in args.names or BENCHMARKS]
    except KeyError as exc:
        print(f"python -m bench: {exc.args[0]}", file=sys.stderr)
        return 2
    write_docs = not args.names if args.write_docs is None else args.write_docs
    command = _command(argv)
    needs_db = any(module.NEEDS_DB for module in modules)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with bench_environment() if needs_db else nullcontext():
        machine = machine_info(database=needs_db)
        print("\n".join(f"{key:>9}: {value}" for key, value in machine.items()), end="\n\n", flush=True)
        sections = [_run(module, reps=args.reps) for module in modules]
    machine["load"] = (
        f"1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after "
        f"(the bench keeps about one core busy, two while a worker of its own runs steps)"
    )
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if write_docs:
        print(f"wrote {write(sections, machine=machine, command=command, date=date)}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (all by default): {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions per figure; medians are reported")
    parser.add_argument(
        "--write-docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/PERFORMANCE.md (default: yes for a full run, no for a subset)",
    )
    return parser


def _run(module, *, reps: int) -> Section:
    print(f"== {module.TITLE} ({module.NAME})", flush=True)
    started = time.perf_counter()
    tables = module.run(reps=reps)
    seconds = time.perf_counter() - started
    for table in tables:
        print(table.text(), end="\n\n", flush=True)
    print(f"({module.NAME}: {seconds:.0f} s)\n", flush=True)
    return Section(module, tables, seconds)


def _command(argv: list[str]) -> str:
    if os.environ.get("MAKELEVEL") and not argv:
        return "make bench"
    return " ".join(["python -m bench", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
