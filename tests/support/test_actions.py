"""Actions that exist only in tests (loaded with AUTOMATION_EXTRA_ACTION_MODULES), to drive the engine."""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal

from rules.core.contract import Action, ActionError, StepResult
from rules.core.presets import Preset, presets
from rules.core.registry import registry
from rules.lifecycle import run_pause
from rules.models import AutomationRun, RunStep

_SCHEMA = {"type": "object", "additionalProperties": True}


@registry.register
class SleepAction(Action):
    key = "test_sleep"
    name = "Sleep (tests)"
    description = "Sleeps in the worker, heartbeating, then logs."
    params_schema = {
        "type": "object",
        "properties": {"seconds": {"type": "number"}},
        "required": ["seconds"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        ctx.log("sleeping")
        time.sleep(params["seconds"])
        ctx.log("slept")
        return StepResult(output_count=1)


@registry.register
class FlakyAction(Action):
    key = "test_flaky"
    name = "Flaky (tests)"
    description = "Fails transiently until the given attempt, or permanently."
    params_schema = _SCHEMA

    def run(self, ctx, params):
        if params.get("permanent"):
            raise ActionError("bad input that will never work", permanent=True)
        if ctx.step_attempts < params.get("succeed_on_attempt", 1):
            raise ActionError(f"temporary failure on attempt {ctx.step_attempts}")
        return StepResult(output_count=1, result={"attempt": ctx.step_attempts})


@registry.register
class ChargeAction(Action):
    key = "test_charge"
    name = "Charge (tests)"
    description = "Produces N items costing `cost` each, in batches, checking for pause between batches."
    params_schema = _SCHEMA

    def estimate(self, params, *, site_id, account_id):
        return Decimal(str(params.get("estimate", params.get("items", 1) * params.get("cost", 1))))

    def run(self, ctx, params):
        done = ctx.step_result.get("produced", 0)
        produced = 0
        for item in range(done, params.get("items", 1)):
            if item > done and ctx.should_stop():
                return StepResult(output_count=produced, result={"produced": produced}, paused=True)
            first = int(params.get("first_object", 0))  # the items' ids start after this one
            ctx.charge(params.get("cost", 1), operation="test_charge", object_type="item", object_id=first + item + 1)
            produced += 1
            if params.get("supersede_after") == item + 1:  # as if recovery gave the step to another execution
                step = RunStep.objects.filter(run__run_id=ctx.run_id, index=ctx.step_index)
                step.update(lease_token="another-execution")
                ctx.heartbeat()
            if params.get("pause_run_after") == item + 1:  # as if a user pressed Pause right now
                run_pause(AutomationRun.objects.get(run_id=ctx.run_id))
            if params.get("sleep"):
                time.sleep(params["sleep"])
        return StepResult(input_count=produced, output_count=produced, result={"produced": produced})


@registry.register
class CrashAction(Action):
    key = "test_crash"
    name = "Crash (tests)"
    description = "Kills the process running it, as running out of memory would."
    params_schema = _SCHEMA

    def run(self, ctx, params):
        ctx.log("about to crash")
        os.kill(os.getpid(), signal.SIGKILL)
        return StepResult()


def _crash_while_estimating(site_id):
    """A preset estimator that kills its process: a dispatch message whose worker dies every time."""
    os.kill(os.getpid(), signal.SIGKILL)


presets.register("test_crash", Preset("test_crash", estimate=_crash_while_estimating))
