"""`/api/v1/sites/`: the account's sites, each with its WordPress connection and its pipeline's status.

It lives here, not in accounts, because a site's automation status reads the engine's rules and runs and the
integrations (layers below the pipeline app, above accounts). The list costs a fixed number of queries
however many sites there are: the runs come in as subqueries, the pipeline rules and integrations prefetched.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.models import Site
from backend.accounts.serializers import SiteSerializer
from backend.accounts.views import SiteViewSet
from backend.automation.stages import PRESET_KEY
from backend.integrations.models import Integration
from rules.core.schedule import ScheduleError, describe_cron
from rules.models import AutomationRule, AutomationRun
from rules.services import rule_update

RUN_FIELDS = ("run_id", "status", "started_at", "completed_at")


def _latest_run(statuses: tuple[str, ...], order: str, field: str) -> Subquery:
    runs = AutomationRun.objects.filter(site=OuterRef("pk"), rule__preset_key=PRESET_KEY, status__in=statuses)
    return Subquery(runs.order_by(F(order).desc(nulls_last=True), "-id").values(field)[:1])


def sites_with_status(queryset: QuerySet[Site]) -> QuerySet[Site]:
    """Sites with their pipeline rule, active WordPress integration, active run and last finished run."""
    annotations: dict[str, Any] = {}
    for field in RUN_FIELDS:
        annotations[f"active_run_{field}"] = _latest_run(AutomationRun.ACTIVE, "created_at", field)
        annotations[f"last_run_{field}"] = _latest_run(AutomationRun.FINISHED, "completed_at", field)
    pipeline = AutomationRule.objects.filter(preset_key=PRESET_KEY).only(
        "id", "site_id", "is_active", "trigger", "next_run_at"
    )
    wordpress = Integration.objects.filter(is_active=True, kind=Integration.Kind.WORDPRESS).only(
        "id", "site_id", "url", "username", "last_checked_at", "last_check_ok", "last_check_error", "is_active"
    )
    return queryset.annotate(**annotations).prefetch_related(
        Prefetch("rules", queryset=pipeline.order_by("id"), to_attr="pipeline_rules"),
        Prefetch("integrations", queryset=wordpress.order_by("id"), to_attr="wordpress_integrations"),
    )


def schedule_in_words(rule: AutomationRule) -> str:
    """The pipeline's schedule as a sentence with its zone ("At 02:00 AM (Europe/Berlin)"), or ''."""
    trigger = rule.trigger or {}
    cron = trigger.get("cron")
    if trigger.get("type") != "schedule" or not cron:
        return ""
    try:
        words = describe_cron(cron)
    except ScheduleError:
        return cron
    return f"{words} ({trigger.get('timezone', 'UTC')})"


class RunSummarySerializer(serializers.Serializer):
    run_id = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class SiteAutomationSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(allow_null=True, help_text="The site's pipeline (preset) rule.")
    is_enabled = serializers.BooleanField(help_text="Whether the pipeline's schedule is on (the rule is active).")
    schedule = serializers.CharField(help_text="The schedule in words, with its time zone ('' if none).")
    next_run_at = serializers.DateTimeField(allow_null=True)
    active_run = RunSummarySerializer(allow_null=True, help_text="The run going on now (queued, running, paused).")
    last_run = RunSummarySerializer(allow_null=True, help_text="The last finished run.")


class SiteWordPressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    username = serializers.CharField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    last_check_ok = serializers.BooleanField(allow_null=True)
    last_check_error = serializers.CharField()


class SiteWithStatusSerializer(SiteSerializer):
    """A site with its active WordPress connection (null when none) and its pipeline's status."""

    wordpress = serializers.SerializerMethodField()
    automation = serializers.SerializerMethodField()

    class Meta(SiteSerializer.Meta):
        fields = [*SiteSerializer.Meta.fields, "wordpress", "automation"]
        read_only_fields = [*SiteSerializer.Meta.read_only_fields, "wordpress", "automation"]

    @extend_schema_field(SiteWordPressSerializer(allow_null=True))
    def get_wordpress(self, site: Site) -> dict | None:
        found = getattr(site, "wordpress_integrations", None) or []
        return SiteWordPressSerializer(found[0]).data if found else None

    @extend_schema_field(SiteAutomationSerializer)
    def get_automation(self, site: Site) -> dict:
        rules = getattr(site, "pipeline_rules", None) or []
        rule = rules[0] if rules else None
        return {
            "rule_id": rule.pk if rule else None,
            "is_enabled": bool(rule and rule.is_active and site.is_active),
            "schedule": schedule_in_words(rule) if rule else "",
            "next_run_at": rule.next_run_at if rule and site.is_active else None,
            "active_run": _run(site, "active_run"),
            "last_run": _run(site, "last_run"),
        }


def _run(site: Site, prefix: str) -> dict | None:
    values = {field: getattr(site, f"{prefix}_{field}", None) for field in RUN_FIELDS}
    return values if values["run_id"] else None


class SiteStatusViewSet(SiteViewSet):
    """The account's sites: list, add, edit, deactivate (`is_active` false: its pipeline is not scheduled, and
    Run now refuses). Each carries its WordPress connection and its pipeline's status; another account's is a 404.
    Editing the time zone moves the pipeline's schedule to it when the schedule was in the old zone."""

    serializer_class = SiteWithStatusSerializer

    def get_queryset(self):
        return sites_with_status(super().get_queryset())

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @transaction.atomic
    def perform_update(self, serializer):
        before = serializer.instance.timezone
        site = serializer.save()
        if site.timezone != before:
            _move_schedule(site, before)
        serializer.instance = self.get_queryset().get(pk=site.pk)


def _move_schedule(site: Site, old_zone: str) -> None:
    """Keep the pipeline's schedule in the site's time zone (a schedule set in another zone is left alone)."""
    rule = AutomationRule.objects.filter(site=site, preset_key=PRESET_KEY).order_by("id").first()
    trigger = dict(rule.trigger or {}) if rule else {}
    if rule is None or trigger.get("timezone", "UTC") != old_zone:
        return
    rule_update(rule=rule, trigger={**trigger, "timezone": site.timezone})
