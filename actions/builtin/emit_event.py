from __future__ import annotations

from rules.core.contract import Action, StepResult
from rules.core.registry import registry


@registry.register
class EmitEventAction(Action):
    key = "emit_event"
    name = "Emit a custom event"
    description = "Emits `custom.<name>` with data; rules with that event trigger run (loop guard applies)."
    params_schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9_.-]{1,80}$"},
            "data": {"type": "object"},
        },
        "required": ["name"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        name = params["name"] if params["name"].startswith("custom.") else f"custom.{params['name']}"
        ctx.emit_event(name, params.get("data") or {})
        ctx.log(f"emitted {name}")
        return StepResult(output_count=1, result={"event": name})
