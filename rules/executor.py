"""The executor: one step execution is lease → call the action → apply the transition its outcome calls for.

State lives in the database, so every decision survives a worker dying:
- an execution first takes the step's lease (a conditional UPDATE); a second delivery of the same message
  finds the lease held, or the step finished, and does nothing: completed steps never repeat;
- a heartbeat thread extends the lease while the action runs (on every database); a killed worker's lease
  expires and recovery (rules.lifecycle.recover_stale_runs) sends the step again; an execution whose lease
  was taken over stops at its next check and records nothing;
- an execution that never records an outcome (its worker died) is counted; after AUTOMATION_MAX_DELIVERIES
  of them the step fails with why and a DeadLetter is kept, instead of a redelivery loop;
- the outcome's transition (rules.core.transitions) is applied in one conditional write, then the run
  moves on through rules.lifecycle.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from backend.core import outbound
from backend.core.logs import logging_step
from rules import stats, waits
from rules.context import ActionContext, add_to_step
from rules.core.causation import causing
from rules.core.contract import ActionError, StepResult, merge_results
from rules.core.dryrun import dry_running
from rules.core.flow import LEAF_CONTROLS
from rules.core.registry import UnknownAction, registry
from rules.core.transitions import Kind, StepState, Transition, transition
from rules.lifecycle import UNFINISHED, advance_flow, advance_to, finish_run, lease_seconds, send_step
from rules.models import AutomationRun, DeadLetter, RunStep
from rules.runlog import FLUSH_SECONDS, LogBuffer, step_label

log = logging.getLogger(__name__)
Status, StepStatus = AutomationRun.Status, RunStep.Status
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (OperationalError, ConnectionError, TimeoutError)


def execute_step(step_pk: int) -> None:
    """Run a step if it is due; safe to call twice (leases and statuses decide)."""
    step, following = _step_and_next(step_pk)
    if step is None or step.run.status != Status.RUNNING or step.status not in UNFINISHED:
        return
    run = step.run
    if step.wake_at and step.wake_at > timezone.now() and not current_app.conf.task_always_eager:
        # An early delivery of a deferred step (a long wait is sent again in parts): come back later.
        send_step(step, countdown=(step.wake_at - timezone.now()).total_seconds())
        return
    was_running, previous_owner = step.status == StepStatus.RUNNING, _owner(run, step)
    token = _take_lease(step, lost=was_running)
    if token is None:
        return  # another delivery holds it
    logs = LogBuffer(run, step)
    if was_running and _lost_too_often(run, step, logs):
        return
    if "progress" in step.result:  # batches a dead execution finished: count them before going on
        progress = step.result["progress"]
        add_to_step(step, StepResult(progress.get("input_count", 0), progress.get("output_count", 0)))
    logs.add(f"{step_label(step)} attempt {step.attempts} started")
    lease = _Lease(run.pk, step.pk, token, logs)
    _keeper.keep(lease)
    with logging_step(run_id=run.run_id, step=step.index, action=step.action_type):
        try:
            ctx = ActionContext(run=run, step=step, lease=lease, previous_owner=previous_owner, logs=logs)
            outcome = _call_dry(ctx, step) if run.dry_run else _call_action(ctx, step)
        finally:
            _keeper.release(lease)
        _apply(run, step, outcome, token, logs, following)


@functools.cache
def _step_read() -> str:
    """The read every execution starts with, as SQL: the step and its run, and the run's next unfinished step
    after it (where the run goes when this one is done), with the run's columns on each row. Raw SQL because
    this is the engine's hottest read and building it through the ORM took twice the time of running it
    (make bench: engine_overhead)."""
    q = connection.ops.quote_name
    steps, runs = q(RunStep._meta.db_table), q(AutomationRun._meta.db_table)
    columns = ", ".join(f"{table}.{q(f.column)}" for table, f in _STEP_READ_FIELDS)
    index, unfinished = q("index"), ", ".join(f"'{status}'" for status in UNFINISHED)
    return (
        f"SELECT {columns} FROM {steps} s JOIN {runs} r ON r.id = s.run_id "
        f"WHERE s.run_id = (SELECT run_id FROM {steps} WHERE id = %s) "
        f"AND (s.id = %s OR (s.{index} > (SELECT {index} FROM {steps} WHERE id = %s) AND s.status IN ({unfinished}))) "
        f"ORDER BY s.{index} LIMIT 2"
    )


_STEP_READ_FIELDS = [("s", f) for f in RunStep._meta.concrete_fields] + [
    ("r", f) for f in AutomationRun._meta.concrete_fields
]


def _step_and_next(step_pk: int) -> tuple[RunStep | None, RunStep | None]:
    """The step with its run, and the run's next unfinished step after it (None when it is the last).

    Rows become models as Django's raw() makes them: each column through its field's database converters
    (dates, JSON, decimals: they differ between SQLite and PostgreSQL), then `Model.from_db`."""
    compiler = connection.ops.compiler("SQLCompiler")(RunStep.objects.none().query, connection, connection.alias)
    fields = [f for _, f in _STEP_READ_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_step_read(), [step_pk, step_pk, step_pk])
        rows = cursor.fetchall()
    converters = compiler.get_converters([f.get_col(f.model._meta.db_table) for f in fields])
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    if not rows or rows[0][0] != step_pk:
        return None, None
    split = len(RunStep._meta.concrete_fields)
    step_names = [f.attname for f in RunStep._meta.concrete_fields]
    run_names = [f.attname for f in AutomationRun._meta.concrete_fields]
    found = [RunStep.from_db(connection.alias, step_names, row[:split]) for row in rows]
    found[0].run = AutomationRun.from_db(connection.alias, run_names, rows[0][split:])
    return found[0], found[1] if len(found) > 1 else None


def _owner(run: AutomationRun, step: RunStep) -> str:
    """Who holds the claims of the step's current execution ('' when none does)."""
    return f"{run.run_id}:{step.index}:{step.lease_token}" if step.lease_token else ""


def _take_lease(step: RunStep, *, lost: bool = False) -> str | None:
    """Take the step's lease if it is free or expired (the lease we saw is the one replaced), and mark the
    step running as a new attempt, in one write; `lost`: the step was running, so its last execution was lost."""
    token, now = uuid.uuid4().hex, timezone.now()
    taken = (
        RunStep.objects.filter(pk=step.pk, status__in=UNFINISHED)
        .filter(lease_token=step.lease_token)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_token=""))
        .update(
            lease_token=token,
            lease_until=now + timedelta(seconds=lease_seconds()),
            status=StepStatus.RUNNING,
            attempts=step.attempts + 1,
            started_at=step.started_at or now,
            wake_at=None,
            lost_executions=step.lost_executions + int(lost),
        )
    )
    if not taken:
        return None
    step.lease_token, step.status, step.attempts = token, StepStatus.RUNNING, step.attempts + 1
    step.started_at, step.wake_at, step.lost_executions = step.started_at or now, None, step.lost_executions + int(lost)
    return token


def _lost_too_often(run: AutomationRun, step: RunStep, logs: LogBuffer) -> bool:
    """The step was running when this delivery came: its last execution was lost. Fail it when that keeps
    happening (an action that kills its worker, e.g. out of memory), instead of redelivering it forever."""
    limit = settings.AUTOMATION_MAX_DELIVERIES
    logs.add(
        f"{step_label(step)}: its last execution was lost (worker died or was killed), "
        f"{step.lost_executions} of at most {limit}",
        level="warning",
    )
    if step.lost_executions < limit:
        logs.flush()  # written now: this execution may be lost the same way
        return False
    reason = (
        f"{step_label(step)} was lost {step.lost_executions} times: its worker died every time it ran it "
        "(out of memory or killed); the step is not run again automatically (AUTOMATION_MAX_DELIVERIES)"
    )
    DeadLetter.objects.create(
        task="rules.execute_step",
        args=[step.pk],
        account_id=run.account_id,
        run=run,
        deliveries=step.lost_executions,
        reason=reason,
    )
    with transaction.atomic():
        RunStep.objects.filter(pk=step.pk).update(
            status=StepStatus.FAILED,
            attempts=step.attempts - 1,  # this delivery does not run it
            error=reason,
            error_kind="permanent",
            finished_at=timezone.now(),
            lease_token="",
            lease_until=None,
        )
        stats.step_finished(step.action_type, StepStatus.FAILED)
        logs.add(reason, level="error")
        logs.flush()
        if run.program is not None:
            advance_flow(run)
        else:
            finish_run(run, Status.FAILED, reason)
    return True


class _Lease:
    """This execution's hold on its step, kept alive by the process's keeper while the action runs.

    When a beat finds the lease belongs to another execution, `lost` is set: the action stops at its next
    check and this execution records nothing.
    """

    def __init__(self, run_pk: int, step_pk: int, token: str, logs: LogBuffer) -> None:
        self.run_pk, self.step_pk, self.token, self.logs = run_pk, step_pk, token, logs
        self.lost = threading.Event()
        self.next_beat = time.monotonic() + _beat_interval()

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
        self.next_beat = time.monotonic() + _beat_interval()
        return bool(held)


def _beat_interval() -> float:
    return max(0.5, lease_seconds() / 3)


class _Keeper:
    """One thread per worker process keeps every running execution's lease: every FLUSH_SECONDS it writes the
    log lines that waited that long, and beats each lease every lease/3 seconds. Executions only register and
    unregister (no thread started per step), and most steps end before anything is due, so the keeper never
    touches the database for them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leases: dict[str, _Lease] = {}
        self.work = threading.Event()  # set while there are leases to keep
        self.thread: threading.Thread | None = None

    def keep(self, lease: _Lease) -> None:
        with self.lock:
            self.leases[lease.token] = lease
            self.work.set()
            if self.thread is None or not self.thread.is_alive():  # first use in this (forked) process
                self.thread = threading.Thread(target=self._loop, name="lease-keeper", daemon=True)
                self.thread.start()

    def release(self, lease: _Lease) -> None:
        with self.lock:
            self.leases.pop(lease.token, None)
            if not self.leases:
                self.work.clear()

    def _loop(self) -> None:
        while True:
            self.work.wait()
            time.sleep(FLUSH_SECONDS)
            with self.lock:
                leases = list(self.leases.values())
            touched = False
            for lease in leases:
                try:
                    if lease.logs.lines:
                        touched = True
                        lease.logs.flush_if_due()
                    if time.monotonic() >= lease.next_beat and not lease.is_lost():
                        touched = True
                        lease.beat()
                except OperationalError as exc:  # a busy database: the next beat comes well within the lease
                    log.warning("heartbeat of step %s failed: %s", lease.step_pk, exc)
            if touched:
                close_old_connections()  # drop a connection that broke (a restarted database) or aged out


_keeper = _Keeper()


def _call_action(ctx: ActionContext, step: RunStep) -> StepResult | ActionError:
    try:
        if step.action_type in LEAF_CONTROLS:  # a wait or a call_rule of a program: the engine's own
            return waits.run_control(ctx, step)
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


def _call_dry(ctx: ActionContext, step: RunStep) -> StepResult | ActionError:
    """A dry run's step: the action runs with outbound calls refused and AI through the offline provider, and
    everything it wrote (items, ledger rows, the events they emit) is rolled back; the step records what it did
    and what it would have charged and called. Waits and called rules are the run's own: they run as usual."""
    if step.action_type in LEAF_CONTROLS:
        return _call_action(ctx, step)
    with transaction.atomic(), dry_running(), outbound.refusing("a dry run makes no outbound calls"):
        outcome = _call_action(ctx, step)
        transaction.set_rollback(True)
    if isinstance(outcome, StepResult):
        outcome.result = merge_results(outcome.result, ctx.dry_run_result())
    return outcome


def _apply(
    run: AutomationRun,
    step: RunStep,
    outcome: StepResult | ActionError,
    token: str,
    logs: LogBuffer,
    following: RunStep | None,
) -> None:
    """Record the outcome's transition on the step (only while the lease is still ours), then move the run on
    (to `following`, the next unfinished step, when the step is done)."""
    if isinstance(outcome, StepResult):
        add_to_step(step, outcome)
    state = StepState(step.attempts, step.max_retries, step.retry_backoff, step.on_error, step.output_count)
    if isinstance(outcome, ActionError):  # whether to retry depends on the run still running: read it now
        run.status = AutomationRun.objects.filter(pk=run.pk).values_list("status", flat=True).first() or run.status
    move = transition(state, outcome, run_running=run.status == Status.RUNNING)
    fields = _fields(step, move, outcome)
    with transaction.atomic():
        if not RunStep.objects.filter(pk=step.pk, lease_token=token).update(**fields):
            return  # the run was cancelled or the step taken over; the new holder decides
        for name, value in fields.items():
            setattr(step, name, value)
        if step.finished_at is not None and "finished_at" in fields:
            ran = (step.finished_at - step.started_at).total_seconds() if step.started_at else None
            stats.step_finished(step.action_type, move.status, seconds=ran)
        message, level = _line(step, move, outcome)
        logs.add(message, level=level)
        logs.flush()
        _move_run(run, step, move, outcome, following)


def _fields(step: RunStep, move: Transition, outcome: StepResult | ActionError) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "status": move.status,
        "lease_token": "",
        "lease_until": None,
        "input_count": step.input_count,
        "output_count": step.output_count,
        "result": step.result,
    }
    if isinstance(outcome, ActionError):
        fields.update(error=outcome.message[:5000], error_kind=move.error_kind)
    elif move.kind == Kind.COMPLETE:
        fields.update(error="", error_kind="")
    if move.kind in (Kind.COMPLETE, Kind.FAIL, Kind.CONTINUE):
        fields["finished_at"] = timezone.now()
    if move.kind in (Kind.DEFER, Kind.WAIT):
        fields["wake_at"] = timezone.now() + timedelta(seconds=move.delay) if move.delay else None
        fields["attempts"] = max(0, step.attempts - 1)  # waiting is no attempt
    return fields


def _line(step: RunStep, move: Transition, outcome: StepResult | ActionError) -> tuple[str, str]:
    """The log line of a transition, and its level."""
    label = step_label(step)
    if isinstance(outcome, ActionError):
        if move.kind == Kind.RETRY:
            retrying = f"retrying in {move.delay:g} s"
            return f"{label} attempt {step.attempts} failed ({outcome.message}); {retrying}", "warning"
        return f"{label} failed ({move.error_kind}): {outcome.message}", "error"
    if move.kind == Kind.DEFER:
        return f"{label} waits {move.delay:g} s without holding a worker", "info"
    if move.kind == Kind.WAIT:
        return f"{label} is waiting" + (f" (at most {move.delay:g} s)" if move.delay else ""), "info"
    if move.kind == Kind.PAUSE:
        return f"{label} stopped between batches", "info"
    reason = step.result.get("skip_reason")
    return (
        f"{label} {move.status}: in {step.input_count}, out {step.output_count}, credits {step.credits_used}"
        + (f" ({reason})" if reason else ""),
        "info",
    )


def _move_run(
    run: AutomationRun,
    step: RunStep,
    move: Transition,
    outcome: StepResult | ActionError,
    following: RunStep | None,
) -> None:
    """What the step's transition does to its run (nothing once the run is no longer running: the writes
    below are conditional on it, so a pause or cancel that came meanwhile holds)."""
    if move.kind == Kind.RETRY:
        send_step(step, countdown=move.delay)
    elif move.kind == Kind.DEFER:
        # Not stale while it waits: recovery looks at the heartbeat.
        if AutomationRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(heartbeat_at=step.wake_at):
            send_step(step, countdown=move.delay)
    elif move.kind == Kind.WAIT:  # only a program's steps wait; its plan sets the heartbeat to the first wake-up
        advance_flow(run)
        if move.delay and not current_app.conf.task_always_eager:  # inline tasks hold no timer: no timeout then
            send_step(step, countdown=move.delay)
        transaction.on_commit(functools.partial(waits.after_waiting, step.pk))
    elif run.program is not None and move.kind in (Kind.COMPLETE, Kind.CONTINUE, Kind.FAIL):
        advance_flow(run)
    elif move.kind in (Kind.COMPLETE, Kind.CONTINUE):
        advance_to(run, following)
    elif move.kind == Kind.FAIL and run.status == Status.RUNNING:
        assert isinstance(outcome, ActionError)
        finish_run(run, Status.FAILED, f"{step_label(step)} failed: {outcome.message}")
