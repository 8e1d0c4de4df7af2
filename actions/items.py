"""ItemAction: the shape shared by actions that process domain items in batches.

With no params an action takes its site's items in their input state, up to `limit` (the
seeds' batch size); `ids` names items instead; `drain` keeps taking batches until the input
queue is empty (items created earlier in the same run included) — the pipeline preset uses it.
Every item is claimed before it is processed (two workers never take the same item), re-checked
in its input state, charged once on success, and a failed item is recorded and skipped without
stopping the rest of the batch. Pause and cancel are checked between batches.

What a batch costs: the candidates' ids are read a few hundred at a time (not per batch); a batch's
items are claimed in one Redis round trip and re-read in one query; an action writes what the batch
made in one transaction (rows created together, one charge for the batch with one ledger row per
item); after the batch one statement shows the progress, keeps the lease and says whether to go on.
With `concurrency` N an action that sets `calls_in_threads` makes its provider calls N at a time
(`each`), in threads that never touch the database (so on SQLite too), and saves the batch itself.
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import IntegrityError, connection
from django.db.models import QuerySet
from django.db.models.signals import post_save

from actions import claims
from backend.core.batching import bulk_created
from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry

CANDIDATES = 500  # ids read at once from an action's queue

ITEM_PARAMS: dict[str, Any] = {
    "ids": {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "maxItems": 10000,
        "description": "Process these items instead of the site's queue.",
    },
    "limit": {
        "type": "integer",
        "minimum": 1,
        "maximum": 10000,
        "description": "How many queued items to take (default: the seeds' batch size).",
    },
    "batch_size": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Items per batch."},
    "drain": {"type": "boolean", "description": "Keep taking batches until the queue is empty."},
    "delay_seconds": {"type": "number", "minimum": 0, "maximum": 600, "description": "Pause between batches."},
    "concurrency": {"type": "integer", "minimum": 1, "maximum": 16, "description": "Items processed at once."},
    "enabled": {"type": "boolean", "description": "false: the step is skipped."},
    "handover_from": {"type": "string", "description": "Action whose queue must be empty before this step starts."},
    "wait_before_seconds": {
        "type": "number",
        "minimum": 0,
        "maximum": 3600,
        "description": "Wait this long (without holding a worker) before starting.",
    },
    "stage": {"type": "integer", "minimum": 1, "maximum": 20, "description": "Stage number (pipeline presets)."},
}


def item_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The params JSON Schema of an item action: the common keys plus its own."""
    return {"type": "object", "properties": {**ITEM_PARAMS, **(extra or {})}, "additionalProperties": False}


@dataclass(frozen=True)
class Scope:
    """Whose items a step may take (what `input_queryset` reads of an ActionContext): for estimates."""

    account_id: int
    site_id: int | None


def named_items(queryset: QuerySet, scope: Any) -> QuerySet:
    """Items named by id: the account's only, and the site's only when the step has a site."""
    queryset = queryset.filter(account_id=scope.account_id)
    return queryset if scope.site_id is None else queryset.filter(site_id=scope.site_id)


@dataclass
class BatchOutcome:
    """What one batch did: items consumed and produced, per-item failures, numbers to add to the result."""

    consumed: int = 0
    produced: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


class ItemAction(Action):
    item_kind: ClassVar[str]
    default_batch_size: ClassVar[int] = 1
    default_limit: ClassVar[int] = 20
    params_schema = item_schema()
    # True: process_batch gets the whole batch and makes its provider calls through `each` (N at a time with
    # `concurrency` N). False: with concurrency N, N threads each process one item of the batch.
    calls_in_threads: ClassVar[bool] = False

    def input_queryset(self, ctx, params: dict[str, Any]) -> QuerySet:
        """The site's items in this action's input state, oldest first."""
        raise NotImplementedError

    def batch_queryset(self, queryset: QuerySet) -> QuerySet:
        """How a batch's claimed items are read (in their input state): add select_related / prefetch here."""
        return queryset

    def process_batch(self, ctx, items: list, params: dict[str, Any]) -> BatchOutcome:
        """Process claimed items (re-check their state); record failures per item, never raise for one item."""
        raise NotImplementedError

    def each(self, items: list, function: Callable[[Any], Any]) -> list:
        """`function(item)` for every item, in order; with `concurrency` N, N at a time in threads (in a copy
        of the caller's context). The function must not touch the database: it calls providers; the batch
        is saved by the caller afterwards. An exception is raised here (return errors to keep them per item)."""
        execution = _execution.get()
        return execution.map(function, items) if execution is not None else [function(item) for item in items]

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()` once per step execution (e.g. the provider with the account's prompts), then the same value."""
        execution = _execution.get()
        if execution is None:
            return make()
        if key not in execution.cache:
            execution.cache[key] = make()
        return execution.cache[key]

    def estimate_queryset(self, params: dict[str, Any], *, site_id: int | None, account_id: int) -> QuerySet:
        """The items a run of this step would take now: the named ids (the account's only) or the site's queue."""
        queryset = self.input_queryset(Scope(account_id=account_id, site_id=site_id), params)
        return queryset.filter(pk__in=params["ids"]) if params.get("ids") else queryset

    def estimate_count(self, params: dict[str, Any], *, site_id: int | None, account_id: int) -> int:
        """How many items a run of this step would take now (ids of other accounts count as missing)."""
        if site_id is None and not params.get("ids"):
            return 0  # run() refuses a step with neither
        found = self.estimate_queryset(params, site_id=site_id, account_id=account_id).count()
        if params.get("ids") or params.get("drain"):
            return found
        return min(found, params.get("limit", self.default_limit))

    def queryset_for_site(self, site_id: int | None) -> QuerySet:
        raise NotImplementedError

    def pending_count(self, site_id: int) -> int:
        """Items waiting in this action's input state on the site."""
        return self.queryset_for_site(site_id).count()

    def run(self, ctx, params):
        if ctx.site_id is None and not params.get("ids"):
            raise ActionError(f"{self.key} needs a site (the rule's or the trigger's) or explicit ids", permanent=True)
        before = self._before_start(ctx, params)
        if before is not None:
            return before
        return self._run_batches(ctx, params)

    def _before_start(self, ctx, params) -> StepResult | None:
        """Disabled, wait first, handover check, nothing to do: each answers for the whole step."""
        if params.get("enabled") is False:
            return StepResult(skipped=True, result={"skip_reason": "disabled in the configuration"})
        if params.get("wait_before_seconds") and not ctx.step_result.get("waited_before"):
            ctx.log(f"waiting {params['wait_before_seconds']} s before {self.name.lower()}")
            return StepResult(defer_seconds=params["wait_before_seconds"], result={"waited_before": True})
        if not ctx.step_result.get("handover_checked"):
            self._check_handover(ctx, params)
        if not params.get("ids") and ctx.step_input_count == 0 and not self.taken_queryset(ctx, params).exists():
            return StepResult(skipped=True, result={"skip_reason": "nothing to do", "handover_checked": True})
        return None

    def taken_queryset(self, ctx, params) -> QuerySet:
        """The items this step takes: the named ones, or its queue as it was when the step started.

        A draining step takes what waited when it started, and what earlier steps of the run created (they
        finished before it started); items arriving from outside meanwhile wait for the next run.
        """
        queryset = self.input_queryset(ctx, params)
        if params.get("ids"):
            return queryset.filter(pk__in=params["ids"])
        if params.get("drain") and ctx.step_started_at:
            return queryset.filter(created_at__lt=ctx.step_started_at)
        return queryset

    def _check_handover(self, ctx, params) -> None:
        """The previous stage must have finished what it took; what arrived after it started waits."""
        previous_key = params.get("handover_from")
        if not previous_key or ctx.site_id is None:
            return
        previous = registry.get(previous_key)
        queue = previous.queryset_for_site(ctx.site_id)
        started = ctx.previous_step_started_at(previous_key)
        left = (queue.filter(created_at__lt=started) if started else queue).count()
        stage = params.get("stage")
        where = f"stage {stage - 1} ({previous_key})" if stage else previous_key
        if left:
            raise ActionError(
                f"handover check failed: {where} still has {left} items pending; "
                f"{self.name} does not start until it is empty",
                permanent=True,
            )
        arrived = queue.filter(created_at__gte=started).count() if started else 0
        waiting = f"; {arrived} {previous.item_kind} items arrived during the run and wait for the next run"
        ctx.log(f"handover check: {where} finished what it took" + (waiting if arrived else ""))

    def _run_batches(self, ctx, params) -> StepResult:
        # With concurrency N a batch holds at least N items, so N are really in flight at once.
        batch_size = max(params.get("batch_size", self.default_batch_size), params.get("concurrency", 1))
        total = StepResult(result={"handover_checked": True})
        # Failed items are not taken again; named items are each taken once (some stay in their input state).
        tried = set(ctx.step_result.get("failed_ids", [])) | set(ctx.step_result.get("taken_ids", []))
        named = bool(params.get("ids"))
        unbounded = params.get("drain") or named
        remaining = None if unbounded else params.get("limit", self.default_limit) - ctx.step_input_count
        queue = _Queue(self, ctx, params, tried)
        execution = _Execution(params.get("concurrency", 1))
        token = _execution.set(execution)
        try:
            while remaining is None or remaining > 0:
                take = batch_size if remaining is None else min(batch_size, remaining)
                items, claimed = queue.next_batch(take)
                if not items:
                    break
                try:
                    outcome = self._process(ctx, items, params)
                except (ActionError, IntegrityError) as exc:
                    if total.input_count or total.output_count:
                        ctx.record_partial(total)  # the batches before this one are done and stay counted
                    if isinstance(exc, IntegrityError):  # another execution wrote the same rows: a retry sees them
                        raise ActionError(f"IntegrityError: {exc}") from exc
                    raise
                finally:
                    claims.release(self.item_kind, claimed, owner=ctx.claim_owner)
                tried.update(item_id for item_id, _ in outcome.failed)
                if named:
                    tried.update(item.pk for item in items)
                    total.result.setdefault("taken_ids", []).extend(item.pk for item in items)
                self._add(total, outcome, ctx)
                why = ctx.between_batches(total)
                if remaining is not None:
                    remaining -= len(items)
                if remaining == 0:
                    break
                if why:
                    total.paused = True
                    ctx.log(f"stopping between batches: {why}")
                    break
                if params.get("delay_seconds") and self.taken_queryset(ctx, params).exclude(pk__in=tried).exists():
                    # Wait between batches without holding the worker: the step comes back after the delay.
                    ctx.log(f"waiting {params['delay_seconds']} s between batches")
                    total.defer_seconds = params["delay_seconds"]
                    break
        finally:
            _execution.reset(token)
            execution.close()
        return total

    def _process(self, ctx, items: list, params) -> BatchOutcome:
        workers = params.get("concurrency", 1)
        if self.calls_in_threads or workers <= 1 or len(items) <= 1 or connection.vendor == "sqlite":
            return self.process_batch(ctx, items, params)
        # Each thread processes (and saves) one item, on a database connection of its own.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(lambda item: _in_thread(self.process_batch, ctx, [item], params), items))
        merged = BatchOutcome()
        for outcome in outcomes:
            merged.consumed += outcome.consumed
            merged.produced += outcome.produced
            merged.failed += outcome.failed
            for key, value in outcome.result.items():
                merged.result[key] = merged.result.get(key, 0) + value if isinstance(value, (int, float)) else value
        return merged

    def _add(self, total: StepResult, outcome: BatchOutcome, ctx) -> None:
        total.input_count += outcome.consumed
        total.output_count += outcome.produced
        for key, value in outcome.result.items():
            total.result[key] = total.result.get(key, 0) + value if isinstance(value, (int, float)) else value
        total.result["batches"] = total.result.get("batches", 0) + 1
        if outcome.failed:
            total.result.setdefault("failed_ids", []).extend(i for i, _ in outcome.failed)
            total.result.setdefault("errors", []).extend(f"{self.item_kind} {i}: {m}" for i, m in outcome.failed)
            for item_id, message in outcome.failed:
                ctx.log(f"{self.item_kind} {item_id} failed: {message}", level="warning")


def _in_thread(function, *args):
    try:
        return function(*args)
    finally:
        connection.close()


class _Queue:
    """The step's candidates: their ids read CANDIDATES at a time, claimed a batch at a time (one Redis round
    trip), the claimed ones re-read in their input state (one query): an item another worker finished since
    the ids were read is left out."""

    def __init__(self, action: ItemAction, ctx, params: dict[str, Any], tried: set[int]) -> None:
        self.action, self.ctx, self.params, self.tried = action, ctx, params, tried
        self.ids: deque[int] = deque()
        self.claimed_since_read = True

    def next_batch(self, take: int) -> tuple[list, list[int]]:
        """Up to `take` items, claimed and re-read, and every id claimed (to release after the batch)."""
        while True:
            if not self.ids:
                if not self.claimed_since_read:
                    return [], []  # what is left is held by other executions
                self.ids.extend(
                    self.action.taken_queryset(self.ctx, self.params)
                    .exclude(pk__in=self.tried)
                    .values_list("pk", flat=True)[:CANDIDATES]
                )
                self.claimed_since_read = False
                if not self.ids:
                    return [], []
            window = [self.ids.popleft() for _ in range(min(len(self.ids), take + 20))]
            owner, previous = self.ctx.claim_owner, self.ctx.previous_owner
            mine = claims.claim(self.action.item_kind, window, owner=owner, previous_owner=previous, limit=take)
            if len(mine) == take:  # the ids after the last one taken were not looked at: they go back
                last = max(window.index(item_id) for item_id in mine)
                self.ids.extendleft(reversed(window[last + 1 :]))
            if not mine:
                continue
            self.claimed_since_read = True
            queryset = self.action.input_queryset(self.ctx, self.params).filter(pk__in=mine).order_by("pk")
            items = list(self.action.batch_queryset(queryset))
            if items:
                return items, mine
            claims.release(self.action.item_kind, mine, owner=self.ctx.claim_owner)  # all finished elsewhere


class _Execution:
    """What one execution of an item step keeps across its batches: the threads for `each`, and `cached`."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.pool: ThreadPoolExecutor | None = None
        self.cache: dict[Any, Any] = {}

    def map(self, function: Callable[[Any], Any], items: list) -> list:
        if self.workers <= 1 or len(items) <= 1:
            return [function(item) for item in items]
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="item-calls")
        calls = [(contextvars.copy_context(), item) for item in items]
        return list(self.pool.map(lambda call: call[0].run(_no_database_left_open, function, call[1]), calls))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def _no_database_left_open(function: Callable[[Any], Any], item: Any) -> Any:
    try:
        return function(item)
    finally:
        if connection.connection is not None:  # (a pool thread's) the call touched the database after all
            connection.close()


_execution: ContextVar[_Execution | None] = ContextVar("igny8_item_execution", default=None)


def announce_created(model: type, rows: Iterable[Any]) -> None:
    """Rows inserted with bulk_create: their `created` events, as saving them one by one would send."""
    bulk_created.send(sender=model, instances=list(rows))


def announce_saved(model: type, rows: Iterable[Any], fields: Iterable[str]) -> None:
    """Rows changed with one UPDATE (their new values set on the instances): what `save()` would signal, so
    their `updated` / `status_changed` events go out as before."""
    update_fields = frozenset(fields)
    for row in rows:
        post_save.send(
            sender=model, instance=row, created=False, update_fields=update_fields, raw=False, using="default"
        )
