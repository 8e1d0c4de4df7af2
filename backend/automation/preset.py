"""The seven-stage preset: every site's default rule, kept in step with its AutomationConfig."""

from __future__ import annotations

import copy
import json
from functools import lru_cache

from django.conf import settings
from django.db import transaction

from backend.accounts.models import Site
from backend.automation.models import AutomationConfig
from backend.automation.stages import PRESET_KEY
from rules.models import AutomationRule
from rules.services import rule_create, rule_update

CRON_DAY = {"daily": "* * *", "weekly": "* * 1", "monthly": "1 * *"}  # weekly: Mondays; monthly: the 1st


@lru_cache(maxsize=1)
def preset_definition() -> dict:
    """fixtures/presets/seven_stage.json as a dict."""
    return json.loads((settings.BASE_DIR / "fixtures" / "presets" / f"{PRESET_KEY}.json").read_text())


def schedule_cron(config: AutomationConfig) -> str:
    """The 5-field cron of the config's frequency at its scheduled time (site timezone)."""
    at = config.scheduled_time
    return f"{at.minute} {at.hour} {CRON_DAY[config.frequency]}"


def preset_actions(config: AutomationConfig) -> list[dict]:
    """The preset's steps with the config's batch sizes, delays, switches and concurrency filled in."""
    actions = copy.deepcopy(preset_definition()["actions"])
    for step in actions:
        params, n = step["params"], step["params"]["stage"]
        params["enabled"] = getattr(config, f"stage_{n}_enabled")
        if n <= 6:
            params["batch_size"] = getattr(config, f"stage_{n}_batch_size")
        if config.within_stage_delay:
            params["delay_seconds"] = config.within_stage_delay
        if n > 1 and config.between_stage_delay:
            params["wait_before_seconds"] = config.between_stage_delay
        if n in (4, 6):
            params["concurrency"] = getattr(config, f"stage_{n}_concurrency")
        if n == 2:
            params["ideas_per_cluster"] = config.ideas_per_cluster
    return actions


def preset_rule_fields(config: AutomationConfig) -> dict:
    definition = preset_definition()
    return {
        "name": definition["name"],
        "description": definition["description"],
        "site_id": config.site_id,
        "mode": definition["mode"],
        "mode_scope": definition["mode_scope"],
        "trigger": {
            "type": "schedule",
            "cron": schedule_cron(config),
            "timezone": config.site.timezone,
            "catch_up": "latest",
        },
        "conditions": definition["conditions"],
        "actions": preset_actions(config),
        "is_active": config.is_enabled,
    }


def preset_rule(site: Site) -> AutomationRule | None:
    return AutomationRule.objects.filter(site=site, preset_key=PRESET_KEY).order_by("id").first()


@transaction.atomic
def preset_install(site: Site) -> AutomationRule:
    """Give a site its config (if missing) and its own copy of the preset rule (re-installed if present)."""
    config, _ = AutomationConfig.objects.get_or_create(site=site, defaults={"account_id": site.account_id})
    return config_sync(config)


def config_sync(config: AutomationConfig) -> AutomationRule:
    """Write the config into the site's preset rule (schedule, params, active) and mirror next_run_at."""
    fields = preset_rule_fields(config)
    rule = preset_rule(config.site)
    if rule is None:
        rule = rule_create(
            account_id=config.account_id,
            preset_key=PRESET_KEY,
            **{k: v for k, v in fields.items() if k != "site_id"},
            site=config.site,
        )[0]
    else:
        rule = rule_update(rule=rule, **fields)[0]
    AutomationConfig.objects.filter(pk=config.pk).update(next_run_at=rule.next_run_at)
    config.next_run_at = rule.next_run_at
    return rule
