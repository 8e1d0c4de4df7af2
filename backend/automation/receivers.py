"""Every new site gets the preset; every finished pipeline run notifies."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from backend.accounts.models import Site
from rules.dispatch import run_finished


@receiver(post_save, sender=Site, dispatch_uid="automation-preset-for-new-site")
def install_preset_for_new_site(sender, instance: Site, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from backend.automation.preset import preset_install

        preset_install(instance)


@receiver(run_finished, dispatch_uid="automation-run-finished")
def pipeline_run_finished(sender, run, **kwargs) -> None:
    if run.rule is not None and run.rule.preset_key == "seven_stage":
        from backend.automation.services import notify_run_finished

        notify_run_finished(run)


def _estimate(run) -> float:
    from backend.automation.projection import estimate_credits
    from backend.automation.services import config_for

    return estimate_credits(run.site, config_for(run.site))


def _register_estimator() -> None:
    from actions.executor import PRESET_ESTIMATORS

    PRESET_ESTIMATORS["seven_stage"] = _estimate


_register_estimator()
