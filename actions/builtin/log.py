from __future__ import annotations

from rules.core.contract import Action, StepResult
from rules.core.registry import registry


@registry.register
class LogAction(Action):
    key = "log"
    name = "Write to the run log"
    description = "Adds a line to the run log. `{object.text}`-style placeholders are filled from the trigger."
    params_schema = {
        "type": "object",
        "properties": {
            "message": {"type": "string", "minLength": 1, "maxLength": 2000},
            "level": {"enum": ["info", "warning", "error"], "default": "info"},
        },
        "required": ["message"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        message = ctx.render(params["message"])
        ctx.log(message, level=params.get("level", "info"))
        return StepResult(output_count=1, result={"message": message})
