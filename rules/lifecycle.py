"""The life of a run, in one place: create (from a trigger, under the rule's mode and the account's limits),
admit, start, advance from step to step, finish, pause, resume, cancel, retry, re-run and recover.

Every trigger that reaches a rule leaves a TriggerRecord, and its outcome comes back as a `TriggerResult`:
a run started or queued, or the reason there is none (a refusal for credits makes no run at all). The
executor (rules/executor.py) runs one step and hands back here (`advance`, `finish_run`); this module sends
steps to the workers through rules/queueing.py and imports nothing that runs them.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from backend.billing.errors import InsufficientCredits
from backend.billing.services import Reference, credits_release, credits_reserve
from backend.core.redis import count_up, get_redis
from rules.core.causation import Causation
from rules.core.modes import ModeDecision, decide_mode
from rules.core.presets import preset_for
from rules.core.registry import UnknownAction, registry
from rules.core.triggers import run_trigger_type
from rules.index import rule_index
from rules.models import AutomationRule, AutomationRun, RunStep, TriggerRecord
from rules.queueing import enqueue_event, enqueue_step
from rules.runlog import run_log, step_label

log = logging.getLogger(__name__)
Status, StepStatus, Outcome = AutomationRun.Status, RunStep.Status, TriggerRecord.Outcome
# Sent once per finished run (completed, failed or cancelled), after commit: receivers get `run`.
run_finished = Signal()
ROOT_COUNT_SECONDS = 86400  # how long the runs descending from one root event are counted
UNFINISHED = (StepStatus.PENDING, StepStatus.RUNNING)


class RunStateError(Exception):
    """The run is not in a state that allows this operation."""


@dataclass(frozen=True)
class TriggerResult:
    """What one trigger of one rule came to: a run started or queued, or the reason there is none."""

    outcome: str
    run: AutomationRun | None = None
    reason: str = ""
    refusal: InsufficientCredits | None = None  # set when the outcome is refused_credits


# --- creating runs ---------------------------------------------------------------------------


def rule_execute(
    *, rule: AutomationRule, payload: dict | None = None, site_id: int | None = None, trigger_type: str = "manual"
) -> TriggerResult:
    """Run a rule now (manual, webhook or scheduled); the mode and the account's limits still apply."""
    causation = Causation(root_event=f"{trigger_type}:{rule.id}", event=trigger_type)
    return trigger_rule(
        rule, trigger_type=trigger_type, payload={"payload": payload or {}}, causation=causation, site_id=site_id
    )


def run_rerun(*, run: AutomationRun) -> TriggerResult:
    """A new run of the run's rule with the same trigger data and site; the mode and the limits apply."""
    if run.status not in AutomationRun.FINISHED:
        raise RunStateError(f"run {run.run_id} is {run.status}; only a finished run can be run again")
    rule = AutomationRule.objects.filter(pk=run.rule_id).first()
    if rule is None:
        raise RunStateError(f"the rule of run {run.run_id} was deleted")
    causation = Causation(root_event=f"rerun:{run.run_id}", event="manual")
    return trigger_rule(
        rule, trigger_type="manual", payload=run.trigger_payload, causation=causation, site_id=run.site_id
    )


def trigger_rule(
    rule: AutomationRule,
    *,
    trigger_type: str,
    payload: dict,
    causation: Causation,
    site_id: int | None = None,
    record: dict | None = None,
) -> TriggerResult:
    """Apply the rule's mode and the account's limits, then start, queue or drop a run."""
    record = record or {
        "rule": rule,
        "account_id": rule.account_id,
        "trigger_type": trigger_type,
        "causation": causation.to_dict(),
    }
    site_id = rule.site_id or site_id
    key = f"rule:{rule.id}" + (f":site:{site_id}" if rule.mode_scope == "site" else "")
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=rule.pk).first()  # serialise decisions per rule
        decision = _decide_mode(rule, key)
        if decision.action == "drop":
            return _recorded(record, Outcome.DROPPED_MODE, decision.reason)
        limit = _account_limit_reason(rule.account_id) or _claim_root_slot(causation)
        if limit:
            return _recorded(record, Outcome.DROPPED_LIMIT, limit)
        try:
            with transaction.atomic():  # a refusal rolls back the run, its steps and any restart cancels
                run, steps = run_create(
                    rule, trigger_type=trigger_type, payload=payload, causation=causation, site_id=site_id, key=key
                )
                if decision.action == "queue":
                    return _recorded(record, Outcome.QUEUED, decision.reason, run)
                for active in AutomationRun.objects.filter(run_id__in=decision.cancel_run_ids):
                    run_cancel(active, reason=f"restarted by {run.run_id}")
                run_start(run, steps)
        except InsufficientCredits as exc:
            _release_root_slot(causation)
            refused = _recorded(record, Outcome.REFUSED_CREDITS, str(exc))
            return TriggerResult(refused.outcome, reason=refused.reason, refusal=exc)
        return _recorded(record, Outcome.STARTED, decision.reason, run)


def _decide_mode(rule: AutomationRule, key: str) -> ModeDecision:
    active = list(
        AutomationRun.objects.filter(concurrency_key=key, status__in=AutomationRun.ACTIVE)
        .order_by("created_at")
        .values_list("run_id", "status")
    )
    running = [run_id for run_id, state in active if state != Status.QUEUED]
    return decide_mode(rule.mode, max_runs=rule.max_runs, running=running, queued=len(active) - len(running))


def _recorded(record: dict, outcome: str, reason: str, run: AutomationRun | None = None) -> TriggerResult:
    TriggerRecord.objects.create(outcome=outcome, reason=reason, run=run, **record)
    return TriggerResult(outcome, run, reason)


def _account_limit_reason(account_id: int) -> str:
    """Why the account may not have another active run now ('' when it may)."""
    limit = settings.AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT
    active = AutomationRun.objects.filter(account_id=account_id, status__in=AutomationRun.ACTIVE).count()
    if active >= limit:
        return (
            f"account limit: {active} runs are active or waiting, at most {limit} "
            "(AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT)"
        )
    return ""


def _root_key(causation: Causation) -> str:
    return f"igny8:root-runs:{causation.root_id}"


def _claim_root_slot(causation: Causation) -> str:
    """Count one more run descending from the causation's root event; the reason when there are too many."""
    limit = settings.AUTOMATION_MAX_RUNS_PER_ROOT
    try:
        if count_up(_root_key(causation), ROOT_COUNT_SECONDS) <= limit:
            return ""
        get_redis().decr(_root_key(causation))
    except Exception as exc:  # noqa: BLE001 - without Redis the depth limit still bounds chains
        log.warning("could not count the runs of root %s: %s", causation.root_id, exc)
        return ""
    return (
        f"fan-out limit: {limit} runs already descend from the root event {causation.root_event!r} "
        "(AUTOMATION_MAX_RUNS_PER_ROOT)"
    )


def _release_root_slot(causation: Causation) -> None:
    try:
        get_redis().decr(_root_key(causation))
    except Exception:  # noqa: BLE001 - the count only bounds fan-out
        pass


def new_run_id(trigger_type: str, *, suffix: bool = False) -> str:
    """run_YYYYMMDD_HHMMSS_<trigger> (the seeds' format); with `suffix`, a short random tail for a taken id."""
    base = f"run_{timezone.now():%Y%m%d_%H%M%S}_{run_trigger_type(trigger_type)}"
    return f"{base}_{secrets.token_hex(3)}" if suffix else base


def run_create(
    rule: AutomationRule, *, trigger_type: str, payload: dict, causation: Causation, site_id: int | None, key: str
) -> tuple[AutomationRun, list[RunStep]]:
    """The run record and its steps, queued (a caller starts it, or it waits its turn)."""
    fields: dict[str, Any] = {
        "account_id": rule.account_id,
        "site_id": site_id,
        "rule": rule,
        "rule_version": rule.version,
        "rule_name": rule.name,
        "trigger_type": run_trigger_type(trigger_type),
        "trigger_payload": payload,
        "concurrency_key": key,
        "causation": causation.to_dict(),
    }
    if causation.run_id:
        fields["parent_run"] = AutomationRun.objects.filter(run_id=causation.run_id).first()
    for attempt in range(5):
        try:
            with transaction.atomic():  # the plain id is taken when two runs start in the same second
                run = AutomationRun.objects.create(run_id=new_run_id(trigger_type, suffix=attempt > 0), **fields)
                break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not allocate a unique run_id")
    steps = RunStep.objects.bulk_create([_step(run, index, spec) for index, spec in enumerate(rule.actions)])
    AutomationRule.objects.filter(pk=rule.pk).update(
        execution_count=F("execution_count") + 1, last_executed_at=timezone.now()
    )
    return run, steps


def _step(run: AutomationRun, index: int, spec: dict) -> RunStep:
    retry = spec.get("retry") or {}
    return RunStep(
        run=run,
        index=index,
        key=spec.get("id") or f"step-{index + 1}",
        path=f"actions/{index}",
        action_type=spec["type"],
        name=spec.get("name", ""),
        params=spec.get("params") or {},
        on_error=spec.get("on_error", "stop"),
        max_retries=retry.get("max", 0),
        retry_backoff=retry.get("backoff", 2.0),
        timeout=spec.get("timeout"),
    )


# --- starting, advancing, finishing ----------------------------------------------------------


def run_start(run: AutomationRun, steps: list[RunStep] | None = None) -> AutomationRun:
    """queued → running: reserve the estimated credits, then send the first step.

    Raises InsufficientCredits (having changed nothing) when the account cannot cover the estimate.
    """
    steps = steps if steps is not None else list(run.steps.all())
    estimate = run_estimate(run, steps)
    if estimate > 0:
        credits_reserve(
            account_id=run.account_id, amount=estimate, operation="run_reservation", reference=Reference(run.run_id)
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
    advance(run, steps)
    return run


def run_estimate(run: AutomationRun, steps: list[RunStep] | None = None) -> Decimal:
    """The credits to reserve: the preset's projection, else the sum of the pending steps' estimates."""
    preset = preset_for(run.rule.preset_key if run.rule_id and run.rule else "")
    if preset is not None and preset.estimate is not None:
        return Decimal(preset.estimate(run.site_id))
    total = Decimal("0")
    for step in steps if steps is not None else run.steps.all():
        if step.status != StepStatus.PENDING:
            continue
        try:
            action = registry.get(step.action_type)
        except UnknownAction:
            continue
        total += action.estimate(step.params, site_id=run.site_id, account_id=run.account_id)
    return total


def initial_snapshot(run: AutomationRun, steps: list[RunStep]) -> dict[str, int]:
    """Queue sizes at the start, per step (`stage_N_initial`, as the seeds name them) and in total."""
    snapshot: dict[str, int] = {}
    for step in steps:
        try:
            pending = registry.get(step.action_type).pending_count(run.site_id) if run.site_id else None
        except UnknownAction:
            continue
        if pending is not None:
            snapshot[f"stage_{step.index + 1}_initial"] = pending
    snapshot["total_initial_items"] = sum(snapshot.values())
    return snapshot


def advance(run: AutomationRun, steps: list[RunStep] | None = None) -> None:
    """Send the first unfinished step (from `steps` when the caller has them), or complete the run."""
    if steps is None:
        step = run.steps.filter(status__in=UNFINISHED).order_by("index").first()
    else:
        step = next((s for s in sorted(steps, key=lambda s: s.index) if s.status in UNFINISHED), None)
    if step is None:
        finish_run(run, Status.COMPLETED)
        return
    # Current step and heartbeat in one write: recovery sees a run that moves as alive.
    AutomationRun.objects.filter(pk=run.pk).update(current_step=step.index, heartbeat_at=timezone.now())
    run.current_step = step.index
    send_step(step)


def send_step(step: RunStep, *, countdown: float = 0) -> None:
    """Send the step's execution to its action's queue (after commit)."""
    try:
        queue = registry.get(step.action_type).queue
    except UnknownAction:
        queue = "default"
    enqueue_step(step.pk, queue=queue, countdown=countdown, timeout=step.timeout)


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
    run.steps.filter(status__in=UNFINISHED).update(
        status=StepStatus.CANCELLED if status == Status.CANCELLED else StepStatus.SKIPPED, lease_token=""
    )
    leftover = run.credits_reserved - min(run.total_credits_used, run.credits_reserved)
    if leftover > 0:
        credits_release(
            account_id=run.account_id, amount=leftover, operation="run_settlement", reference=Reference(run.run_id)
        )
    run_log(
        run,
        f"run {status}" + (f": {error}" if error else "") + f"; credits used {run.total_credits_used}",
        level="error" if status == Status.FAILED else "info",
    )
    transaction.on_commit(lambda: on_run_finished(run.pk))


def on_run_finished(run_pk: int) -> None:
    """Start the next queued run of the group, send `run_finished`, emit run.completed / run.failed."""
    run = AutomationRun.objects.filter(pk=run_pk).select_related("rule", "site").first()
    if run is None:
        return
    _start_next_queued(run)
    run_finished.send(sender=AutomationRun, run=run)
    name = {"completed": "run.completed", "failed": "run.failed"}.get(run.status)
    if name is None or not rule_index.lookup(run.account_id, name):
        return
    event = {
        "name": name,
        "account_id": run.account_id,
        "site_id": run.site_id,
        "object_type": "run",
        "object": {
            "id": run.pk,
            "run_id": run.run_id,
            "rule": run.rule_id,
            "site": run.site_id,
            "status": run.status,
            "trigger_type": run.trigger_type,
            "total_credits_used": float(run.total_credits_used),
            "error_message": run.error_message,
        },
        "changes": {},
    }
    parent = Causation.from_dict(run.causation).child(rule_id=run.rule_id or 0, run_id=run.run_id)
    enqueue_event(event, parent.to_dict())


def admit_run(run: AutomationRun) -> AutomationRun:
    """Start a queued run now if its group has room (used by retry), else leave it queued."""
    if run.rule_id is None:
        return _start_admitted(run)
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        busy = (
            AutomationRun.objects.filter(
                concurrency_key=run.concurrency_key, status__in=[Status.RUNNING, Status.PAUSED]
            )
            .exclude(pk=run.pk)
            .exists()
        )
        if not busy:
            _start_admitted(run)
    return run


def _start_admitted(run: AutomationRun) -> AutomationRun:
    """Start a run that already exists (it waited in a queue, or is retried); one it cannot afford fails."""
    try:
        with transaction.atomic():
            return run_start(run)
    except InsufficientCredits as exc:
        finish_run(run, Status.FAILED, str(exc))
        run.refresh_from_db()
        return run


def _start_next_queued(run: AutomationRun) -> None:
    if run.rule_id is None:
        return
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        group = AutomationRun.objects.filter(concurrency_key=run.concurrency_key)
        if group.filter(status__in=[Status.RUNNING, Status.PAUSED]).exists():
            return
        waiting = group.filter(status=Status.QUEUED).order_by("created_at", "id").first()
        if waiting is not None:
            _start_admitted(waiting)


# --- control: pause, resume, cancel, retry ---------------------------------------------------


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
    if not running:  # a step still finishing its batch will send the next one itself
        advance(run)
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
    return admit_run(run)


# --- recovery --------------------------------------------------------------------------------


def lease_seconds() -> int:
    return int(getattr(settings, "AUTOMATION_LEASE_SECONDS", 60))


def recover_stale_runs() -> list[str]:
    """Send again the current step of running runs whose worker went away (expired lease, stale heartbeat)."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=lease_seconds())
    recovered = []
    for run in AutomationRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale_before):
        step = run.steps.filter(status__in=UNFINISHED).order_by("index").first()
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
            f"worker lost: {step_label(step)} sent again (heartbeat stale since {run.heartbeat_at})",
            step=step,
            level="warning",
        )
        send_step(step)
        recovered.append(run.run_id)
    return recovered
