"""The seven-stage preset: every site's default rule, which is also the site's pipeline configuration."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction

from backend.accounts.models import Site
from backend.automation.config import normalize_stages
from backend.automation.models import AutomationConfig
from backend.automation.stages import PRESET_KEY, STAGES
from rules.models import AutomationRule
from rules.services import rule_create, rule_update


@lru_cache(maxsize=1)
def preset_definition() -> dict:
    """fixtures/presets/seven_stage.json as a dict."""
    return json.loads((settings.BASE_DIR / "fixtures" / "presets" / f"{PRESET_KEY}.json").read_text())


def preset_rule(site: Site) -> AutomationRule | None:
    return AutomationRule.objects.filter(site=site, preset_key=PRESET_KEY).order_by("id").first()


@transaction.atomic
def preset_install(site: Site) -> AutomationRule:
    """Give a site its notification settings and its own copy of the preset rule (kept when present)."""
    AutomationConfig.objects.get_or_create(site=site, defaults={"account_id": site.account_id})
    rule = preset_rule(site)
    if rule is not None:
        return rule
    definition = preset_definition()
    return rule_create(
        account_id=site.account_id,
        preset_key=PRESET_KEY,
        site=site,
        name=definition["name"],
        description=definition["description"],
        mode=definition["mode"],
        mode_scope=definition["mode_scope"],
        is_active=definition["is_active"],
        trigger={**definition["trigger"], "timezone": site.timezone},
        conditions=definition["conditions"],
        actions=normalize_stages(copy.deepcopy(definition["actions"])),
    )[0]


@transaction.atomic
def preset_reinstall(site: Site) -> AutomationRule:
    """Put the preset's shape back into the site's rule (a new version), keeping the settings it still holds:
    each stage's params where the stage is still there, the schedule, on/off."""
    rule = preset_install(site)
    definition = preset_definition()
    actions = copy.deepcopy(definition["actions"])
    current = {
        (step.get("params") or {}).get("stage"): step
        for step in rule.actions
        if isinstance(step, dict) and isinstance(step.get("params"), dict)
    }
    for step in actions:
        kept = current.get(step["params"]["stage"])
        if kept is not None and kept.get("type") == step["type"]:
            step["params"] = {**step["params"], **kept["params"]}
    schedule = rule.trigger if (rule.trigger or {}).get("type") == "schedule" else None
    return rule_update(
        rule=rule,
        name=definition["name"],
        description=definition["description"],
        mode=definition["mode"],
        mode_scope=definition["mode_scope"],
        trigger=schedule or {**definition["trigger"], "timezone": site.timezone},
        conditions=definition["conditions"],
        actions=normalize_stages(actions),
    )[0]


def preset_shape_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    """The pipeline rule keeps its seven stages in order, a schedule trigger, one run at a time per site."""
    errors: dict[str, list[str]] = {}
    actions = fields.get("actions") or []
    expected = [stage.action for stage in STAGES]
    found = [step.get("type") for step in actions]
    numbers = [(step.get("params") or {}).get("stage") for step in actions]
    if found != expected or numbers != [stage.number for stage in STAGES]:
        errors["actions"] = [
            "the pipeline rule keeps its seven stages in order (" + ", ".join(expected) + ") with their `stage` "
            "numbers; switch a stage off with `enabled: false` instead of removing it"
        ]
    if (fields.get("trigger") or {}).get("type") != "schedule":
        errors["trigger"] = ["the pipeline rule is started by its schedule (and by Run Now): keep a schedule trigger"]
    if fields.get("mode") != "single" or fields.get("mode_scope") != "site":
        errors["mode"] = ["the pipeline runs one at a time per site: mode single, mode_scope site"]
    return errors


UNDELETABLE_BECAUSE = (
    "this is the site's content pipeline (its Automation settings and run history depend on it), so it "
    "cannot be deleted; switch it off instead (is_active false, or Scheduled runs off in the Automation settings)"
)
