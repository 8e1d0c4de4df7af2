"""The steps of a program that the engine runs itself: `wait` (a duration, an event, an approval) and
`call_rule`, and the answers that end a wait from outside (an approval through the API, an awaited event, the
called run finishing: rules.lifecycle.complete_waiting).

A waiting step holds no worker: its execution records what it waits for and returns `waiting` (with its
timeout as the time to be woken, if any); the row says `waiting`. Everything is in the database, so a wait
outlives worker restarts and deploys: its timer is a delayed task message, and recovery sends it again when
the message was lost (rules.lifecycle.recover_stale_runs).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from rules.context import ActionContext
from rules.core.causation import Causation, check_loop
from rules.core.conditions.evaluate import CompiledCondition
from rules.core.contract import ActionError, StepResult
from rules.index import rule_index
from rules.lifecycle import called_failure, called_output, complete_waiting, trigger_rule
from rules.models import AutomationRule, AutomationRun, RunStep

Status, StepStatus = AutomationRun.Status, RunStep.Status
TIMED_OUT = {"duration": {}, "event": {"timed_out": True}, "approval": {"decision": "timed_out", "note": ""}}


def run_control(ctx: ActionContext, step: RunStep) -> StepResult:
    if step.action_type == "wait":
        return _wait(ctx, step)
    return _call_rule(ctx, step)


def _wait(ctx: ActionContext, step: RunStep) -> StepResult:
    spec, now = step.params, timezone.now()
    info = step.result.get("wait")
    if info is None:  # first execution: start waiting
        seconds = spec.get("seconds") if spec["for"] == "duration" else spec.get("timeout")
        until = now + timedelta(seconds=seconds) if seconds else None
        info = {"for": spec["for"], "until": until.isoformat() if until else None}
        if spec["for"] == "approval":
            info["prompt"] = spec.get("prompt", "")
        elif spec["for"] == "event":
            info["event"] = spec["event"]
        ctx.log(_waiting_line(info))
        return StepResult(result={"wait": info}, waiting=True, defer_seconds=seconds)
    until = datetime.fromisoformat(info["until"]) if info.get("until") else None
    if until is not None and now >= until:  # woken by its timer: the time is up
        if spec["for"] != "duration":
            ctx.log(f"no {'approval' if spec['for'] == 'approval' else 'event'} came in time: timed out")
        if spec["for"] == "event":  # no longer awaited (this execution holds the step: it is not `waiting` now)
            rule_index.publish(ctx.account_id)
        return StepResult(result={"output": TIMED_OUT[spec["for"]]})
    left = (until - now).total_seconds() if until is not None else None
    return StepResult(waiting=True, defer_seconds=left)  # woken early (a resent message): wait on


def _waiting_line(info: dict[str, Any]) -> str:
    until = f" until {info['until']}" if info.get("until") else ""
    if info["for"] == "approval":
        return f"waiting for approval{until}: {info.get('prompt', '')}"
    if info["for"] == "event":
        return f"waiting for the event {info['event']}{until}"
    return f"waiting{until}"


def _call_rule(ctx: ActionContext, step: RunStep) -> StepResult:
    spec, run = step.params, ctx.run
    called = step.result.get("child_run_id")
    if called:  # woken again (a resent message): the called run may have finished meanwhile
        child = AutomationRun.objects.filter(run_id=called, account_id=run.account_id).first()
        if child is None or child.status in AutomationRun.FINISHED:
            return _called_outcome(child, called)
        return StepResult(waiting=True)
    rule = AutomationRule.objects.filter(pk=spec["rule"], account_id=run.account_id).first()
    if rule is None:
        raise ActionError(f"rule {spec['rule']} is not a rule of this account", permanent=True)
    causation = Causation.from_dict(run.causation).child(rule_id=run.rule_id or 0, run_id=run.run_id)
    loop = check_loop(
        causation,
        rule_id=rule.pk,
        allow_self_trigger=rule.allow_self_trigger,
        max_depth=int(getattr(settings, "AUTOMATION_MAX_DEPTH", 5)),
    )
    if loop.blocked:
        raise ActionError(f"rule {rule.pk} was not called: {loop.reason}", permanent=True)
    started = trigger_rule(
        rule,
        trigger_type="manual",
        payload=spec.get("payload") or {},
        causation=causation,
        site_id=run.site_id,
        dry_run=run.dry_run,  # a dry run's called rule runs dry too
    )
    if started.run is None:
        raise ActionError(f"rule {rule.pk} did not start: {started.reason}", permanent=True)
    ctx.log(f"called rule {rule.name!r}: run {started.run.run_id}")
    if not spec.get("wait", True):
        return StepResult(result={"child_run_id": started.run.run_id, "output": {"run_id": started.run.run_id}})
    return StepResult(result={"child_run_id": started.run.run_id}, waiting=True)


def _called_outcome(child: AutomationRun | None, run_id: str) -> StepResult:
    if child is None:
        raise ActionError(f"the called run {run_id} is gone", permanent=True)
    failure = called_failure(child)
    if failure:
        raise ActionError(failure, permanent=True)
    return StepResult(result={"output": called_output(child)})


def after_waiting(step_pk: int) -> None:
    """Right after a step's wait was recorded (committed): a wait for an event is announced to every process's
    rule index (the save hook and the dispatcher then look for it); a call_rule's run may have finished before
    the wait was recorded, and ends it now."""
    step = RunStep.objects.filter(pk=step_pk, status=StepStatus.WAITING).select_related("run").first()
    if step is None:
        return
    if step.action_type == "wait" and step.params.get("for") == "event":
        rule_index.publish(step.run.account_id)
        return
    if step.action_type != "call_rule" or not step.result.get("child_run_id"):
        return
    child = AutomationRun.objects.filter(run_id=step.result["child_run_id"]).first()
    if child is not None and child.status in AutomationRun.FINISHED:
        complete_waiting(step, called_output(child), failed=called_failure(child))


# --- answers from outside ------------------------------------------------------------------------


class NotWaiting(Exception):
    """The step named is not waiting for that answer."""


def approve(run: AutomationRun, key: str, decision: str, note: str, by: str) -> None:
    """Answer the approval a run's step waits for; NotWaiting when that step waits for none."""
    step = RunStep.objects.filter(run=run, key=key).first()
    if step is None:
        raise NotWaiting(f"run {run.run_id} has no step {key!r}")
    if step.action_type != "wait" or step.params.get("for") != "approval":
        raise NotWaiting(f"step {key!r} is not an approval")
    if step.status != StepStatus.WAITING or run.status != Status.RUNNING:
        raise NotWaiting(f"step {key!r} is {step.status}, not waiting for approval (the run is {run.status})")
    if not complete_waiting(step, {"decision": decision, "note": note, "by": by}):
        raise NotWaiting(f"step {key!r} stopped waiting meanwhile")


def wake_on_event(event: dict[str, Any]) -> int:
    """End the waits for `event` of its account (and site) whose condition it meets; how many it ended."""
    waiting = RunStep.objects.filter(
        run__account_id=event["account_id"],
        run__status=Status.RUNNING,
        status=StepStatus.WAITING,
        action_type="wait",
        params__for="event",
        params__event=event["name"],
    ).select_related("run")
    woken = 0
    for step in waiting:
        if step.run.site_id and event.get("site_id") not in (None, step.run.site_id):
            continue
        seen = {"name": event["name"], "object": event.get("object") or {}, "changes": event.get("changes") or {}}
        condition = step.params.get("condition")
        context = {"event": seen, "object": seen["object"], "account": {"id": event["account_id"]}}
        if condition and not CompiledCondition(condition).evaluate(context).triggered:
            continue
        woken += complete_waiting(step, {"event": seen})
    if woken:
        rule_index.publish(event["account_id"])
    return woken
