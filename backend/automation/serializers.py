from __future__ import annotations

from rest_framework import serializers

from backend.automation.config import FREQUENCIES
from backend.automation.models import MAX_BATCH
from backend.core.api import StrictSerializerMixin
from backend.core.outbound import destination_refusal

MAX_CLUSTER_BATCH = 20  # keyword clustering takes at most 20 keywords per call


def _batch(stage: int, most: int = MAX_BATCH) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=most, help_text=f"Items per batch in stage {stage}.")


class AutomationConfigSerializer(StrictSerializerMixin, serializers.Serializer):
    """The seeds' config fields. They are the site's preset rule: a change here is a new version of that rule,
    and a change to the rule in the rule editor shows here."""

    site_id = serializers.IntegerField(read_only=True)
    rule_id = serializers.IntegerField(read_only=True, help_text="The preset rule that holds this configuration.")
    is_enabled = serializers.BooleanField(help_text="Scheduled runs on or off (the preset rule's is_active).")
    frequency = serializers.ChoiceField(
        choices=[*FREQUENCIES, "custom"],
        help_text="'custom' is a cron set in the rule editor; it is kept until another frequency is chosen.",
    )
    scheduled_time = serializers.TimeField(help_text="In `timezone` (the site's).")
    scheduled_weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="Weekly: 0 Monday … 6 Sunday.")
    scheduled_day_of_month = serializers.IntegerField(min_value=1, max_value=28, help_text="Monthly: day 1–28.")
    timezone = serializers.CharField(read_only=True)
    schedule_description = serializers.CharField(read_only=True)
    stage_1_batch_size = _batch(1, MAX_CLUSTER_BATCH)
    stage_2_batch_size = _batch(2)
    stage_3_batch_size = _batch(3)
    stage_4_batch_size = _batch(4)
    stage_5_batch_size = _batch(5)
    stage_6_batch_size = _batch(6)
    within_stage_delay = serializers.IntegerField(min_value=0, max_value=600, help_text="Seconds between batches.")
    between_stage_delay = serializers.IntegerField(min_value=0, max_value=3600, help_text="Seconds between stages.")
    stage_1_enabled = serializers.BooleanField()
    stage_2_enabled = serializers.BooleanField()
    stage_3_enabled = serializers.BooleanField()
    stage_4_enabled = serializers.BooleanField()
    stage_5_enabled = serializers.BooleanField()
    stage_6_enabled = serializers.BooleanField()
    stage_7_enabled = serializers.BooleanField()
    stage_4_concurrency = serializers.IntegerField(min_value=1, max_value=16)
    stage_6_concurrency = serializers.IntegerField(min_value=1, max_value=16)
    ideas_per_cluster = serializers.IntegerField(min_value=1, max_value=10)
    notify_email = serializers.BooleanField()
    notify_webhook_url = serializers.URLField(max_length=500, allow_blank=True)
    notify_on_complete = serializers.BooleanField(help_text="Notify (email, webhook) when a run completes.")
    notify_on_fail = serializers.BooleanField(help_text="Notify (email, webhook) when a run fails.")
    next_run_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_run_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate_notify_webhook_url(self, value: str) -> str:
        refusal = destination_refusal(value.strip()) if value.strip() else None
        if refusal:
            raise serializers.ValidationError(refusal)
        return value.strip()

    def validate_frequency(self, value: str) -> str:
        current = getattr(self.instance, "frequency", None)
        if value == "custom" and current != "custom":
            raise serializers.ValidationError("a custom schedule (any cron) is set in the rule editor")
        return value


class SiteQuerySerializer(serializers.Serializer):
    site_id = serializers.IntegerField(min_value=1)


class RunQuerySerializer(serializers.Serializer):
    run_id = serializers.CharField(max_length=100)


class HistoryQuerySerializer(SiteQuerySerializer):
    page = serializers.IntegerField(min_value=1, max_value=100_000, default=1)  # its offset must fit a query
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)


class LogsQuerySerializer(RunQuerySerializer):
    lines = serializers.IntegerField(min_value=1, max_value=5000, default=100)
