"""ItemAction: the shape shared by actions that process domain items in batches.

With no params an action takes its site's items in their input state, up to `limit` (the
seeds' batch size); `ids` names items instead; `items` takes the run's own: `"trigger"` (the object
whose event started the run, when it is of the action's input kind) or a list of ids (an earlier
step's `output.ids`, resolved by the engine before the step runs); `drain` keeps taking batches until
the input queue is empty (items created earlier in the same run included) — the pipeline preset uses it.
Named items (`ids`, `items`) not in the action's input state are reported as skipped, not as errors.
Every action returns the ids of what it produced as `result["output"]["ids"]`, what later steps read.
Every item is claimed before it is processed (two workers never take the same item), re-checked
in its input state, charged once on success, and a failed item is recorded and skipped without
stopping the rest of the batch. Pause and cancel are checked between batches.

What a batch costs: the candidates' ids are read a few hundred at a time (not per batch); a batch's
items are claimed in one Redis round trip and re-read in one query; an action writes what the batch
made in one transaction (rows created together, one charge for the batch with one ledger row per
item); after the batch one statement shows the progress, keeps the lease and says whether to go on.
With `concurrency` N an action that sets `calls_in_threads` makes its provider calls N at a time
(`each`), in threads that never touch the database (so on SQLite too), and saves the batch itself.

Batches saved together: an action that calls its provider once per item whatever the batch
(`one_call_per_item`) gets several consecutive batches at once when nothing is to wait between them
(no `delay_seconds`), as many as its provider answers in about GROUP_SECONDS (at most MAX_GROUP items):
with a fast provider the claim, re-read, charge and progress of a batch are paid once for many, with a
slow one a group is one batch, as before. The provider calls are the same either way, one per item;
what a group changes is only how often the engine writes. A group behaves as its batches one after
the other would: an item whose provider call was refused for now waits (and the step is retried) while
the group's other items are saved, and a charge refused for the whole group is made item by item, in
order, up to the item it does not cover (`saved_in_order`).
"""

from __future__ import annotations

import contextvars
import time
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
from backend.billing.errors import InsufficientCredits
from backend.core.batching import bulk_created
from rules.core.contract import Action, ActionError, StepResult, merge_results
from rules.core.registry import registry

CANDIDATES = 500  # ids read at once from an action's queue
GROUP_SECONDS = 0.5  # batches saved together: about this much of the provider's work at most (see above)
MAX_GROUP = 50  # and at most this many items
MAX_NAMED = 10000  # ids a step may name (`ids`, `items`)
TRIGGER = "trigger"  # `items`: the run's triggering object
NOT_BOTH = "not together with `items`: give either `items` or `ids`"

ITEM_PARAMS: dict[str, Any] = {
    "items": {
        "description": 'Take exactly these items instead of the site\'s queue: "trigger" (the object whose event '
        "started the run, when it is of the kind this action takes; the step is skipped otherwise) or a list of "
        'ids, e.g. what an earlier step produced: {"var": "steps.<id>.output.ids"}. Items no longer waiting for '
        "this action are skipped. Not together with `ids`.",
        "anyOf": [
            {"const": TRIGGER, "title": "The object that triggered the run"},
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "maxItems": MAX_NAMED,
                "title": "These ids",
            },
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "title": "An earlier step's output (JSONLogic, read when the step starts)",
            },
        ],
    },
    "ids": {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "maxItems": MAX_NAMED,
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
    # "x-pipeline": set by the pipeline preset for itself; the rule editor's params form leaves them out.
    "enabled": {"x-pipeline": True, "type": "boolean", "description": "false: the step is skipped."},
    "handover_from": {
        "x-pipeline": True,
        "type": "string",
        "description": "Action whose queue must be empty before this step starts.",
    },
    "wait_before_seconds": {
        "type": "number",
        "minimum": 0,
        "maximum": 3600,
        "description": "Wait this long (without holding a worker) before starting.",
    },
    "stage": {
        "x-pipeline": True,
        "type": "integer",
        "minimum": 1,
        "maximum": 20,
        "description": "Stage number (pipeline presets).",
    },
}


def item_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The params JSON Schema of an item action: the common keys plus its own (`items` and `ids` exclude each
    other: with `items`, `ids` must be empty, an error at `ids`; `errorMessage`, as ajv-errors names it, is the
    wording meant for people)."""
    return {
        "type": "object",
        "properties": {**ITEM_PARAMS, **(extra or {})},
        "additionalProperties": False,
        "dependentSchemas": {"items": {"properties": {"ids": {"maxItems": 0, "errorMessage": NOT_BOTH}}}},
    }


def listed_ids(value: Any) -> list[int]:
    """`items` as the engine resolved it (a list, one value, or None for nothing): the ids, each once, in order.
    Anything that is not an id is a mistake in the rule (a permanent error)."""
    if isinstance(value, dict):
        raise ActionError(f"items: {value!r} was not resolved to a list of ids before the step ran", permanent=True)
    values = [] if value is None else value if isinstance(value, list) else [value]
    ids: dict[int, None] = {}
    for item in values:
        number = int(item) if isinstance(item, str) and item.strip().isdigit() else item
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ActionError(f"items: {item!r} is not an id (a whole number from 1)", permanent=True)
        ids[number] = None
    if len(ids) > MAX_NAMED:
        raise ActionError(f"items: {len(ids)} ids; a step takes at most {MAX_NAMED}", permanent=True)
    return list(ids)


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
    """What one batch did: items consumed and produced (with the ids of what it produced: the step's
    `output.ids`), per-item failures, numbers to add to the result."""

    consumed: int = 0
    produced: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    # Raised once the batch is counted: a provider refusal for now (its items wait in their input state and the
    # step is retried) or a hard stop (a charge refused: what was saved before it stays). `waiting`: the ids of
    # the batch's items it left in their input state (taken again by the retry).
    error: ActionError | None = None
    waiting: list[int] = field(default_factory=list)


class ItemAction(Action):
    item_kind: ClassVar[str]
    # Its input state in words, for named items not in it: "skipped keyword 12: not waiting to be clustered (…)".
    waiting: ClassVar[str] = "waiting for it"
    default_batch_size: ClassVar[int] = 1
    default_limit: ClassVar[int] = 20
    params_schema = item_schema()
    # True: process_batch gets the whole batch and makes its provider calls through `each` (N at a time with
    # `concurrency` N). False: with concurrency N, N threads each process one item of the batch.
    calls_in_threads: ClassVar[bool] = False
    # True: the provider is called once per item whatever the batch, so the engine may hand process_batch
    # several batches at once (see "Batches saved together"); process_batch then keeps a refusal for now with
    # its item (`BatchOutcome.error`) and saves through `saved_in_order`.
    one_call_per_item: ClassVar[bool] = False

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
        """The items a run of this step would take now: the named ids (the account's only) or the site's queue.
        `items` not known before the run (the trigger's object, an earlier step's output) name none."""
        if "items" in params:
            known = params["items"] if isinstance(params["items"], list) else []
            params = {**params, "ids": [i for i in known if isinstance(i, int) and not isinstance(i, bool)]}
            scope = Scope(account_id=account_id, site_id=site_id)
            return self.input_queryset(scope, params).filter(pk__in=params["ids"])
        queryset = self.input_queryset(Scope(account_id=account_id, site_id=site_id), params)
        return queryset.filter(pk__in=params["ids"]) if params.get("ids") else queryset

    def estimate_count(self, params: dict[str, Any], *, site_id: int | None, account_id: int) -> int:
        """How many items a run of this step would take now (ids of other accounts count as missing); the
        trigger's object counts as one, an earlier step's output (not known yet) as none."""
        if params.get("items") == TRIGGER:
            return 1
        if "items" in params:
            return self.estimate_queryset(params, site_id=site_id, account_id=account_id).count()
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

    def run(self, ctx, params) -> StepResult:
        if params.get("enabled") is False:
            return _skip("disabled in the configuration")
        start: dict[str, Any] = {}
        if "items" in params:
            named = self._named_items(ctx, params)
            if isinstance(named, StepResult):
                return named
            params, start = named
        if ctx.site_id is None and not params.get("ids"):
            raise ActionError(f"{self.key} needs a site (the rule's or the trigger's) or explicit ids", permanent=True)
        before = self._before_start(ctx, params)
        if before is not None:
            return before
        return self._run_batches(ctx, params, start)

    def _named_items(self, ctx, params) -> StepResult | tuple[dict[str, Any], dict[str, Any]]:
        """`items` as `ids` (and what to add to the step's result), or the skipped step: the trigger's object is
        of another kind, the list is empty, or none of the items waits for this action (one query)."""
        if params["items"] == TRIGGER:
            ids = self._trigger_ids(ctx)
            if isinstance(ids, str):
                return _skip(ids)
        else:
            ids = listed_ids(params["items"])
            if not ids:
                return _skip(f"no items to take: `items` names no {self.item_kind} (an earlier step produced none?)")
        params = {key: value for key, value in params.items() if key != "items"} | {"ids": ids}
        done = ctx.step_result
        seen = {*done.get("taken_ids", []), *done.get("failed_ids", []), *done.get("items_skipped", [])}
        waiting = set(self.input_queryset(ctx, params).filter(pk__in=ids).values_list("pk", flat=True))
        skipped = [item_id for item_id in ids if item_id not in waiting and item_id not in seen]
        start: dict[str, Any] = {}
        if skipped:
            listed = ", ".join(map(str, skipped[:20])) + (f" and {len(skipped) - 20} more" if len(skipped) > 20 else "")
            why = f"{self.item_kind} {listed}: not {self.waiting} (missing, another account's or done already)"
            start = {"items_skipped": skipped}
            if not waiting and not ctx.step_input_count:
                return _skip(f"nothing to do: {why}", start)
            ctx.log(f"skipped {why}")
        return params, start

    def _trigger_ids(self, ctx) -> list[int] | str:
        """The triggering object's id when it is of this action's kind; else why the step is skipped."""
        payload = ctx.payload or {}
        kind, found = payload.get("object_type"), payload.get("object")
        object_id = found.get("id") if isinstance(found, dict) else None
        takes = f"{self.key} takes {_plural(self.item_kind)}"
        if not kind:
            return f"the run's trigger carries no object; {takes} (items: trigger)"
        if kind != self.item_kind:
            return f"the trigger's object is {kind} {object_id}; {takes}".replace(" None;", ";")
        if isinstance(object_id, bool) or not isinstance(object_id, int) or object_id < 1:
            return f"the trigger's {kind} has no id; {takes}"
        return [object_id]

    def _before_start(self, ctx, params) -> StepResult | None:
        """Wait first, handover check, nothing to do: each answers for the whole step."""
        if params.get("wait_before_seconds") and not ctx.step_result.get("waited_before"):
            ctx.log(f"waiting {params['wait_before_seconds']} s before {self.name.lower()}")
            return StepResult(defer_seconds=params["wait_before_seconds"], result={"waited_before": True})
        if not ctx.step_result.get("handover_checked"):
            self._check_handover(ctx, params)
        if not params.get("ids") and ctx.step_input_count == 0 and not self.taken_queryset(ctx, params).exists():
            return _skip("nothing to do", {"handover_checked": True})
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
        if not isinstance(previous, ItemAction):
            raise ActionError(f"handover_from {previous_key!r}: not an action that works on a queue", permanent=True)
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

    def _run_batches(self, ctx, params, start: dict[str, Any] | None = None) -> StepResult:
        # With concurrency N a batch holds at least N items, so N are really in flight at once.
        batch_size = max(params.get("batch_size", self.default_batch_size), params.get("concurrency", 1))
        total = StepResult(result={"handover_checked": True, **(start or {}), "output": {"ids": []}})
        # What earlier executions of the step produced: an id is listed once (a cluster two batches used).
        produced = set((ctx.step_result.get("output") or {}).get("ids") or [])
        # Failed items are not taken again; named items are each taken once (some stay in their input state).
        tried = set(ctx.step_result.get("failed_ids", [])) | set(ctx.step_result.get("taken_ids", []))
        named = bool(params.get("ids"))
        unbounded = params.get("drain") or named
        remaining = None if unbounded else params.get("limit", self.default_limit) - ctx.step_input_count
        queue = _Queue(self, ctx, params, tried)
        group = _Group(batch_size, self.one_call_per_item and not params.get("delay_seconds"))
        execution = _Execution(params.get("concurrency", 1))
        token = _execution.set(execution)
        try:
            while remaining is None or remaining > 0:
                take = group.size if remaining is None else min(group.size, remaining)
                items, claimed = queue.next_batch(take)
                if not items:
                    break
                started = time.monotonic()
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
                group.took(len(items), time.monotonic() - started)
                tried.update(item_id for item_id, _ in outcome.failed)
                if named:
                    taken = [item.pk for item in items if item.pk not in outcome.waiting]
                    tried.update(taken)
                    total.result.setdefault("taken_ids", []).extend(taken)
                self._add(total, outcome, ctx, produced, batches=-(-len(items) // batch_size))
                if outcome.error is not None:
                    ctx.record_partial(total)  # this batch and the ones before are done and stay counted
                    raise outcome.error
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
            merged.ids += outcome.ids
            merged.result = merge_results(merged.result, outcome.result)
        return merged

    def _add(self, total: StepResult, outcome: BatchOutcome, ctx, produced: set[int], *, batches: int) -> None:
        total.input_count += outcome.consumed
        total.output_count += outcome.produced
        total.result = merge_results(total.result, outcome.result)
        total.result["batches"] = total.result.get("batches", 0) + batches
        new = [item_id for item_id in dict.fromkeys(outcome.ids) if item_id not in produced]
        produced.update(new)
        total.result["output"]["ids"].extend(new)
        if outcome.failed:
            total.result.setdefault("failed_ids", []).extend(i for i, _ in outcome.failed)
            total.result.setdefault("errors", []).extend(f"{self.item_kind} {i}: {m}" for i, m in outcome.failed)
            for item_id, message in outcome.failed:
                ctx.log(f"{self.item_kind} {item_id} failed: {message}", level="warning")


def _plural(kind: str) -> str:
    return kind if kind == "content" else f"{kind}s"


def _skip(reason: str, result: dict[str, Any] | None = None) -> StepResult:
    """A step with nothing to do: recorded `skipped` with the reason (and, as every item step, `output.ids`)."""
    return StepResult(skipped=True, result={"skip_reason": reason, **(result or {}), "output": {"ids": []}})


def saved_in_order(save: Callable[[list], list], rows: list) -> tuple[list, ActionError | None]:
    """`save(rows)` (one transaction that charges for them); when the charge is refused for all of them together
    (credits, a budget), `save([row])` for each row in order up to the one refused: what batches of one would
    have saved. Returns what the saves returned, concatenated, and the hard stop when one was refused."""
    try:
        return save(rows), None
    except InsufficientCredits as exc:
        if len(rows) <= 1:
            return [], hard_stop(exc)
    saved: list = []
    for row in rows:
        try:
            saved += save([row])
        except InsufficientCredits as exc:
            return saved, hard_stop(exc)
    return saved, None  # (credits came in meanwhile: every row was saved after all)


def left_waiting(items: list, done: Iterable[int], outcome: BatchOutcome) -> None:
    """Count the batch's items: those saved (`done`, their ids) or failed are consumed, the others wait."""
    consumed = {*done, *(item_id for item_id, _ in outcome.failed)}
    outcome.waiting = [item.pk for item in items if item.pk not in consumed]
    outcome.consumed = len(items) - len(outcome.waiting)


def hard_stop(exc: InsufficientCredits) -> ActionError:
    """Running out of credits (or reaching a budget) stops the step for good (a hard stop recorded in the run)."""
    return ActionError(f"hard stop: {exc}", permanent=True)


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


class _Group:
    """How many items the next call of process_batch takes: one batch, or (`one_call_per_item`, nothing to wait
    between batches) whole batches for about GROUP_SECONDS of the time the last group took per item."""

    def __init__(self, batch_size: int, enabled: bool) -> None:
        self.batch_size, self.enabled = batch_size, enabled
        self.size = batch_size

    def took(self, items: int, seconds: float) -> None:
        if not self.enabled or not items:
            return
        fits = int(GROUP_SECONDS / max(seconds / items, 1e-4))
        batches = max(1, min(fits, MAX_GROUP) // self.batch_size)
        self.size = batches * self.batch_size


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
