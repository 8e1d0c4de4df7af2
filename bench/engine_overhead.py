"""Engine overhead per action: a run of `log` steps on a real worker against a bare Celery task round trip."""

from __future__ import annotations

import statistics
import time

from bench.report import Table, fmt, median, progress, spread

NAME = "engine_overhead"
TITLE = "Engine overhead per action over a bare Celery round trip"
NEEDS_DB = True
STEPS = 20  # `log` steps per run
PINGS = 80  # bare round trips measured beside each run (after a warm-up)
SPLITS: dict[str, list[float]] = {"inside": [], "handoff": []}  # ms per step, filled by _run_rule

ABOUT = f"""\
What the executor adds to each action, measured on **one real Celery worker process**
(`-P threads -c 1`, prefetch 1, late acks: the project's settings; started by `bench/worker.py`) with
Redis as the broker, all on this machine.

- **Bare Celery round trip**: the bench publishes a trivial task (`bench.ping`, registered by the
  bench's worker) and blocks on a Redis list until the task, running in the worker, pushes to it:
  publish → broker → worker → task body → reply. {PINGS} round trips one after the other just before
  each run, all counted: the round trips and the steps are measured in turns, so a machine whose speed
  drifts during the bench slows both alike.
- **A chain of bare tasks**: a trivial task (`bench.hop`) that pushes a timestamp and sends the next
  link from inside the worker, as a step sends the next step: the physical floor of step to step.
- **One `log` step**: a manual rule with {STEPS} `log` steps (the built-in action: render the message,
  log it) is started with `rule_execute` (as the `execute` endpoint does). Each step is one Celery task
  (`rules.execute_step`): read the step, its run and the run's next unfinished step (one SELECT), take
  the lease and mark the attempt (one UPDATE), run the action, then in one transaction record the
  outcome (one UPDATE, only while the lease is ours), write the step's log lines (one INSERT) and move
  the run to the next step (one UPDATE, only while the run is running); the next step's task is
  published after commit. The time of one step is the interval between two consecutive steps'
  `finished_at`, i.e. a full cycle: commit, publish, broker, worker, the step's own work; it is split
  into the time inside the execution and the hand-off. The mean over a run is
  (completed_at − started_at) / {STEPS}.
- **Overhead per step** = median step time − median bare round trip: the executor's bookkeeping
  (database work) on top of what any Celery-based step runner pays for the hand-off.

Queries are counted in the worker (every statement on its connections; transaction control — BEGIN,
COMMIT, SAVEPOINT — is not counted, on either database).
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
        _run_rule(rule, site)  # warm-up: the worker's first connection, first step of each kind
        pings, cycles, means, step_queries, caller_queries = [], [], [], [], []
        progress(f"engine_overhead: {runs} runs of {STEPS} log steps, each after {PINGS} bare round trips")
        for _ in range(runs):
            pings += _round_trips(get_redis(), f"{BROKER_PREFIX}bench-ping-reply", PINGS)
            before = worker.idle_stats()
            run_cycles, mean, queries = _run_rule(rule, site)
            delta = stats_delta(worker.idle_stats(), before)
            cycles += run_cycles
            means.append(mean)
            step_queries.append(delta["queries"] / STEPS)
            caller_queries.append(queries)
        hops = _hop_chains(get_redis(), f"{BROKER_PREFIX}bench-hop-reply", runs)
    return _tables(pings, hops, cycles, means, step_queries, caller_queries, runs, delta["kinds"])


def _hop_chains(client, key: str, chains: int) -> list[float]:
    """Intervals between the links of chains of bare tasks, each sent by the previous one in the worker."""
    from backend.celery import app
    from bench.worker import HOP_TASK

    gaps: list[list[float]] = []
    for _ in range(chains + 1):  # the first chain warms up
        client.delete(key)
        app.send_task(HOP_TASK, args=[key, STEPS], queue="default")
        stamps = []
        for _ in range(STEPS + 1):
            reply = client.blpop([key], timeout=10)
            if reply is None:
                raise RuntimeError("bench.hop: the chain stopped")
            stamps.append(float(reply[1]))
        gaps.append([(b - a) * 1000 for a, b in zip(stamps, stamps[1:], strict=False)])
    return [gap for chain in gaps[1:] for gap in chain]


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
    steps = list(run_.steps.order_by("index"))
    finished = [s.finished_at for s in steps]
    cycles = [(b - a).total_seconds() * 1000 for a, b in zip(finished, finished[1:], strict=False)]
    # Where a cycle goes: inside the execution (lease taken → outcome applied) and the hand-off (the previous
    # step's outcome applied → this step's lease taken: commit, publish, broker, worker, the step's first read).
    SPLITS["inside"] += [(s.finished_at - s.started_at).total_seconds() * 1000 for s in steps[1:]]
    pairs = zip(steps, steps[1:], strict=False)
    SPLITS["handoff"] += [(b.started_at - a.finished_at).total_seconds() * 1000 for a, b in pairs]
    mean = (run_.completed_at - run_.started_at).total_seconds() * 1000 / len(finished)
    return cycles, mean, counter.count


def _tables(pings, hops, cycles, means, step_queries, caller_queries, runs, kinds) -> list[Table]:
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
        "a chain of bare tasks, each sent by the previous one (`bench.hop`)",
        f"{fmt(median(hops))} ms",
        f"{fmt(p95(hops))} ms",
        f"{fmt(min(hops))} ms",
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
    table.add(
        "… of which inside the execution (lease taken → outcome applied)",
        f"{fmt(median(SPLITS['inside']))} ms",
        f"{fmt(p95(SPLITS['inside']))} ms",
        f"{fmt(min(SPLITS['inside']))} ms",
        "",
    )
    table.add(
        "… of which the hand-off (outcome applied → next lease taken)",
        f"{fmt(median(SPLITS['handoff']))} ms",
        f"{fmt(p95(SPLITS['handoff']))} ms",
        f"{fmt(min(SPLITS['handoff']))} ms",
        "",
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
