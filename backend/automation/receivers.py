"""The pipeline's hooks into the engine: its preset (shape, estimate), a preset per new site, notifications."""

from __future__ import annotations

from decimal import Decimal

from django.db.models.signals import post_save
from django.dispatch import receiver

from backend.accounts.models import Site
from backend.automation.config import normalize_stages
from backend.automation.preset import UNDELETABLE_BECAUSE, preset_install, preset_shape_errors
from backend.automation.projection import estimate_credits
from backend.automation.services import config_for, notify_run_finished
from backend.automation.stages import PRESET_KEY
from rules.core.presets import Preset, presets
from rules.lifecycle import run_finished


@receiver(post_save, sender=Site, dispatch_uid="automation-preset-for-new-site")
def install_preset_for_new_site(sender, instance: Site, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        preset_install(instance)


@receiver(run_finished, dispatch_uid="automation-run-finished")
def pipeline_run_finished(sender, run, **kwargs) -> None:
    if run.rule is not None and run.rule.preset_key == PRESET_KEY:
        notify_run_finished(run)


def estimate(site_id: int | None) -> Decimal:
    """A pipeline run reserves its whole projection (what every enabled stage would spend now)."""
    site = Site.objects.get(pk=site_id)
    return estimate_credits(site, config_for(site))


presets.register(
    PRESET_KEY,
    Preset(
        PRESET_KEY,
        check=preset_shape_errors,
        normalize=normalize_stages,
        undeletable_because=UNDELETABLE_BECAUSE,
        estimate=estimate,
    ),
)
