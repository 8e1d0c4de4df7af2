"""ItemAction: the shape shared by actions that process domain items in batches.

With no params an action takes its site's items in their input state, up to `limit` (the
seeds' batch size); `ids` names items instead; `drain` keeps taking batches until the input
queue is empty (items created earlier in the same run included) — the pipeline preset uses it.
Every item is claimed before it is processed (two workers never take the same item), re-checked
in its input state, charged once on success, and a failed item is recorded and skipped without
stopping the rest of the batch. Pause and cancel are checked between batches.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import connection
from django.db.models import QuerySet

from actions import claims
from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry

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

    def input_queryset(self, ctx, params: dict[str, Any]) -> QuerySet:
        """The site's items in this action's input state, oldest first."""
        raise NotImplementedError

    def process_batch(self, ctx, items: list, params: dict[str, Any]) -> BatchOutcome:
        """Process claimed items (re-check their state); record failures per item, never raise for one item."""
        raise NotImplementedError

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
        first = True
        while remaining is None or remaining > 0:
            if not first and (why := ctx.should_stop()):
                total.paused = True
                ctx.log(f"stopping between batches: {why}")
                break
            take = batch_size if remaining is None else min(batch_size, remaining)
            items = self._next_batch(ctx, params, take, tried)
            if not items:
                break
            first = False
            try:
                outcome = self._process(ctx, items, params)
            except ActionError:
                if total.input_count or total.output_count:
                    ctx.record_partial(total)  # the batches before this one are done and stay counted
                raise
            finally:
                claims.release(self.item_kind, [i.pk for i in items], owner=ctx.claim_owner)
            tried.update(item_id for item_id, _ in outcome.failed)
            if named:
                tried.update(item.pk for item in items)
                total.result.setdefault("taken_ids", []).extend(item.pk for item in items)
            self._add(total, outcome, ctx)
            ctx.heartbeat()
            ctx.report_progress(total)
            if remaining is not None:
                remaining -= len(items)
            if remaining == 0:
                break
            if params.get("delay_seconds") and self.taken_queryset(ctx, params).exclude(pk__in=tried).exists():
                # Wait between batches without holding the worker: the step comes back after the delay.
                ctx.log(f"waiting {params['delay_seconds']} s between batches")
                total.defer_seconds = params["delay_seconds"]
                break
        return total

    def _next_batch(self, ctx, params, take: int, tried: set[int]) -> list:
        queue = self.taken_queryset(ctx, params).exclude(pk__in=tried)
        candidates = list(queue.values_list("pk", flat=True)[: take + 20])
        owner = ctx.claim_owner
        claimed = claims.claim(self.item_kind, candidates, owner=owner, previous_owner=ctx.previous_owner)
        mine, surplus = claimed[:take], claimed[take:]
        claims.release(self.item_kind, surplus, owner=owner)
        # Re-read in the input state: an item another worker finished since the query is left out.
        return list(self.input_queryset(ctx, params).filter(pk__in=mine).order_by("pk"))

    def _process(self, ctx, items: list, params) -> BatchOutcome:
        workers = params.get("concurrency", 1)
        if workers <= 1 or len(items) <= 1 or connection.vendor == "sqlite":
            return self.process_batch(ctx, items, params)
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
