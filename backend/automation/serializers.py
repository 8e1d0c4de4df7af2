from __future__ import annotations

from rest_framework import serializers

from backend.automation.models import MAX_BATCH, AutomationConfig
from backend.core.api import StrictSerializerMixin


class AutomationConfigSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    site_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = AutomationConfig
        exclude = ["id", "account", "site"]
        read_only_fields = ["last_run_at", "next_run_at", "updated_at"]
        extra_kwargs = {f"stage_{n}_batch_size": {"min_value": 1, "max_value": MAX_BATCH} for n in range(1, 7)}

    def validate_stage_1_batch_size(self, value: int) -> int:
        if value > 20:
            raise serializers.ValidationError("keyword clustering takes at most 20 keywords per call")
        return value


class SiteQuerySerializer(serializers.Serializer):
    site_id = serializers.IntegerField(min_value=1)


class RunQuerySerializer(serializers.Serializer):
    run_id = serializers.CharField(max_length=100)


class HistoryQuerySerializer(SiteQuerySerializer):
    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)


class LogsQuerySerializer(RunQuerySerializer):
    lines = serializers.IntegerField(min_value=1, max_value=5000, default=100)
