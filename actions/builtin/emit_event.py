from __future__ import annotations

from actions.base import Action, StepResult
from actions.registry import registry


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
        from rules.dispatch import emit_custom_event

        name = params["name"] if params["name"].startswith("custom.") else f"custom.{params['name']}"
        emit_custom_event(
            name,
            account_id=ctx.account_id,
            site_id=ctx.site_id,
            data=params.get("data") or {},
            causation=ctx.child_causation(),
        )
        ctx.log(f"emitted {name}")
        return StepResult(output_count=1, result={"event": name})
