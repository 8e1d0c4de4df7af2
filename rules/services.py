"""Write operations on rules: create, update (a new version each time), restore, duplicate, import, secrets."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from rules.core.flow import iter_entries
from rules.core.triggers import trigger_types
from rules.models import AutomationRule, AutomationRuleVersion
from rules.validation import RuleValidationError, validate_rule


def rule_snapshot(rule: AutomationRule) -> dict[str, Any]:
    """The rule as a version (and an exported file) holds it: its FIELDS as JSON, in their order."""
    data = {name: getattr(rule, "site_id" if name == "site" else name) for name in AutomationRule.FIELDS}
    if data["budget_per_run"] is not None:
        data["budget_per_run"] = str(Decimal(data["budget_per_run"]).quantize(Decimal("0.01")))
    return data


def _derive(rule: AutomationRule) -> None:
    """Fill the columns the engine indexes the rule by (its trigger's kind and event, the next fire time)."""
    trigger = rule.trigger or {}
    kind = trigger_types.get(str(trigger.get("type", "manual")))
    rule.trigger_type = kind.key
    rule.trigger_event = kind.event(trigger)
    rule.next_run_at = kind.next_run_at(trigger) if rule.is_active else None
    if kind.has_webhook and not rule.webhook_token:
        rule.webhook_token = secrets.token_urlsafe(24)
    if not kind.has_webhook:
        rule.webhook_token, rule.webhook_secret = None, ""


def _new_secret_if_needed(rule: AutomationRule) -> str | None:
    if rule.webhook_token and not rule.webhook_secret:
        rule.webhook_secret = secrets.token_urlsafe(32)
        return rule.webhook_secret
    return None


def _new_signing_secret_if_needed(rule: AutomationRule) -> None:
    """A rule that calls webhooks signs them: give it a signing secret (shown once by the API)."""
    calls = any(isinstance(e, dict) and e.get("type") == "webhook" for _p, e, _d in iter_entries(rule.actions or []))
    if not rule.signing_secret and calls:
        rule.signing_secret = secrets.token_urlsafe(32)


def credential_names(rule: AutomationRule) -> list[str]:
    return sorted(_credentials(rule))


def _credentials(rule: AutomationRule) -> dict[str, str]:
    return json.loads(rule.credentials) if rule.credentials else {}


def _set_credentials(rule: AutomationRule, changes: dict[str, str | None] | None) -> None:
    """Merge credential changes: a value sets one, None removes it."""
    if not changes:
        return
    stored = _credentials(rule)
    for name, value in changes.items():
        if value is None:
            stored.pop(name, None)
        else:
            stored[name] = value
    rule.credentials = json.dumps(stored) if stored else ""


@transaction.atomic
def rule_create(*, account_id: int, user=None, **fields: Any) -> tuple[AutomationRule, str | None]:
    """Create a rule at version 1; returns it and the webhook secret when one was made (shown once).

    An event rule without a mode queues its runs (bounded by max_runs), so a burst of events is not dropped.
    """
    if "mode" not in fields and (fields.get("trigger") or {}).get("type") == "event":
        fields["mode"] = AutomationRule.Mode.QUEUED
    credentials = fields.pop("credentials", None)
    rule = AutomationRule(account_id=account_id, created_by=user, **fields)
    _set_credentials(rule, credentials)
    _derive(rule)
    secret = _new_secret_if_needed(rule)
    _new_signing_secret_if_needed(rule)
    rule.save()
    AutomationRuleVersion.objects.create(rule=rule, version=1, snapshot=rule_snapshot(rule), created_by=user)
    return rule, secret


def rule_draft(*, account_id: int, saved: AutomationRule | None = None, **fields: Any) -> AutomationRule:
    """A rule as a create (or, with `saved`, an update) would make it, not saved (a backtest's subject). The
    mode a create would choose applies; a draft of a saved rule keeps its id, version and preset."""
    fields.pop("credentials", None)
    if saved is None and "mode" not in fields and (fields.get("trigger") or {}).get("type") == "event":
        fields["mode"] = AutomationRule.Mode.QUEUED
    rule = AutomationRule(account_id=account_id)
    if saved is not None:
        rule = AutomationRule.objects.get(pk=saved.pk)
    for name, value in fields.items():
        setattr(rule, name, value)
    _derive(rule)
    return rule


@transaction.atomic
def rule_update(*, rule: AutomationRule, user=None, **fields: Any) -> tuple[AutomationRule, str | None]:
    """Apply changes; any change bumps the version and records a snapshot."""
    rule = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    before = rule_snapshot(rule)
    _set_credentials(rule, fields.pop("credentials", None))
    for name, value in fields.items():
        setattr(rule, name, value)
    _derive(rule)
    secret = _new_secret_if_needed(rule)
    _new_signing_secret_if_needed(rule)
    if rule_snapshot(rule) != before:
        rule.version += 1
        AutomationRuleVersion.objects.create(
            rule=rule, version=rule.version, snapshot=rule_snapshot(rule), created_by=user
        )
    rule.save()
    return rule, secret


def rule_restore(*, rule: AutomationRule, version: int, user=None) -> AutomationRule:
    """Make an earlier version current again (as a new version); RuleValidationError when it breaks a limit
    that came after it."""
    snapshot = AutomationRuleVersion.objects.get(rule=rule, version=version).snapshot
    fields = {k: v for k, v in snapshot.items() if k != "site"}
    fields["site_id"] = snapshot.get("site")
    fields.update(validate_rule({k: fields[k] for k in ("trigger", "conditions", "actions") if k in fields}))
    return rule_update(rule=rule, user=user, **fields)[0]


def rule_count_check(*, account_id: int) -> None:
    """RuleValidationError when the account already has AUTOMATION_MAX_RULES_PER_ACCOUNT rules."""
    limit = settings.AUTOMATION_MAX_RULES_PER_ACCOUNT
    if AutomationRule.objects.filter(account_id=account_id).count() >= limit:
        message = f"the account has {limit} rules, the most it may have (AUTOMATION_MAX_RULES_PER_ACCOUNT)"
        raise RuleValidationError({"non_field_errors": [message]})


@transaction.atomic
def _rotate(rule: AutomationRule, field: str) -> str:
    rule = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    setattr(rule, field, secrets.token_urlsafe(32))
    rule.save(update_fields=[field, "updated_at"])
    return getattr(rule, field)


def rule_rotate_secret(*, rule: AutomationRule) -> str:
    """A new secret for the rule's inbound webhook (shown once)."""
    return _rotate(rule, "webhook_secret")


@transaction.atomic
def rule_signing_secret_ensure(*, rule: AutomationRule) -> tuple[str, bool]:
    """The secret outbound calls of `rule` are signed with, made now if it has none; True when just made."""
    locked = AutomationRule.objects.select_for_update().get(pk=rule.pk)
    created = not locked.signing_secret
    if created:
        locked.signing_secret = secrets.token_urlsafe(32)
        locked.save(update_fields=["signing_secret", "updated_at"])
    rule.signing_secret = locked.signing_secret
    return locked.signing_secret, created


def rule_rotate_signing_secret(*, rule: AutomationRule) -> str:
    """A new signing secret for the rule's outbound calls (shown once); the old one stops verifying."""
    return _rotate(rule, "signing_secret")


@dataclass(frozen=True)
class ImportedRule:
    name: str
    original_name: str
    rule: AutomationRule | None  # None in a preview
    webhook_secret: str | None = None


def import_names(*, account_id: int, names: list[str], on_conflict: str) -> tuple[list[str], dict[str, list[str]]]:
    """The names the imported rules get: a clash with an existing rule (or another in the file) is renamed
    "Name (imported)", "Name (imported 2)", … or, with on_conflict "refuse", an error at rules.<i>.name."""
    taken = set(AutomationRule.objects.filter(account_id=account_id).values_list("name", flat=True))
    final, errors = [], {}
    for i, name in enumerate(names):
        if name in taken and on_conflict == "refuse":
            errors[f"rules.{i}.name"] = [f"a rule named {name!r} already exists (on_conflict is 'refuse')"]
        candidate, n = name, 1
        while candidate in taken:
            candidate = f"{name} (imported)" if n == 1 else f"{name} (imported {n})"
            n += 1
        taken.add(candidate)
        final.append(candidate[:200])
    return final, errors


@transaction.atomic
def rules_import(
    *, account_id: int, user=None, rules: list[dict[str, Any]], on_conflict: str = "rename", preview: bool = False
) -> list[ImportedRule]:
    """Create validated rules from a file, all or nothing; every one comes in inactive (switch it on when it is
    right), so an import never makes a second live copy of a rule."""
    limit = settings.AUTOMATION_MAX_RULES_PER_ACCOUNT
    existing = AutomationRule.objects.filter(account_id=account_id).count()
    if existing + len(rules) > limit:
        message = (
            f"the account has {existing} rules; {len(rules)} more would pass {limit} (AUTOMATION_MAX_RULES_PER_ACCOUNT)"
        )
        raise RuleValidationError({"rules": [message]})
    names, errors = import_names(account_id=account_id, names=[r["name"] for r in rules], on_conflict=on_conflict)
    if errors:
        raise RuleValidationError(errors)
    imported = []
    for fields, name in zip(rules, names, strict=True):
        if preview:
            imported.append(ImportedRule(name, fields["name"], None))
            continue
        rule, secret = rule_create(account_id=account_id, user=user, **{**fields, "name": name, "is_active": False})
        imported.append(ImportedRule(name, fields["name"], rule, secret))
    return imported


def rule_duplicate(*, rule: AutomationRule, user=None) -> AutomationRule:
    """An inactive copy (validated again: the original may predate a limit)."""
    rule_count_check(account_id=rule.account_id)
    fields = {k: v for k, v in rule_snapshot(rule).items() if k != "site"}
    fields.update(site_id=rule.site_id, name=f"{rule.name} (copy)", is_active=False)
    fields.update(validate_rule({k: fields[k] for k in ("trigger", "conditions", "actions")}))
    return rule_create(account_id=rule.account_id, user=user, **fields)[0]
