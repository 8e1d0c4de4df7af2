from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rules.core.contract import Action, StepResult
from rules.core.registry import registry


@registry.register
class DelayAction(Action):
    key = "delay"
    name = "Wait"
    description = "Waits N seconds before the next step, without holding a worker."
    params_schema = {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 30 * 86400}},
        "required": ["seconds"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        wake_at = parse_datetime(ctx.step_result["wake_at"]) if ctx.step_result.get("wake_at") else None
        now = timezone.now()
        if wake_at is None:
            wake_at = now + timezone.timedelta(seconds=params["seconds"])
            ctx.log(f"waiting {params['seconds']} s until {wake_at.isoformat()}")
        remaining = (wake_at - now).total_seconds()
        if remaining > 0:
            return StepResult(defer_seconds=remaining, result={"wake_at": wake_at.isoformat()})
        return StepResult(output_count=1, result={"waited_seconds": params["seconds"]})
