"""A 100-item `for_each` against 100 sequential steps, on real Celery workers."""

from __future__ import annotations

from django.test import override_settings

from bench.report import Table, fmt, median, progress, spread

NAME = "flow_loop"
TITLE = "A 100-item for_each against 100 sequential steps"
NEEDS_DB = True
ITEMS = 100
WORKER_THREADS = 4

ABOUT = f"""\
What control flow costs: the same {ITEMS} `log` actions run three ways on **one real Celery worker process
with {WORKER_THREADS} threads** (`bench/worker.py`), Redis as the broker:

- **{ITEMS} sequential steps**: a plain list of {ITEMS} `log` steps (the straight path: every step made when
  the run starts, each step hands over to the next one by its index);
- **`for_each`, concurrency 1**: one `for_each` over {ITEMS} items whose body is one `log` step: the program's
  path (rules.core.flow), where each step is made when the run reaches it, and every finished step plans the
  run again under its lock (reading the run's step records);
- **`for_each`, concurrency 4**: the same loop, four iterations at once.

Figures per run: the wall time from the run's start to its end, that time per item, and the queries the worker
made per item (every statement; transaction control not counted). Medians of the runs; each table says how
far they spread.

Reading them: a `log` action does no work, so the loop's figures are the engine's own cost per item: making the
step when it is reached and planning the run again under its lock after each one (3 queries more than the
straight path). The plans of one run take turns on that lock, so with actions this short concurrency 4 cannot
go faster than concurrency 1; it pays when the items' actions wait on something (a provider, a WordPress
site), as `stage4_concurrency` shows for batches.
"""


def run(*, reps: int) -> list[Table]:
    from bench.env import account_make, rules_make
    from bench.worker import BenchWorker, stats_delta

    account, site = account_make("flow-loop")
    log = {"type": "log", "params": {"message": "item {item}"}}
    shapes = {
        f"{ITEMS} sequential `log` steps": [{"type": "log", "params": {"message": f"step {n}"}} for n in range(ITEMS)],
        "`for_each`, concurrency 1": [{"type": "for_each", "items": {"var": "payload.ids"}, "do": [log]}],
        "`for_each`, concurrency 4": [
            {"type": "for_each", "items": {"var": "payload.ids"}, "concurrency": 4, "do": [log]}
        ],
    }
    with override_settings(AUTOMATION_MAX_RULE_STEPS=ITEMS + 10):
        ids = rules_make(
            account_id=account.id,
            site_id=site.id,
            specs=[
                {
                    "name": f"bench: {label}",
                    "trigger": {"type": "manual"},
                    "conditions": None,
                    "mode": "parallel",
                    "max_runs": 100,
                    "actions": actions,
                }
                for label, actions in shapes.items()
            ],  # fmt: skip
        )
    runs = max(3, reps)
    figures: dict[str, dict[str, list[float]]] = {}
    with BenchWorker(name="flow", concurrency=WORKER_THREADS) as worker:
        for (label, _actions), rule_id in zip(shapes.items(), ids, strict=True):
            _once(rule_id, site.id)  # warm-up
            progress(f"flow_loop: {runs} runs of {label}")
            walls, queries = [], []
            for _ in range(runs):
                before = worker.idle_stats()
                walls.append(_once(rule_id, site.id))
                queries.append(stats_delta(worker.idle_stats(), before)["queries"] / ITEMS)
            figures[label] = {"wall": walls, "queries": queries}
    return [_table(figures, runs)]


def _once(rule_id: int, site_id: int) -> float:
    """One run of the rule; its wall time in ms (started → completed)."""
    from bench.runs import wait_finished
    from rules.lifecycle import rule_execute
    from rules.models import AutomationRule

    rule = AutomationRule.objects.get(pk=rule_id)
    started = rule_execute(rule=rule, site_id=site_id, payload={"ids": list(range(ITEMS))}).run
    done = wait_finished(started, timeout=300, poll=0.02)
    if done.status != "completed":
        raise RuntimeError(f"{rule.name}: the run ended {done.status}: {done.error_message}")
    return (done.completed_at - done.started_at).total_seconds() * 1000


def _table(figures: dict[str, dict[str, list[float]]], runs: int) -> Table:
    table = Table(
        f"{ITEMS} `log` actions, one worker of {WORKER_THREADS} threads",
        ["", "wall time", "per item", "queries / item"],
    )
    sequential = median(next(iter(figures.values()))["wall"])
    for label, values in figures.items():
        wall = median(values["wall"])
        table.add(label, f"{fmt(wall / 1000)} s", f"{fmt(wall / ITEMS)} ms", fmt(median(values["queries"])))
        table.notes.append(
            f"{label}: {runs} runs, wall time {', '.join(fmt(w / 1000) for w in values['wall'])} s "
            f"(spread {spread(values['wall'])}); {fmt(wall / sequential)}× the sequential steps' time."
        )
    return table
