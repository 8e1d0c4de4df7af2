from __future__ import annotations

from django.core.exceptions import ValidationError

from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry

# The fields a rule may set on the object that triggered it, per object type.
WRITABLE_FIELDS: dict[str, set[str]] = {
    "keyword": {"volume", "difficulty", "intent", "status", "disabled"},
    "cluster": {"description", "status"},
    "idea": {"description", "content_type", "content_structure", "status"},
    "task": {"target_word_count", "status"},
    "content": {"status", "excerpt", "meta_title", "meta_description", "primary_keyword", "tags", "categories"},
    "image": {"status", "prompt"},
}


@registry.register
class UpdateFieldsAction(Action):
    key = "update_fields"
    name = "Update fields of the triggering object"
    description = "Sets whitelisted fields of the object whose event started the run (status transitions checked)."
    params_schema = {
        "type": "object",
        "properties": {"fields": {"type": "object", "minProperties": 1}},
        "required": ["fields"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        obj, object_type = ctx.trigger_object()
        if obj is None:
            raise ActionError("update_fields needs a run triggered by an object event", permanent=True)
        fields = params["fields"]
        unknown = sorted(set(fields) - WRITABLE_FIELDS.get(object_type, set()))
        if unknown:
            raise ActionError(
                f"fields {unknown} of {object_type} cannot be set by a rule; allowed: "
                f"{sorted(WRITABLE_FIELDS.get(object_type, set()))}",
                permanent=True,
            )
        if "status" in fields and hasattr(obj, "check_transition"):
            try:
                obj.check_transition(obj.status, fields["status"])
            except ValidationError as exc:
                raise ActionError(exc.messages[0], permanent=True) from exc
        for name, value in fields.items():
            setattr(obj, name, value)
        try:
            obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.name not in fields])
        except ValidationError as exc:
            raise ActionError(f"invalid value: {exc.message_dict}", permanent=True) from exc
        obj.save(update_fields=[*fields, "updated_at"])
        ctx.log(f"updated {object_type} {obj.pk}: {', '.join(f'{k}={v!r}' for k, v in fields.items())}")
        return StepResult(input_count=1, output_count=1, result={"updated": sorted(fields)})
