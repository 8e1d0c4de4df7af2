"""The built-in event sources, and how a domain model's changes become rule events.

`model_source(label, prefix, fields)` registers a Django model as a source (its fields' JSON types read from
the model); its saves and deletes then emit `<prefix>.created|updated|deleted|status_changed` after the
transaction commits. The save hook stays cheap: it diffs a handful of fields, hands the event to the journal
(rules/journal.py: one insert per transaction) and asks the in-memory rule index whether to dispatch it. Rows
inserted with `bulk_create` emit their `created` events through `backend.core.batching.bulk_created`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save

from backend.core.batching import bulk_created
from rules import journal
from rules.core.causation import current_causation
from rules.core.events import EventSource, event_sources
from rules.index import rule_index

SNAPSHOT = "_igny8_snapshot"
RUN_FIELDS = {
    "run_id": "string",
    "rule": "integer",
    "site": "integer",
    "status": "string",
    "trigger_type": "string",
    "total_credits_used": "number",
    "error_message": "string",
}
BUILT_IN = {
    "planner.keyword": (
        "keyword",
        ("id", "site", "text", "volume", "difficulty", "intent", "status", "cluster", "disabled"),
    ),
    "planner.cluster": ("cluster", ("id", "site", "name", "description", "status")),
    "planner.contentidea": ("idea", ("id", "site", "title", "content_type", "content_structure", "cluster", "status")),
    "writer.task": ("task", ("id", "site", "title", "idea", "cluster", "status", "target_word_count")),
    "writer.content": (
        "content",
        (
            "id",
            "site",
            "title",
            "slug",
            "status",
            "word_count",
            "seo_score",
            "primary_keyword",
            "external_id",
            "external_url",
        ),
    ),
    "writer.image": ("image", ("id", "site", "content", "kind", "position", "status")),
}
_ATTNAMES: dict[type[models.Model], dict[str, str]] = {}
_PREFIX: dict[type[models.Model], str] = {}


def json_type(field: models.Field) -> str:
    """The JSON type of a model field's value in an event (what the condition builder types its inputs by)."""
    if field.is_relation or isinstance(field, models.IntegerField | models.AutoField):
        return "integer"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "number"
    if isinstance(field, models.BooleanField):
        return "boolean"
    return "string"


def model_source(label: str, prefix: str, fields: tuple[str, ...]) -> EventSource:
    """Register a domain model as an event source and connect its signals."""
    model = apps.get_model(label)
    source = event_sources.register(
        prefix, EventSource(prefix, {f: json_type(model._meta.get_field(f)) for f in fields}, model=label)
    )
    _ATTNAMES[model] = {name: model._meta.get_field(name).attname for name in fields}
    _PREFIX[model] = prefix
    post_init.connect(_snapshot, sender=model, dispatch_uid=f"rules-init-{label}")
    post_save.connect(_on_save, sender=model, dispatch_uid=f"rules-save-{label}")
    post_delete.connect(_on_delete, sender=model, dispatch_uid=f"rules-delete-{label}")
    return source


def connect() -> None:
    """Register the built-in sources (once), and keep the rule index in step with rule changes."""
    if "run" in event_sources:
        return
    for label, (prefix, fields) in BUILT_IN.items():
        model_source(label, prefix, fields)
    event_sources.register("run", EventSource("run", RUN_FIELDS, events=("completed", "failed")))
    rule_model = apps.get_model("rules.AutomationRule")
    post_save.connect(_on_rule_change, sender=rule_model, dispatch_uid="rules-index-save")
    post_delete.connect(_on_rule_change, sender=rule_model, dispatch_uid="rules-index-delete")
    post_save.connect(_on_site_change, sender=apps.get_model("accounts.Site"), dispatch_uid="rules-index-site")
    bulk_created.connect(_on_bulk_created, dispatch_uid="rules-bulk-created")


def event_object(instance: models.Model) -> dict[str, Any]:
    """The fields an instance's events carry, as JSON."""
    return {k: _json(v) for k, v in _values(instance).items()}


def _values(instance: models.Model) -> dict[str, Any]:
    data = instance.__dict__
    return {name: data.get(attname) for name, attname in _ATTNAMES[type(instance)].items()}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):  # a choice an unsaved instance got as its default: its plain value, as after JSON
        return value.value
    return value


def _snapshot(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    setattr(instance, SNAPSHOT, _values(instance))


def _on_save(sender: type[models.Model], instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    prefix = _PREFIX[sender]
    current = _values(instance)
    old = getattr(instance, SNAPSHOT, None) or {}
    setattr(instance, SNAPSHOT, current)
    if created:
        names, changes = [f"{prefix}.created"], {}
    else:
        changes = {k: {"old": _json(old.get(k)), "new": _json(v)} for k, v in current.items() if old.get(k) != v}
        if not changes:
            return
        names = [f"{prefix}.updated"] + ([f"{prefix}.status_changed"] if "status" in changes else [])
    _emit(instance.account_id, names, prefix, current, changes, instance.site_id)


def _on_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    _emit(instance.account_id, [f"{_PREFIX[sender]}.deleted"], _PREFIX[sender], _values(instance), {}, instance.site_id)


def _on_bulk_created(sender: type[models.Model], instances: list[Any], **kwargs: Any) -> None:
    if sender in _PREFIX:
        for instance in instances:
            _on_save(sender, instance, created=True)


def _emit(
    account_id: int, names: list[str], object_type: str, values: dict, changes: dict, site_id: int | None
) -> None:
    """Journal the events (every one, listened to or not) and dispatch those a rule listens to or a run awaits."""
    obj = {k: _json(v) for k, v in values.items()}
    causation = current_causation()
    cause = causation.to_dict() if causation else None
    journal.emit(
        [
            (
                {
                    "name": name,
                    "account_id": account_id,
                    "site_id": site_id,
                    "object_type": object_type,
                    "object": obj,
                    "changes": changes,
                },
                cause,
                bool(rule_index.lookup(account_id, name, site_id=site_id) or rule_index.awaits(account_id, name)),
            )
            for name in names
        ]
    )


def _on_rule_change(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    rule_index.mark_stale(instance.account_id)
    transaction.on_commit(lambda: rule_index.publish(instance.account_id))


def _on_site_change(sender: type[models.Model], instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A site's rules stop (or start again) listening when it is deactivated (or activated)."""
    fields = kwargs.get("update_fields")
    if not created and (fields is None or "is_active" in fields):
        _on_rule_change(sender, instance)
