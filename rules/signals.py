"""Event sources: domain-model signals become rule events after the transaction commits.

The save hook stays cheap: it diffs a handful of fields and asks the in-memory rule index; only
when a rule listens does it serialize the object and register an on_commit dispatch.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from rules.causation import current_causation
from rules.events import DOMAIN_MODELS
from rules.index import rule_index

SNAPSHOT = "_igny8_snapshot"


def _attnames(model) -> dict[str, str]:
    return {name: model._meta.get_field(name).attname for name in DOMAIN_MODELS[model._meta.label_lower][1]}


_ATTNAMES: dict[type, dict[str, str]] = {}


def _values(instance) -> dict:
    names = _ATTNAMES[type(instance)]
    data = instance.__dict__
    return {name: data.get(attname) for name, attname in names.items()}


def _json(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _snapshot(sender, instance, **kwargs) -> None:
    setattr(instance, SNAPSHOT, _values(instance))


def _on_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    prefix = DOMAIN_MODELS[sender._meta.label_lower][0]
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


def _on_delete(sender, instance, **kwargs) -> None:
    prefix = DOMAIN_MODELS[sender._meta.label_lower][0]
    _emit(instance.account_id, [f"{prefix}.deleted"], prefix, _values(instance), {}, instance.site_id)


def _emit(account_id: int, names: list[str], object_type: str, values: dict, changes: dict, site_id) -> None:
    listening = [name for name in names if rule_index.lookup(account_id, name)]
    if not listening:
        return
    from rules.dispatch import enqueue_dispatch

    obj = {k: _json(v) for k, v in values.items()}
    causation = current_causation()
    for name in listening:
        event = {
            "name": name,
            "account_id": account_id,
            "site_id": site_id,
            "object_type": object_type,
            "object": obj,
            "changes": changes,
        }
        enqueue_dispatch(event, causation)


def emit_created(instances) -> None:
    """The `<name>.created` events of rows inserted with bulk_create (which sends no save signals)."""
    for instance in instances:
        _on_save(type(instance), instance, created=True)


def _on_rule_change(sender, instance, **kwargs) -> None:
    rule_index.mark_stale(instance.account_id)
    transaction.on_commit(lambda: rule_index.publish(instance.account_id))


def connect() -> None:
    for label in DOMAIN_MODELS:
        model = apps.get_model(label)
        _ATTNAMES[model] = _attnames(model)
        post_init.connect(_snapshot, sender=model, dispatch_uid=f"rules-init-{label}")
        post_save.connect(_on_save, sender=model, dispatch_uid=f"rules-save-{label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"rules-delete-{label}")
    rule_model = apps.get_model("rules.AutomationRule")
    post_save.connect(_on_rule_change, sender=rule_model, dispatch_uid="rules-index-save")
    post_delete.connect(_on_rule_change, sender=rule_model, dispatch_uid="rules-index-delete")


connect()
