"""The ActionExecutor: runs a run's steps in order, one Celery task per step.

State lives in the database, so every decision survives a worker dying:
- a step task first takes the step's lease (a conditional UPDATE); a second delivery of the same
  task finds the lease held, or the step finished, and does nothing — completed steps never repeat;
- a heartbeat thread extends the lease while the action runs (on every database); a killed worker's
  lease expires and `recover_stale_runs` enqueues the step again; an execution whose lease was taken
  over stops at its next check and records nothing;
- an execution that never records an outcome (its worker died) is counted; after AUTOMATION_MAX_DELIVERIES
  of them the step fails with why and the message is dead-lettered instead of redelivered forever;
- waits never hold a worker: a deferred step records `wake_at` and comes back through a countdown;
- transient errors retry with exponential backoff up to the step's limit; permanent ones fail at once;
- pause and cancel are statuses the next step task (and batched actions, between batches) obey.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from actions.base import ActionError, StepResult
from actions.context import ActionContext
from actions.registry import UnknownAction, registry
from backend.billing.services import Reference, credits_release, credits_reserve
from backend.core.logs import logging_step
from rules.causation import causing
from rules.models import AutomationRun, DeadLetter, RunStep
from rules.runlog import run_log, step_label

log = logging.getLogger(__name__)
Status, StepStatus = AutomationRun.Status, RunStep.Status
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (OperationalError, ConnectionError, TimeoutError)
# A deferred step is re-sent at least this often, so no message waits long in a broker (visibility timeouts).
MAX_COUNTDOWN_SECONDS = 300


def lease_seconds() -> int:
    return int(getattr(settings, "AUTOMATION_LEASE_SECONDS", 60))


# --- starting and finishing runs -------------------------------------------------------------


def run_start(run: AutomationRun, steps: list[RunStep] | None = None) -> AutomationRun:
    """queued → running: reserve the estimated credits, then enqueue the first pending step.

    Raises InsufficientCredits (having changed nothing) when the account cannot cover the estimate.
    """
    steps = steps if steps is not None else list(run.steps.all())
    estimate = run_estimate(run, steps)
    if estimate > 0:
        credits_reserve(
            account_id=run.account_id,
            amount=estimate,
            operation="run_reservation",
            reference=Reference(run_id=run.run_id),
        )
    now = timezone.now()
    fields = {
        "status": Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "credits_reserved": estimate,
        "initial_snapshot": initial_snapshot(run, steps),
    }
    AutomationRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run_log(
        run,
        f"run started ({run.trigger_type}), rule {run.rule_name!r} v{run.rule_version}"
        + (f", {estimate} credits reserved" if estimate else ""),
    )
    _enqueue_next(run, steps)
    return run


# Presets may project a whole run (later steps consume what earlier ones create): preset_key -> fn(run).
PRESET_ESTIMATORS: dict[str, Any] = {}


def run_estimate(run: AutomationRun, steps: list[RunStep] | None = None) -> Decimal:
    """The credits to reserve: the preset's projection, else the sum of the pending steps' estimates."""
    preset = run.rule.preset_key if run.rule_id and run.rule else ""
    if preset in PRESET_ESTIMATORS:
        return Decimal(PRESET_ESTIMATORS[preset](run))
    total = Decimal("0")
    for step in steps if steps is not None else run.steps.all():
        if step.status != StepStatus.PENDING:
            continue
        try:
            total += registry.get(step.action_type).estimate(
                step.params, site_id=run.site_id, account_id=run.account_id
            )
        except UnknownAction:
            continue
    return total


def initial_snapshot(run: AutomationRun, steps: list[RunStep]) -> dict[str, int]:
    """Queue sizes at the start, per step (`stage_N_initial`, as the seeds name them) and in total."""
    snapshot: dict[str, int] = {}
    for step in steps:
        try:
            action = registry.get(step.action_type)
        except UnknownAction:
            continue
        if hasattr(action, "pending_count") and run.site_id:
            snapshot[f"stage_{step.index + 1}_initial"] = action.pending_count(run.site_id)
    snapshot["total_initial_items"] = sum(snapshot.values())
    return snapshot


def finish_run(run: AutomationRun, status: str, error: str = "") -> None:
    """Close a run: settle the reservation, record the end, start the next queued run of its group."""
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "completed_at": now, "heartbeat_at": now}
    if error:
        fields["error_message"] = error[:5000]
    updated = AutomationRun.objects.filter(pk=run.pk).exclude(status__in=AutomationRun.FINISHED).update(**fields)
    if not updated:
        return
    run.refresh_from_db()
    run.steps.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).update(
        status=StepStatus.CANCELLED if status == Status.CANCELLED else StepStatus.SKIPPED, lease_token=""
    )
    leftover = run.credits_reserved - min(run.total_credits_used, run.credits_reserved)
    if leftover > 0:
        credits_release(
            account_id=run.account_id,
            amount=leftover,
            operation="run_settlement",
            reference=Reference(run_id=run.run_id),
        )
    run_log(
        run,
        f"run {status}" + (f": {error}" if error else "") + f"; credits used {run.total_credits_used}",
        level="error" if status == Status.FAILED else "info",
    )
    from rules.dispatch import on_run_finished

    transaction.on_commit(lambda: on_run_finished(run.pk))


# --- enqueueing ------------------------------------------------------------------------------


def _enqueue_next(run: AutomationRun, steps: list[RunStep] | None = None) -> None:
    """Enqueue the first unfinished step (from `steps` when the caller has them), or complete the run."""
    unfinished = (StepStatus.PENDING, StepStatus.RUNNING)
    if steps is None:
        step = run.steps.filter(status__in=unfinished).order_by("index").first()
    else:
        step = next((s for s in sorted(steps, key=lambda s: s.index) if s.status in unfinished), None)
    if step is None:
        finish_run(run, Status.COMPLETED)
        return
    if run.current_step != step.index:
        AutomationRun.objects.filter(pk=run.pk).update(current_step=step.index)
    enqueue_step(run.pk, step.index, step=step)


def enqueue_step(run_pk: int, index: int, *, countdown: float = 0, step: RunStep | None = None) -> None:
    """Send the step task to its action's queue once the current transaction commits."""
    from actions.tasks import execute_step

    step = step or RunStep.objects.get(run_id=run_pk, index=index)
    try:
        queue = registry.get(step.action_type).queue
    except UnknownAction:
        queue = "default"
    options: dict[str, Any] = {"queue": queue, "countdown": min(max(0.0, countdown), MAX_COUNTDOWN_SECONDS)}
    if step.timeout:
        options.update(soft_time_limit=step.timeout, time_limit=step.timeout + 30)
    transaction.on_commit(lambda: execute_step.apply_async((run_pk, index), **options))


# --- executing one step ----------------------------------------------------------------------


def execute_step(run_pk: int, index: int) -> None:
    """Run step `index` of a run if it is due; safe to call twice (leases and statuses decide)."""
    run = AutomationRun.objects.filter(pk=run_pk).first()
    if run is None or run.status != Status.RUNNING:
        return
    step = run.steps.filter(index=index).first()
    if step is None or step.status not in (StepStatus.PENDING, StepStatus.RUNNING):
        return
    if step.wake_at and step.wake_at > timezone.now() and not _eager():
        # An early delivery of a deferred step (a long wait is re-sent in parts): come back later.
        enqueue_step(run.pk, index, countdown=(step.wake_at - timezone.now()).total_seconds(), step=step)
        return
    previous_owner = _owner(run, step) if step.lease_token else ""
    token = _take_lease(step)
    if token is None:
        return  # another delivery holds it
    step.refresh_from_db()
    if step.status == StepStatus.RUNNING and _lost_too_often(run, step):
        return
    if "progress" in step.result:  # batches a dead execution finished: count them before going on
        _accumulate(
            step,
            StepResult(step.result["progress"].get("input_count", 0), step.result["progress"].get("output_count", 0)),
        )
    step.status, step.attempts, step.wake_at = StepStatus.RUNNING, step.attempts + 1, None
    step.started_at = step.started_at or timezone.now()
    step.save()
    run_log(run, f"{step_label(step)} attempt {step.attempts} started", step=step)
    beat = _Heartbeat(run.pk, step.pk, token)
    beat.start()
    with logging_step(run_id=run.run_id, step=index, action=step.action_type):
        try:
            outcome = _call_action(run, step, beat, previous_owner)
        finally:
            beat.stop()
        _apply_outcome(run, step, outcome, token)


def _eager() -> bool:
    """Tasks run inline (tests, `run_pipeline --inline`): waits are not waited for."""
    from backend.celery import app

    return bool(app.conf.task_always_eager)


def _owner(run: AutomationRun, step: RunStep) -> str:
    """Who holds the claims of the step's current execution."""
    return f"{run.run_id}:{step.index}:{step.lease_token}"


def _take_lease(step: RunStep) -> str | None:
    """Take the step's lease if it is free or expired; the lease held when we looked is the one replaced."""
    token, now = uuid.uuid4().hex, timezone.now()
    taken = (
        RunStep.objects.filter(pk=step.pk, status__in=[StepStatus.PENDING, StepStatus.RUNNING])
        .filter(lease_token=step.lease_token)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_token=""))
        .update(lease_token=token, lease_until=now + timedelta(seconds=lease_seconds()))
    )
    return token if taken else None


def _lost_too_often(run: AutomationRun, step: RunStep) -> bool:
    """The step was running when this delivery came: its last execution was lost. Fail it when that keeps
    happening (an action that kills its worker, e.g. out of memory), instead of redelivering it forever."""
    step.lost_executions += 1
    RunStep.objects.filter(pk=step.pk).update(lost_executions=step.lost_executions)
    limit = settings.AUTOMATION_MAX_DELIVERIES
    run_log(
        run,
        f"{step_label(step)}: its last execution was lost (worker died or was killed), "
        f"{step.lost_executions} of at most {limit}",
        step=step,
        level="warning",
    )
    if step.lost_executions < limit:
        return False
    reason = (
        f"{step_label(step)} was lost {step.lost_executions} times: its worker died every time it ran it "
        "(out of memory or killed); the step is not run again automatically (AUTOMATION_MAX_DELIVERIES)"
    )
    DeadLetter.objects.create(
        task="actions.execute_step",
        args=[run.pk, step.index],
        account_id=run.account_id,
        run=run,
        deliveries=step.lost_executions,
        reason=reason,
    )
    with transaction.atomic():
        RunStep.objects.filter(pk=step.pk).update(
            status=StepStatus.FAILED,
            error=reason,
            error_kind="permanent",
            finished_at=timezone.now(),
            lease_token="",
            lease_until=None,
        )
        run_log(run, reason, step=step, level="error")
        finish_run(run, Status.FAILED, reason)
    return True


class _Heartbeat:
    """Extends the step lease and the run heartbeat while an action runs (in a thread).

    When the lease turns out to belong to another execution, `lost` is set: the action stops at its next
    check and this execution records nothing.
    """

    def __init__(self, run_pk: int, step_pk: int, token: str) -> None:
        self.run_pk, self.step_pk, self.token = run_pk, step_pk, token
        self.stopped = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def is_lost(self) -> bool:
        return self.lost.is_set()

    def beat(self) -> bool:
        """Extend the lease now; False when another execution holds it."""
        now = timezone.now()
        held = RunStep.objects.filter(pk=self.step_pk, lease_token=self.token).update(
            lease_until=now + timedelta(seconds=lease_seconds())
        )
        if held:
            AutomationRun.objects.filter(pk=self.run_pk).update(heartbeat_at=now)
        else:
            self.lost.set()
        return bool(held)

    def _loop(self) -> None:
        interval = max(0.5, lease_seconds() / 3)
        try:
            while not self.stopped.wait(interval):
                try:
                    if not self.beat():
                        return
                except OperationalError as exc:  # a busy database: the next beat comes well within the lease
                    log.warning("heartbeat of step %s failed: %s", self.step_pk, exc)
        finally:
            close_old_connections()
            connection.close()


def _call_action(run: AutomationRun, step: RunStep, beat: _Heartbeat, previous_owner: str) -> StepResult | ActionError:
    ctx = ActionContext(run=run, step=step, lease=beat, previous_owner=previous_owner)
    try:
        action = registry.get(step.action_type)
        with causing(ctx.child_causation()):
            return action.run(ctx, step.params)
    except UnknownAction:
        return ActionError(f"unknown action type {step.action_type!r}", permanent=True)
    except ActionError as exc:
        return exc
    except TRANSIENT_EXCEPTIONS as exc:
        return ActionError(f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a bug in an action fails its step, not the worker
        if exc.__class__.__name__ == "SoftTimeLimitExceeded":
            return ActionError(f"step timed out after {step.timeout} s")
        log.exception("action %s crashed", step.action_type)
        return ActionError(f"{exc.__class__.__name__}: {exc}", permanent=True)


def _apply_outcome(run: AutomationRun, step: RunStep, outcome: StepResult | ActionError, token: str) -> None:
    with transaction.atomic():
        step = RunStep.objects.select_for_update().get(pk=step.pk)
        if step.lease_token != token:
            return  # the run was cancelled or the lease was taken over; the new holder decides
        step.lease_token, step.lease_until = "", None
        run.refresh_from_db()
        if isinstance(outcome, ActionError):
            _step_failed(run, step, outcome)
        else:
            _step_succeeded(run, step, outcome)


def record_partial(step: RunStep, result: StepResult, *, token: str) -> None:
    """Keep what a step did before it raised (earlier batches stay counted when a later one fails)."""
    with transaction.atomic():
        fresh = RunStep.objects.select_for_update().filter(pk=step.pk, lease_token=token).first()
        if fresh is None:
            return  # superseded: the execution holding the lease now records for the step
        _accumulate(fresh, result)
        fresh.save(update_fields=["input_count", "output_count", "result"])


def _accumulate(step: RunStep, result: StepResult) -> None:
    step.result.pop("progress", None)  # live counts of the finished execution, now added for good
    step.input_count += result.input_count
    step.output_count += result.output_count
    merged = dict(step.result)
    for key, value in result.result.items():
        old = merged.get(key)
        if isinstance(value, (int, float)) and isinstance(old, (int, float)) and not isinstance(value, bool):
            merged[key] = old + value
        elif isinstance(value, list) and isinstance(old, list):
            merged[key] = old + value
        else:
            merged[key] = value
    step.result = merged


def _step_succeeded(run: AutomationRun, step: RunStep, result: StepResult) -> None:
    _accumulate(step, result)
    if result.defer_seconds:
        _defer(run, step, result.defer_seconds)
        return
    if result.paused:
        step.status = StepStatus.PENDING
        step.save()
        run_log(run, f"{step_label(step)} stopped between batches ({run.status})", step=step)
        return
    done = StepStatus.SKIPPED if result.skipped and not step.output_count else StepStatus.COMPLETED
    step.status, step.finished_at, step.error, step.error_kind = done, timezone.now(), "", ""
    step.save()
    reason = step.result.get("skip_reason")
    run_log(
        run,
        f"{step_label(step)} {done}: in {step.input_count}, out "
        f"{step.output_count}, credits {step.credits_used}" + (f" ({reason})" if reason else ""),
        step=step,
    )
    if run.status == Status.RUNNING:
        _enqueue_next(run)


def _defer(run: AutomationRun, step: RunStep, seconds: float) -> None:
    """Come back in `seconds` without holding a worker; pause and cancel take effect meanwhile."""
    wake_at = timezone.now() + timedelta(seconds=seconds)
    step.status, step.attempts, step.wake_at = StepStatus.PENDING, max(0, step.attempts - 1), wake_at  # no attempt
    step.save()
    # Not stale while it waits: recovery looks at the heartbeat.
    AutomationRun.objects.filter(pk=run.pk).update(heartbeat_at=wake_at)
    if run.status == Status.RUNNING:
        enqueue_step(run.pk, step.index, countdown=seconds)


def _step_failed(run: AutomationRun, step: RunStep, error: ActionError) -> None:
    step.error, step.error_kind = error.message[:5000], ("permanent" if error.permanent else "transient")
    retries_left = step.max_retries - (step.attempts - 1)
    if not error.permanent and retries_left > 0 and run.status == Status.RUNNING:
        wait = step.retry_backoff * (2 ** (step.attempts - 1))
        step.status = StepStatus.PENDING
        step.save()
        run_log(
            run,
            f"{step_label(step)} attempt {step.attempts} failed ({error.message}); retrying in {wait:g} s",
            step=step,
            level="warning",
        )
        enqueue_step(run.pk, step.index, countdown=wait)
        return
    step.status, step.finished_at = StepStatus.FAILED, timezone.now()
    step.save()
    run_log(run, f"{step_label(step)} failed ({step.error_kind}): {error.message}", step=step, level="error")
    if step.on_error == "continue" and run.status == Status.RUNNING:
        run_log(run, f"on_error=continue: going on after {step_label(step)}", step=step)
        _enqueue_next(run)
    elif run.status == Status.RUNNING:
        finish_run(run, Status.FAILED, f"{step_label(step)} failed: {error.message}")


# --- control: pause, resume, cancel, retry ---------------------------------------------------


class RunStateError(Exception):
    """The run is not in a state that allows this operation."""


def run_pause(run: AutomationRun) -> AutomationRun:
    """Takes effect between steps (and between batches inside batched actions)."""
    if not AutomationRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        status=Status.PAUSED, paused_at=timezone.now()
    ):
        raise RunStateError(f"run {run.run_id} is {run.status}; only a running run can be paused")
    run.refresh_from_db()
    run_log(run, "run paused")
    return run


def run_resume(run: AutomationRun) -> AutomationRun:
    """Continue from the first unfinished step."""
    if not AutomationRun.objects.filter(pk=run.pk, status=Status.PAUSED).update(
        status=Status.RUNNING, resumed_at=timezone.now(), heartbeat_at=timezone.now()
    ):
        raise RunStateError(f"run {run.run_id} is {run.status}; only a paused run can be resumed")
    run.refresh_from_db()
    run_log(run, "run resumed")
    running = run.steps.filter(status=StepStatus.RUNNING, lease_token__gt="").exists()
    if not running:  # a step still finishing its batch will enqueue the next one itself
        _enqueue_next(run)
    return run


def run_cancel(run: AutomationRun, *, reason: str = "cancelled by user") -> AutomationRun:
    """Stop the run and mark the steps that did not finish cancelled."""
    if run.status in AutomationRun.FINISHED:
        raise RunStateError(f"run {run.run_id} is already {run.status}")
    AutomationRun.objects.filter(pk=run.pk).update(cancelled_at=timezone.now())
    finish_run(run, Status.CANCELLED, reason)
    run.refresh_from_db()
    return run


def run_retry(run: AutomationRun, *, from_start: bool = False) -> AutomationRun:
    """A failed or cancelled run again, from its failed step (or the start), as a new attempt."""
    if run.status not in (Status.FAILED, Status.CANCELLED):
        raise RunStateError(f"run {run.run_id} is {run.status}; only failed or cancelled runs can be retried")
    steps = run.steps.all()
    if not from_start:
        first = steps.exclude(status=StepStatus.COMPLETED).order_by("index").first()
        steps = steps.filter(index__gte=first.index if first else 0)
    steps.update(
        status=StepStatus.PENDING,
        error="",
        error_kind="",
        finished_at=None,
        lease_token="",
        lease_until=None,
        wake_at=None,
        lost_executions=0,
    )
    AutomationRun.objects.filter(pk=run.pk).update(
        status=Status.QUEUED, attempt=run.attempt + 1, completed_at=None, cancelled_at=None, error_message=""
    )
    run.refresh_from_db()
    run_log(run, f"retry as attempt {run.attempt} from {'the start' if from_start else 'the failed step'}")
    from rules.dispatch import admit_run

    return admit_run(run)


# --- recovery --------------------------------------------------------------------------------


def recover_stale_runs() -> list[str]:
    """Re-enqueue the current step of running runs whose worker went away (expired lease, stale heartbeat)."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=lease_seconds())
    recovered = []
    for run in AutomationRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale_before):
        step = run.steps.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).order_by("index").first()
        if step is None:
            finish_run(run, Status.COMPLETED)
            continue
        if step.lease_until and step.lease_until > now:
            continue  # a live worker holds it
        # The token stays: the next execution takes over the item claims of the lost one.
        RunStep.objects.filter(pk=step.pk).update(lease_until=None)
        AutomationRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        run_log(
            run,
            f"worker lost: {step_label(step)} enqueued again (heartbeat stale since {run.heartbeat_at})",
            step=step,
            level="warning",
        )
        enqueue_step(run.pk, step.index)
        recovered.append(run.run_id)
    return recovered
