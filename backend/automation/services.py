"""Write operations of the pipeline: read and update the config (its preset rule), run now, retry failed
items, notify when a run ends."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Site
from backend.automation.config import PipelineConfig, config_from_rule, rule_changes
from backend.automation.models import AutomationConfig
from backend.automation.preset import preset_install, preset_rule
from backend.core.batching import batched
from backend.core.outbound import outbound_request, signature_headers
from backend.writer.models import Image, Task
from rules.lifecycle import TriggerResult, rule_execute
from rules.models import AutomationRule, AutomationRun
from rules.services import rule_signing_secret_ensure, rule_update

log = logging.getLogger(__name__)


def config_for(site: Site) -> PipelineConfig:
    """The site's pipeline configuration, read from its preset rule (installed now if the site has none)."""
    rule = preset_install(site)
    notify = AutomationConfig.objects.get(site=site)
    last = (
        AutomationRun.objects.filter(rule=rule, started_at__isnull=False)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return config_from_rule(rule, notify=notify, last_run_at=last)


NOTIFY_FIELDS = ("notify_email", "notify_webhook_url", "notify_on_complete", "notify_on_fail")


@dataclass(frozen=True)
class ConfigUpdated:
    config: PipelineConfig
    signing_secret: str | None  # shown once: the notification webhook's signing secret, when it was just made


@transaction.atomic
def config_update(*, site: Site, user=None, **fields: Any) -> ConfigUpdated:
    """Write validated config fields into the site's preset rule (a new rule version) and its notifications."""
    rule = preset_install(site)
    rule_fields = {k: v for k, v in fields.items() if k not in NOTIFY_FIELDS}
    if rule_fields:
        rule_update(rule=rule, user=user, **rule_changes(rule, rule_fields))
    notify = {k: v for k, v in fields.items() if k in NOTIFY_FIELDS}
    if notify:
        AutomationConfig.objects.filter(site=site).update(**notify, updated_at=timezone.now())
    secret = None
    if notify.get("notify_webhook_url"):
        secret, created = rule_signing_secret_ensure(rule=AutomationRule.objects.get(pk=rule.pk))
        secret = secret if created else None
    return ConfigUpdated(config_for(site), secret)


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


class SiteInactive(Exception):
    def __init__(self, site: Site) -> None:
        super().__init__(f"site {site.domain} is deactivated: activate it on the Sites page to run its automation")


def run_now(*, site: Site, trigger_type: str = "manual") -> TriggerResult:
    """Start the site's pipeline now; AlreadyRunning when one is active (one active run per site), SiteInactive
    when the site is deactivated.

    A run the account cannot afford is not made: the result carries the refusal (and it is recorded).
    """
    if not site.is_active:
        raise SiteInactive(site)
    rule = preset_install(site)
    result = rule_execute(rule=rule, site_id=site.id, trigger_type=trigger_type)
    if result.outcome == "dropped_mode" and (active := active_run(site)) is not None:
        raise AlreadyRunning(active)
    return result


def failed_items_retry(*, site: Site) -> dict[str, int]:
    """Queue the site's failed writing tasks and failed images again; the next run takes them."""
    with batched(), transaction.atomic():
        tasks = list(Task.objects.filter(site=site, status=Task.Status.FAILED))
        for task in tasks:
            task.status, task.error = Task.Status.QUEUED, ""
            task.save(update_fields=["status", "error", "updated_at"])
        images = list(Image.objects.filter(site=site, status=Image.Status.FAILED))
        for image in images:
            image.status, image.error = Image.Status.PENDING, ""
            image.save(update_fields=["status", "error", "updated_at"])
    return {"tasks": len(tasks), "images": len(images)}


def notify_run_finished(run: AutomationRun) -> None:
    """Email the account's users (and POST the optional webhook) with the run's summary and a link: a completed
    run when `notify_on_complete` is on, a failed one when `notify_on_fail` is on."""
    from backend.automation.selectors import history_row, run_number

    site = run.site
    config = AutomationConfig.objects.filter(site=site).first()
    if config is None or not _notifies(config, run.status):
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
        body = json.dumps({**row, "url": link, "event": f"run.{run.status}"}, cls=DjangoJSONEncoder).encode()
        _post_notification(site, config.notify_webhook_url, body)


def _notifies(config: AutomationConfig, status: str) -> bool:
    """Whether a run that ended with `status` is one the site wants to hear about."""
    return (status == "completed" and config.notify_on_complete) or (status == "failed" and config.notify_on_fail)


def _post_notification(site: Site, url: str, body: bytes) -> None:
    """POST the run summary, signed with the preset rule's signing secret; failures are logged, never raised."""
    rule = preset_rule(site)
    if rule is None:
        log.warning("run notification webhook %s not sent: site %s has no preset rule to sign with", url, site.pk)
        return
    secret, _ = rule_signing_secret_ensure(rule=rule)
    headers = {"Content-Type": "application/json", **signature_headers(secret, body)}
    try:
        response = outbound_request("POST", url, data=body, headers=headers, timeout=10, stream=True)
    except requests.RequestException as exc:  # DestinationRefused included: nothing was sent
        log.warning("run notification webhook %s failed: %s", url, exc)
        return
    response.close()
    if response.status_code >= 400:
        log.warning("run notification webhook %s answered %s", url, response.status_code)
