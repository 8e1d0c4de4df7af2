from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from backend.accounts.models import Site
from backend.core.api import AccountScopedRelatedField, StrictSerializerMixin
from rules.core.flow import iter_entries
from rules.core.presets import preset_for
from rules.core.schedule import describe_cron, next_fire_times
from rules.core.triggers import trigger_summary
from rules.models import AutomationRule, AutomationRuleVersion, AutomationRun, RunLog, RunStep, TriggerRecord
from rules.selectors import SHADOW_SUMMARY_DAYS, shadow_summaries
from rules.services import credential_names, rule_count_check
from rules.validation import RuleValidationError, check_event_payload, field_warnings, validate_rule

CREDENTIAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class RuleFileSerializer(serializers.ModelSerializer):
    """A rule as a file holds it (export): exactly AutomationRule.FIELDS."""

    site = AccountScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    trigger = serializers.JSONField()
    conditions = serializers.JSONField(required=False, allow_null=True)
    actions = serializers.JSONField()

    class Meta:
        model = AutomationRule
        fields = list(AutomationRule.FIELDS)


class RuleSerializer(StrictSerializerMixin, RuleFileSerializer):
    trigger_summary = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="Saved, but probably not meant: a condition reading a field the trigger's object does not have."
    )
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=4000, allow_null=True, trim_whitespace=False),
        write_only=True,
        required=False,
        help_text="Secrets its steps use by name (a webhook's secret_headers): write-only; a value sets one, null "
        "removes it. Only their names come back (`credential_names`).",
    )
    credential_names = serializers.SerializerMethodField()
    shadow_summary = serializers.SerializerMethodField(
        help_text="A shadow rule's record of the last SHADOW_SUMMARY_DAYS days: how often it would have run and "
        "the credits those runs would have reserved (null for a live rule)."
    )

    class Meta:
        model = AutomationRule
        fields = [
            "id",
            *AutomationRule.FIELDS,
            "credentials",
            "credential_names",
            "warnings",
            "version",
            "preset_key",
            "execution_count",
            "last_executed_at",
            "next_run_at",
            "trigger_summary",
            "schedule",
            "webhook_url",
            "last_run",
            "shadow_summary",
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
        scope = attrs.get("mode_scope", getattr(self.instance, "mode_scope", "rule"))
        if scope == "site" and site is None and (attrs.get("trigger") or {}).get("type") == "schedule":
            raise serializers.ValidationError({"mode_scope": ["per-site scope needs a site for a schedule rule"]})
        if "max_runs" in attrs and not 1 <= attrs["max_runs"] <= 100:
            raise serializers.ValidationError({"max_runs": ["must be from 1 to 100"]})
        if self.instance is None:
            if not self.context.get("draft"):  # a backtest's draft is never saved
                self._check_rule_count()
        else:
            self._keep_preset_shape(attrs)
        self._check_credentials_used(attrs)
        return attrs

    def _keep_preset_shape(self, attrs) -> None:
        """A preset rule (the site's pipeline) keeps the shape its app relies on, whichever screen edits it."""
        guard = preset_for(self.instance.preset_key)
        if guard is None:
            return
        after = {name: attrs.get(name, getattr(self.instance, name)) for name in ("trigger", "actions", "mode")}
        after["mode_scope"] = attrs.get("mode_scope", self.instance.mode_scope)
        errors = guard.check(after)
        if "site" in attrs and attrs["site"] != self.instance.site:
            errors["site"] = ["the pipeline rule belongs to its site"]
        if errors:
            raise serializers.ValidationError(errors)
        if "actions" in attrs:
            attrs["actions"] = guard.normalize(attrs["actions"])

    def _check_rule_count(self) -> None:
        try:
            rule_count_check(account_id=self.context["request"].user.account_id)
        except RuleValidationError as exc:
            raise serializers.ValidationError(exc.errors) from exc

    def get_credential_names(self, rule: AutomationRule) -> list[str]:
        return credential_names(rule)

    def validate_credentials(self, value: dict) -> dict:
        bad = [name for name in value if not CREDENTIAL_NAME.match(name)]
        if bad:
            raise serializers.ValidationError(f"{bad[0]!r}: a name is 1-64 lower-case letters, digits or '_'")
        if len(value) > 50:
            raise serializers.ValidationError("at most 50 credentials")
        return value

    def _check_credentials_used(self, attrs: dict) -> None:
        """Every secret header names a credential the rule has (or gets with this save)."""
        names = set(credential_names(self.instance)) if self.instance is not None else set()
        for name, value in (attrs.get("credentials") or {}).items():
            (names.add if value is not None else names.discard)(name)
        errors: dict[str, list[str]] = {}
        actions = attrs.get("actions", getattr(self.instance, "actions", None)) or []
        for path, entry, _depth in iter_entries(actions):
            secret = (entry.get("params") or {}).get("secret_headers") if isinstance(entry, dict) else None
            for header, name in (secret or {}).items():
                if name not in names:
                    known = ", ".join(sorted(names)) or "none yet"
                    key = f"{path.replace('/', '.')}.params.secret_headers.{header}"
                    errors[key] = [
                        f"{name!r} is not a credential of this rule (it has: {known}); add it under credentials"
                    ]
        if errors:
            raise serializers.ValidationError(errors)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
    def get_warnings(self, rule: AutomationRule) -> dict[str, list[str]]:
        return field_warnings(rule.trigger, rule.conditions, rule.actions)

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

    @extend_schema_field(
        inline_serializer(
            "ShadowSummary",
            {
                "would_have_run": serializers.IntegerField(),
                "estimated_credits": serializers.DecimalField(max_digits=14, decimal_places=2),
                "last_at": serializers.DateTimeField(allow_null=True),
                "days": serializers.IntegerField(),
            },
            allow_null=True,
        )
    )
    def get_shadow_summary(self, rule: AutomationRule) -> dict | None:
        if not rule.is_shadow:
            return None
        summary = getattr(rule, "shadow", None)
        if summary is None:  # a rule not read through selectors.rules_with_last_run
            summary = shadow_summaries([rule.pk]).get(rule.pk, {})
        return {
            "would_have_run": summary.get("count", 0),
            "estimated_credits": f"{summary.get('credits') or 0:.2f}",
            "last_at": summary.get("last_at"),
            "days": SHADOW_SUMMARY_DAYS,
        }

    def get_last_run(self, rule: AutomationRule) -> dict | None:
        run_id = getattr(rule, "last_run_id", None)
        if run_id is None:
            return None
        return {"run_id": run_id, "status": rule.last_run_status, "created_at": rule.last_run_created_at}


class RuleVersionSerializer(serializers.ModelSerializer):
    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = AutomationRuleVersion
        fields = ["version", "snapshot", "created_at", "created_by"]
        read_only_fields = fields

    def get_snapshot(self, version: AutomationRuleVersion) -> dict:
        """The rule's fields in their reading order (the database may store a JSON object's keys in any order)."""
        snapshot = version.snapshot or {}
        return {**{name: snapshot[name] for name in AutomationRule.FIELDS if name in snapshot}, **snapshot}


class RunStepSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = RunStep
        fields = [
            "index",
            "key",
            "path",
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
            "dry_run",
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
    program = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "trigger_payload", "program", "steps", "child_runs"]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
    def get_program(self, run: AutomationRun) -> list[dict]:
        """The actions as this run used them (its rule version), every entry with its id: a program's own, or for
        a plain list of actions, its steps."""
        if run.program is not None:
            return list(run.program)
        return [
            {"id": step.key, "type": step.action_type, **({"name": step.name} if step.name else {}),
             "params": step.params, "on_error": step.on_error}
            for step in sorted(run.steps.all(), key=lambda step: step.index)
        ]  # fmt: skip

    def get_child_runs(self, run: AutomationRun) -> list[dict]:
        return list(run.child_runs.values("run_id", "rule_id", "rule_name", "status", "created_at"))


class TriggerRecordSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, allow_null=True, help_text="null for a condition drop (see event_id)")
    run_id = serializers.CharField(source="run.run_id", read_only=True, allow_null=True, default=None)
    event_id = serializers.SerializerMethodField(
        help_text="A condition drop's journal event: worked out from the event journal, not stored"
    )

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
            "estimated_credits",
            "event_id",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_event_id(self, record: TriggerRecord) -> int | None:
        return getattr(record, "event_id", None)


class ExecuteSerializer(StrictSerializerMixin, serializers.Serializer):
    """`payload`, or `context` as the seeds' client names it (one of them); validated data has `payload`."""

    payload = serializers.JSONField(required=False, help_text="The trigger payload (a JSON object).")
    context = serializers.JSONField(
        required=False, allow_null=True, help_text="The seeds' name for `payload`; null is the same as {}."
    )
    site = AccountScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Run with side effects stubbed: every step's writes rolled back, AI through the offline provider, "
        "no WordPress, webhook or email call, no credits charged; the run is labelled a dry run.",
    )

    def validate_payload(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be a JSON object")
        try:
            check_event_payload(value, "payload")
        except RuleValidationError as exc:  # the size and depth limits of what a trigger may carry
            raise serializers.ValidationError([m for messages in exc.errors.values() for m in messages]) from exc
        return value

    def validate_context(self, value):
        return self.validate_payload({} if value is None else value)  # the same checks, reported as `context`

    def validate(self, attrs):
        if "payload" in attrs and "context" in attrs:
            raise serializers.ValidationError({"context": ["another name for 'payload': give one of them"]})
        attrs["payload"] = attrs.pop("context", None) or attrs.get("payload") or {}
        return attrs


class RuleProgressSerializer(serializers.Serializer):
    """`rules/{id}/progress/`: only `status` ("idle") without an active run; all fields with one."""

    status = serializers.ChoiceField(choices=["idle", *AutomationRun.ACTIVE])
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, help_text="Percent done.")
    phase = serializers.CharField(
        required=False, help_text='Numbered from 1: "step 2 of 5: generate_ideas" or "stage 4 (generate_content)".'
    )
    result = serializers.ListField(
        child=serializers.DictField(),
        allow_null=True,
        required=False,
        help_text="What each started step has done so far (step, action_type, status, counts, result, error).",
    )
    run_id = serializers.CharField(required=False)


class ScheduledTaskSerializer(serializers.Serializer):
    """The seeds' ScheduledTask: an upcoming fire of a schedule rule (`pending`) or a past scheduled run."""

    id = serializers.CharField(help_text='"<rule id>:<unix seconds>" for an upcoming fire, the run_id for a past one.')
    automation_rule = serializers.IntegerField(allow_null=True, help_text="The rule (null once it was deleted).")
    rule_name = serializers.CharField()
    scheduled_at = serializers.DateTimeField()
    executed_at = serializers.DateTimeField(allow_null=True, help_text="When the run started.")
    status = serializers.ChoiceField(choices=["pending", *AutomationRun.Status.values])
    result = serializers.ListField(
        child=serializers.DictField(), allow_null=True, help_text="The run's step results (null until one started)."
    )
    error_message = serializers.CharField(allow_null=True)
    run_id = serializers.CharField(allow_null=True)


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


class RuleImportSerializer(StrictSerializerMixin, serializers.Serializer):
    rules = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=100, help_text="Rules as a file holds them."
    )
    on_conflict = serializers.ChoiceField(
        choices=["rename", "refuse"], default="rename", help_text="A rule of that name exists: rename or refuse."
    )
    preview = serializers.BooleanField(default=False, help_text="Validate and name them; save nothing.")


class ImportedRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    original_name = serializers.CharField()
    renamed = serializers.BooleanField()
    is_active = serializers.BooleanField()
    trigger_summary = serializers.CharField()
    steps = serializers.IntegerField()
    id = serializers.IntegerField(allow_null=True)
    webhook_secret = serializers.CharField(required=False)
    signing_secret = serializers.CharField(required=False)


class RuleImportResultSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    rules = ImportedRuleSerializer(many=True)


class ReplaySerializer(StrictSerializerMixin, serializers.Serializer):
    """A range of the journal: [since, until)."""

    since = serializers.DateTimeField()
    until = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")


class BacktestSerializer(ReplaySerializer):
    rule = serializers.JSONField(
        help_text="A saved rule's id, or a draft rule as JSON (the fields of a create; an `id` in it names the saved "
        "rule it edits, whose run history and loop-guard identity the backtest uses)."
    )


class BacktestSampleSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    event = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)
    object = serializers.DictField()
    decision = serializers.ChoiceField(
        choices=[
            "would_trigger",
            "filtered",
            "dropped_loop",
            "condition_error",
            "dropped_conditions",
            "dropped_mode",
            "dropped_budget",
        ]
    )
    reason = serializers.CharField()
    estimated_credits = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    trace = serializers.ListField(child=serializers.DictField())


class BacktestDroppedSerializer(serializers.Serializer):
    filtered = serializers.IntegerField(help_text="Another site's event, or none of the watched fields changed.")
    loop_guard = serializers.IntegerField()
    condition_error = serializers.IntegerField()
    conditions = serializers.IntegerField()
    mode = serializers.IntegerField()
    budget = serializers.IntegerField(help_text="The account's credits would not have covered the run.")


class FailedClauseSerializer(serializers.Serializer):
    clause = serializers.CharField()
    count = serializers.IntegerField()


class BacktestResultSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    events_scanned = serializers.IntegerField()
    would_trigger = serializers.IntegerField(help_text="Events that passed the trigger, the loop guard and conditions.")
    estimated_runs = serializers.IntegerField(help_text="would_trigger less what the mode or the credits dropped.")
    estimated_credits = serializers.DecimalField(max_digits=14, decimal_places=2)
    dropped = BacktestDroppedSerializer()
    most_failed_clause = FailedClauseSerializer(allow_null=True)
    samples = BacktestSampleSerializer(many=True)
    truncated = serializers.BooleanField(help_text="More events than AUTOMATION_BACKTEST_MAX_EVENTS: the oldest read.")


class ReplayResultSerializer(serializers.Serializer):
    events_scanned = serializers.IntegerField()
    started = serializers.IntegerField()
    queued = serializers.IntegerField()
    shadow = serializers.IntegerField()
    dropped = serializers.IntegerField()
    already_replayed = serializers.IntegerField()
    run_ids = serializers.ListField(child=serializers.CharField())
