"""Engine overhead per action: a run of `log` steps on a real worker against a bare Celery task round trip."""

from __future__ import annotations

import statistics
import time

from bench.report import Table, fmt, median, progress, spread

NAME = "engine_overhead"
TITLE = "Engine overhead per action over a bare Celery round trip"
NEEDS_DB = True
STEPS = 20  # `log` steps per run
PINGS = 300  # bare round trips measured (after a warm-up)

ABOUT = f"""\
What the executor adds to each action, measured on **one real Celery worker process**
(`-P threads -c 1`, prefetch 1, late acks: the project's settings; started by `bench/worker.py`) with
Redis as the broker, all on this machine.

- **Bare Celery round trip**: the bench publishes a trivial task (`bench.ping`, registered by the
  bench's worker) and blocks on a Redis list until the task, running in the worker, pushes to it:
  publish → broker → worker → task body → reply. {PINGS} round trips one after the other before the
  runs and {PINGS // 3} after them, all counted.
- **One `log` step**: a manual rule with {STEPS} `log` steps (the built-in action: render the message,
  insert one `RunLog` row) is started with `rule_execute` (as the `execute` endpoint does). Each step
  is one Celery task: take the step's lease, mark it running, log its start, run the action, record the
  outcome under a row lock, log it, then enqueue the next step's task after commit. The time of one step
  is the interval between two consecutive steps' `finished_at`, i.e. a full cycle: commit, publish,
  broker, worker, the step's own work. The mean over a run is (completed_at − started_at) / {STEPS}.
- **Overhead per step** = median step time − median bare round trip: the executor's bookkeeping
  (database work) on top of what any Celery-based step runner pays for the hand-off.

Queries are counted in the worker (every statement on its connections; BEGIN/COMMIT not counted).
"""


def run(*, reps: int) -> list[Table]:
    from backend.core.redis import get_redis
    from bench.env import BROKER_PREFIX, account_make, rules_make
    from bench.worker import BenchWorker, stats_delta
    from rules.models import AutomationRule

    account, site = account_make("engine-overhead")
    steps = [{"type": "log", "params": {"message": f"bench step {n}"}} for n in range(STEPS)]
    rule_id = rules_make(
        account_id=account.id,
        site_id=site.id,
        specs=[
            {
                "name": "bench: log steps",
                "trigger": {"type": "manual"},
                "conditions": None,
                "mode": "parallel",
                "max_runs": 100,
                "actions": steps,
            }
        ],
    )[0]
    rule = AutomationRule.objects.get(pk=rule_id)
    runs = max(3, reps)
    with BenchWorker(name="engine", concurrency=1) as worker:
        progress(f"engine_overhead: {PINGS} bare round trips")
        pings = _round_trips(get_redis(), f"{BROKER_PREFIX}bench-ping-reply", PINGS)
        _run_rule(rule, site)  # warm-up: the worker's first connection, first step of each kind
        cycles, means, step_queries, caller_queries = [], [], [], []
        progress(f"engine_overhead: {runs} runs of {STEPS} log steps")
        for _ in range(runs):
            before = worker.idle_stats()
            run_cycles, mean, queries = _run_rule(rule, site)
            delta = stats_delta(worker.idle_stats(), before)
            cycles += run_cycles
            means.append(mean)
            step_queries.append(delta["queries"] / STEPS)
            caller_queries.append(queries)
        pings_again = _round_trips(get_redis(), f"{BROKER_PREFIX}bench-ping-reply", PINGS // 3)
    return _tables(pings + pings_again, cycles, means, step_queries, caller_queries, runs, delta["kinds"])


def _round_trips(client, key: str, count: int) -> list[float]:
    from backend.celery import app
    from bench.worker import PING_TASK

    client.delete(key)
    for _ in range(20):  # warm-up
        app.send_task(PING_TASK, args=[key], queue="default")
        client.blpop([key], timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        app.send_task(PING_TASK, args=[key], queue="default")
        if client.blpop([key], timeout=10) is None:
            raise RuntimeError("bench.ping: no reply from the worker within 10 s")
        times.append((time.perf_counter() - started) * 1000)
    return times


def _run_rule(rule, site) -> tuple[list[float], float, int]:
    from bench.env import counting_queries
    from bench.runs import wait_finished
    from rules.lifecycle import rule_execute

    with counting_queries() as counter:
        run_ = rule_execute(rule=rule, site_id=site.id, trigger_type="manual").run
    run_ = wait_finished(run_, timeout=120, poll=0.01)
    if run_.status != "completed":
        raise RuntimeError(f"the log rule's run ended {run_.status}: {run_.error_message}")
    finished = [s.finished_at for s in run_.steps.order_by("index")]
    cycles = [(b - a).total_seconds() * 1000 for a, b in zip(finished, finished[1:], strict=False)]
    mean = (run_.completed_at - run_.started_at).total_seconds() * 1000 / len(finished)
    return cycles, mean, counter.count


def _tables(pings, cycles, means, step_queries, caller_queries, runs, kinds) -> list[Table]:
    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    bare, step = median(pings), median(cycles)
    table = Table("Per action, one worker", ["", "p50", "p95", "min", "queries"])
    table.add(
        "bare Celery round trip (`bench.ping`)",
        f"{fmt(bare)} ms",
        f"{fmt(p95(pings))} ms",
        f"{fmt(min(pings))} ms",
        "0",
    )
    table.add(
        "one `log` step of a run (step to step)",
        f"{fmt(step)} ms",
        f"{fmt(p95(cycles))} ms",
        f"{fmt(min(cycles))} ms",
        fmt(median(step_queries)),
    )
    table.add(
        "**engine overhead per step** (difference of the p50s)",
        f"**{fmt(step - bare)} ms**",
        "",
        "",
        fmt(median(step_queries)),
    )
    table.notes += [
        f"{len(pings)} bare round trips; {runs} runs of {STEPS} `log` steps ({len(cycles)} step-to-step intervals). "
        f"Mean step time per run (start → completed / {STEPS}): {', '.join(fmt(m) for m in means)} ms "
        f"(spread {spread(means)}).",
        f"Starting a run in the caller's process (`rule_execute`: the mode decision under a row lock, the run "
        f"and its {STEPS} step rows, the trigger record, the start): {fmt(median(caller_queries))} queries.",
        "Queries of one step, by statement: "
        + ", ".join(f"`{kind}` {fmt(count / STEPS)}" for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]))
        + ".",
    ]
    return [table]
