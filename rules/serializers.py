from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Site
from backend.core.api import AccountScopedRelatedField, StrictSerializerMixin
from rules.models import AutomationRule, AutomationRuleVersion, AutomationRun, RunLog, RunStep, TriggerRecord
from rules.schedule import describe_cron, next_fire_times
from rules.validation import RuleValidationError, validate_rule


def trigger_summary(trigger: dict) -> str:
    kind = (trigger or {}).get("type", "manual")
    if kind == "schedule":
        return f"{describe_cron(trigger['cron'])} ({trigger['timezone']})"
    if kind == "event":
        fields = trigger.get("fields")
        return f"on {trigger['event']}" + (
            f" when {' or '.join(fields)} change{'s' if len(fields) == 1 else ''}" if fields else ""
        )
    return {"manual": "manual", "webhook": "webhook"}.get(kind, kind)


class RuleSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    trigger = serializers.JSONField()
    conditions = serializers.JSONField(required=False, allow_null=True)
    actions = serializers.JSONField()
    trigger_summary = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()

    class Meta:
        model = AutomationRule
        fields = [
            "id",
            "name",
            "description",
            "site",
            "is_active",
            "mode",
            "max_runs",
            "mode_scope",
            "allow_self_trigger",
            "budget_per_run",
            "trigger",
            "conditions",
            "actions",
            "version",
            "preset_key",
            "execution_count",
            "last_executed_at",
            "next_run_at",
            "trigger_summary",
            "schedule",
            "webhook_url",
            "last_run",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "version",
            "preset_key",
            "execution_count",
            "last_executed_at",
            "next_run_at",
            "created_at",
            "updated_at",
        ]

    def to_internal_value(self, data):
        """Field errors and trigger/conditions/actions errors come back together, in one 400."""
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            if isinstance(data, dict):
                try:
                    validate_rule({k: data[k] for k in ("trigger", "conditions", "actions") if k in data})
                except RuleValidationError as rule_errors:
                    errors.update(rule_errors.errors)
            raise serializers.ValidationError(errors) from exc

    def validate(self, attrs):
        attrs = super().validate(attrs)
        site = attrs.get("site", getattr(self.instance, "site", None))
        try:
            attrs.update(validate_rule(attrs, default_timezone=site.timezone if site else "UTC"))
        except RuleValidationError as exc:
            raise serializers.ValidationError(exc.errors) from exc
        mode = attrs.get("mode", getattr(self.instance, "mode", "single"))
        scope = attrs.get("mode_scope", getattr(self.instance, "mode_scope", "rule"))
        if scope == "site" and site is None and (attrs.get("trigger") or {}).get("type") == "schedule":
            raise serializers.ValidationError({"mode_scope": ["per-site scope needs a site for a schedule rule"]})
        if "max_runs" in attrs and not 1 <= attrs["max_runs"] <= 100:
            raise serializers.ValidationError({"max_runs": ["must be from 1 to 100"]})
        del mode
        return attrs

    def get_trigger_summary(self, rule: AutomationRule) -> str:
        return trigger_summary(rule.trigger)

    def get_schedule(self, rule: AutomationRule) -> dict | None:
        if rule.trigger_type != "schedule":
            return None
        times = next_fire_times(rule.trigger["cron"], rule.trigger["timezone"], n=5)
        return {
            "description": describe_cron(rule.trigger["cron"]),
            "timezone": rule.trigger["timezone"],
            "next_fire_times": [t.isoformat() for t in times],
        }

    def get_webhook_url(self, rule: AutomationRule) -> str | None:
        if not rule.webhook_token:
            return None
        request = self.context.get("request")
        path = f"/api/v1/automation/hooks/{rule.webhook_token}/"
        return request.build_absolute_uri(path) if request else path

    def get_last_run(self, rule: AutomationRule) -> dict | None:
        run_id = getattr(rule, "last_run_id", None)
        if run_id is None:
            return None
        return {"run_id": run_id, "status": rule.last_run_status, "created_at": rule.last_run_created_at}


class RuleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AutomationRuleVersion
        fields = ["version", "snapshot", "created_at", "created_by"]
        read_only_fields = fields


class RunStepSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = RunStep
        fields = [
            "index",
            "action_type",
            "name",
            "params",
            "on_error",
            "max_retries",
            "timeout",
            "status",
            "attempts",
            "started_at",
            "finished_at",
            "duration_seconds",
            "input_count",
            "output_count",
            "credits_used",
            "result",
            "error",
            "error_kind",
        ]
        read_only_fields = fields


class RunLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunLog
        fields = ["id", "at", "step_index", "level", "message"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.SerializerMethodField()
    steps_total = serializers.SerializerMethodField()
    steps_completed = serializers.SerializerMethodField()
    parent_run_id = serializers.CharField(source="parent_run.run_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AutomationRun
        fields = [
            "id",
            "run_id",
            "rule",
            "rule_name",
            "rule_version",
            "site",
            "trigger_type",
            "status",
            "current_step",
            "attempt",
            "created_at",
            "started_at",
            "completed_at",
            "paused_at",
            "resumed_at",
            "cancelled_at",
            "duration_seconds",
            "total_credits_used",
            "credits_reserved",
            "error_message",
            "causation",
            "parent_run_id",
            "steps_total",
            "steps_completed",
        ]
        read_only_fields = fields

    def get_steps_total(self, run: AutomationRun) -> int:
        """Set on the runs of a list page; counted from the (prefetched) steps elsewhere."""
        return run.steps_total if hasattr(run, "steps_total") else len(run.steps.all())

    def get_steps_completed(self, run: AutomationRun) -> int:
        if hasattr(run, "steps_completed"):
            return run.steps_completed
        return sum(step.status == "completed" for step in run.steps.all())

    def get_duration_seconds(self, run: AutomationRun) -> float | None:
        if not run.started_at:
            return None
        from django.utils import timezone

        end = run.completed_at or timezone.now()
        return round((end - run.started_at).total_seconds(), 3)


class RunDetailSerializer(RunSerializer):
    steps = RunStepSerializer(many=True, read_only=True)
    child_runs = serializers.SerializerMethodField()
    trigger_payload = serializers.JSONField(read_only=True)

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "trigger_payload", "steps", "child_runs"]
        read_only_fields = fields

    def get_child_runs(self, run: AutomationRun) -> list[dict]:
        return list(run.child_runs.values("run_id", "rule_id", "rule_name", "status", "created_at"))


class TriggerRecordSerializer(serializers.ModelSerializer):
    run_id = serializers.CharField(source="run.run_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = TriggerRecord
        fields = [
            "id",
            "at",
            "trigger_type",
            "event",
            "outcome",
            "reason",
            "run_id",
            "object_type",
            "object_id",
            "causation",
        ]
        read_only_fields = fields


class ExecuteSerializer(StrictSerializerMixin, serializers.Serializer):
    payload = serializers.JSONField(required=False, default=dict)
    site = AccountScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)

    def validate_payload(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be a JSON object")
        return value


class TestConditionsSerializer(StrictSerializerMixin, serializers.Serializer):
    sample = serializers.JSONField(required=False)
    object_id = serializers.IntegerField(required=False)
    conditions = serializers.JSONField(required=False, help_text="Test these instead of the saved conditions.")

    def validate(self, attrs):
        if ("sample" in attrs) == ("object_id" in attrs):
            raise serializers.ValidationError({"sample": ["give exactly one of 'sample' or 'object_id'"]})
        if "sample" in attrs and not isinstance(attrs["sample"], dict):
            raise serializers.ValidationError({"sample": ["must be a JSON object (a condition context)"]})
        return attrs


class TestResultSerializer(serializers.Serializer):
    result = serializers.BooleanField()
    trace = serializers.ListField(child=serializers.DictField())
    error = serializers.DictField(allow_null=True)
    context = serializers.DictField()


class RestoreSerializer(StrictSerializerMixin, serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class RetrySerializer(StrictSerializerMixin, serializers.Serializer):
    from_start = serializers.BooleanField(required=False, default=False)
