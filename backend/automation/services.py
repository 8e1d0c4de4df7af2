"""Write operations of the pipeline: update the config, run now, notify when a run ends."""

from __future__ import annotations

import json
import logging

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from backend.accounts.models import Site
from backend.automation.models import AutomationConfig
from backend.automation.preset import config_sync, preset_install, preset_rule
from rules.models import AutomationRun
from rules.services import rule_execute

log = logging.getLogger(__name__)


def config_for(site: Site) -> AutomationConfig:
    """The site's config; a site created before the preset existed gets it now."""
    config = AutomationConfig.objects.filter(site=site).first()
    if config is None:
        preset_install(site)
        config = AutomationConfig.objects.get(site=site)
    return config


@transaction.atomic
def config_update(*, config: AutomationConfig, **fields) -> AutomationConfig:
    """Save validated fields and carry them into the site's preset rule (schedule, params, active)."""
    for name, value in fields.items():
        setattr(config, name, value)
    config.full_clean()
    config.save()
    config_sync(config)
    return config


class AlreadyRunning(Exception):
    def __init__(self, run: AutomationRun) -> None:
        super().__init__(f"a run is already active for this site: {run.run_id} ({run.status})")
        self.run = run


def active_run(site: Site) -> AutomationRun | None:
    return (
        AutomationRun.objects.filter(site=site, rule__preset_key="seven_stage", status__in=AutomationRun.ACTIVE)
        .order_by("-created_at")
        .first()
    )


def run_now(*, site: Site, trigger_type: str = "manual") -> AutomationRun:
    """Start the site's pipeline now; AlreadyRunning when one is active (one active run per site)."""
    config_for(site)
    rule = preset_rule(site)
    run = rule_execute(rule=rule, site_id=site.id, trigger_type=trigger_type)
    if run is None:
        raise AlreadyRunning(active_run(site))
    return run


def notify_run_finished(run: AutomationRun) -> None:
    """Email the account's users (and POST the optional webhook) with the run's summary and a link."""
    from backend.automation.selectors import history_row, run_number

    site = run.site
    config = AutomationConfig.objects.filter(site=site).first()
    AutomationConfig.objects.filter(site=site).update(last_run_at=run.completed_at or run.started_at)
    if config is None or run.status not in ("completed", "failed"):
        return
    row = history_row(run, run_number(run), site)
    link = f"{settings.PUBLIC_URL.rstrip('/')}/automation/runs/{run.run_id}"
    summary = row["summary"]
    text = (
        f"{row['run_title']} {run.status}.\n\nStarted: {run.started_at or run.created_at:%Y-%m-%d %H:%M} UTC\n"
        f"Duration: {int(row['duration_seconds'])} s\nCredits used: {run.total_credits_used}\n"
        f"Items processed: {summary['items_processed']}, created: {summary['items_created']}\n"
        f"Content: {summary['content_created']}, images: {summary['images_generated']}\n"
        + (f"Error: {run.error_message}\n" if run.error_message else "")
        + f"\nDetails: {link}\n"
    )
    if config.notify_email:
        recipients = list(site.account.users.exclude(email="").values_list("email", flat=True))
        if recipients:
            send_mail(
                f"[IGNY8] {row['run_title']} {run.status}",
                text,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
    if config.notify_webhook_url:
        payload = json.dumps({**row, "url": link, "event": f"run.{run.status}"}, cls=DjangoJSONEncoder)
        try:
            requests.post(
                config.notify_webhook_url, data=payload, timeout=10, headers={"Content-Type": "application/json"}
            )
        except requests.RequestException as exc:
            log.warning("run notification webhook %s failed: %s", config.notify_webhook_url, exc)
