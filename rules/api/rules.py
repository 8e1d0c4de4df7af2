"""The rules API (`/api/v1/automation/rules/`): CRUD with versions, import and export, execute, test,
progress, triggers ("why didn't it fire?"), secrets, and the action and trigger catalogs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.core.input import parse_id
from backend.core.throttles import ExecuteThrottle
from rules import selectors, services
from rules.api.runs import RunStarted, RunViewSet, run_response
from rules.api.serializers import (
    BacktestResultSerializer,
    BacktestSerializer,
    ExecuteSerializer,
    ReplayResultSerializer,
    ReplaySerializer,
    RestoreSerializer,
    RuleFileSerializer,
    RuleImportResultSerializer,
    RuleImportSerializer,
    RuleProgressSerializer,
    RuleSerializer,
    RuleVersionSerializer,
    RunSerializer,
    TestConditionsSerializer,
    TestResultSerializer,
    TriggerRecordSerializer,
)
from rules.backtest import BacktestAnswer, NothingToBacktest, ReplayTooLarge, rule_backtest, rule_replay
from rules.core.conditions import (
    CompiledCondition,
    ConditionError,
    compile_conditions,
    context_error,
    normalize_conditions,
)
from rules.core.events import catalog
from rules.core.presets import preset_for
from rules.core.registry import registry
from rules.core.triggers import trigger_summary, trigger_types
from rules.lifecycle import rule_execute
from rules.models import AutomationRule, TriggerRecord
from rules.progress import rule_progress


class RuleViewSet(AccountScopedViewSet):
    serializer_class = RuleSerializer
    filter_model = AutomationRule
    filter_params = ("site", "is_active", "trigger_type")
    search_fields = ["name", "description"]
    ordering = ("id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AutomationRule.objects.none()
        return selectors.rules_with_last_run(account_id=self.request.user.account_id)

    def _respond(
        self, rule: AutomationRule, secret: str | None, code: int, *, signing_secret: str | None = None
    ) -> Response:
        data = RuleSerializer(self.get_queryset().get(pk=rule.pk), context=self.get_serializer_context()).data
        if secret:
            data["webhook_secret"] = secret  # shown once; stored encrypted, never returned again
        if signing_secret:
            data["signing_secret"] = signing_secret  # shown once, like the webhook secret
        return Response(data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule, secret = services.rule_create(
            account_id=request.user.account_id, user=request.user, **serializer.validated_data
        )
        return self._respond(rule, secret, status.HTTP_201_CREATED, signing_secret=rule.signing_secret or None)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        had_signing_secret = bool(serializer.instance.signing_secret)
        rule, secret = services.rule_update(rule=serializer.instance, user=request.user, **serializer.validated_data)
        new_signing_secret = None if had_signing_secret else rule.signing_secret or None
        return self._respond(rule, secret, status.HTTP_200_OK, signing_secret=new_signing_secret)

    @extend_schema(
        request=RuleImportSerializer, responses={200: RuleImportResultSerializer, 201: RuleImportResultSerializer}
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_rules(self, request):
        """Import rules from a file's JSON: validated like a create, all or nothing, every rule inactive; a name
        that clashes is renamed (or refused with on_conflict "refuse"). With `preview`, nothing is saved."""
        body = RuleImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checked, errors = [], {}
        # A file may be a rule as the API shows it: what the server computes (id, version, …) is not imported.
        computed = set(RuleSerializer.Meta.fields) - set(AutomationRule.FIELDS)
        for i, item in enumerate(body.validated_data["rules"]):
            fields = {name: value for name, value in item.items() if name not in computed}
            rule = RuleSerializer(data=fields, context=self.get_serializer_context())
            if rule.is_valid():
                checked.append(rule.validated_data)
            else:
                errors.update({f"rules.{i}.{field}": messages for field, messages in rule.errors.items()})
        if errors:
            raise ValidationError(errors)
        preview = body.validated_data["preview"]
        imported = services.rules_import(
            account_id=request.user.account_id,
            user=request.user,
            rules=checked,
            on_conflict=body.validated_data["on_conflict"],
            preview=preview,
        )
        rows = [_imported_row(item, checked[i], self.get_serializer_context()) for i, item in enumerate(imported)]
        return Response({"preview": preview, "rules": rows}, status=status.HTTP_200_OK if preview else 201)

    @extend_schema(responses=RuleFileSerializer)
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The rule as a file: exactly its fields (what `import/` and a create take), no ids, counters or secrets."""
        return Response(RuleFileSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(responses={204: None, 409: OpenApiTypes.OBJECT})
    def destroy(self, request, *args, **kwargs):
        """Delete the rule; a preset rule an app depends on (the site's pipeline) answers 409 saying why."""
        rule = self.get_object()
        preset = preset_for(rule.preset_key)
        if preset is not None and preset.undeletable_because:
            body = {"detail": preset.undeletable_because, "code": "preset_rule"}
            return Response(body, status=status.HTTP_409_CONFLICT)
        rule.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ExecuteSerializer, responses={202: RunStarted, 402: None, 409: None, 429: None})
    @action(detail=True, methods=["post"], throttle_classes=[ExecuteThrottle])
    def execute(self, request, pk=None):
        """Run the rule now with an optional payload (the rule's mode applies)."""
        rule = self.get_object()
        body = ExecuteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        site = body.validated_data.get("site")
        dry_run = body.validated_data["dry_run"]
        if rule.is_shadow and not dry_run:
            detail = "a shadow rule executes nothing: run it as a dry run, or promote it (is_shadow false) first"
            return Response({"detail": detail, "code": "shadow"}, status=status.HTTP_409_CONFLICT)
        run = rule_execute(
            rule=rule, payload=body.validated_data["payload"], site_id=site.id if site else None, dry_run=dry_run
        )
        return run_response(run)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.with_shadow_summaries(page) if page is not None and self.action == "list" else page

    @extend_schema(request=BacktestSerializer, responses=BacktestResultSerializer)
    @action(detail=False, methods=["post"])
    def backtest(self, request):
        """What a rule (a saved one's id, or a draft as the editor holds it) would have done on the journal's events
        of a time range: how many events passed its trigger and conditions, which the mode, the loop guard or the
        account's credits would have dropped, the estimated runs and credits, and up to 20 samples with traces.
        Nothing is executed or saved."""
        body = BacktestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = self._backtest_rule(body.validated_data["rule"])
        since, until = _range(body.validated_data)
        try:
            answer = rule_backtest(rule=rule, since=since, until=until)
        except NothingToBacktest as exc:
            raise ValidationError({"rule": [str(exc)]}) from exc
        return Response(backtest_response(answer))

    def _backtest_rule(self, value) -> AutomationRule:
        """The saved rule `value` names (404 for another account's), or a draft validated like a save (400s keyed
        `rule.<field>`), as an unsaved rule (with the saved rule's id when it edits one)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return get_object_or_404(self.get_queryset(), pk=_rule_id(value, "rule"))
        if not isinstance(value, dict):
            raise ValidationError({"rule": ["a saved rule's id, or a rule as JSON"]})
        draft = {k: v for k, v in value.items() if k in AutomationRule.FIELDS}
        saved = None
        if value.get("id") is not None:
            saved = get_object_or_404(self.get_queryset(), pk=_rule_id(value["id"], "rule.id"))
        context = {**self.get_serializer_context(), "draft": True}
        checked = RuleSerializer(saved, data=draft, partial=saved is not None, context=context)
        if not checked.is_valid():
            raise ValidationError({f"rule.{name}": messages for name, messages in checked.errors.items()})
        return services.rule_draft(account_id=self.request.user.account_id, saved=saved, **checked.validated_data)

    @extend_schema(request=ReplaySerializer, responses=ReplayResultSerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send the journal's events of a time range to this rule through the dispatcher's own path (filters,
        loop guard, conditions, mode, limits). A run a replay started is never started again for the same event
        and rule version: replaying the same range twice starts its runs once."""
        rule = self.get_object()
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        since, until = _range(body.validated_data)
        try:
            answer = rule_replay(rule=rule, since=since, until=until)
        except NothingToBacktest as exc:
            raise ValidationError({"rule": [str(exc)]}) from exc
        except ReplayTooLarge as exc:
            raise ValidationError({"since": [str(exc)]}) from exc
        return Response(answer)

    @extend_schema(request=TestConditionsSerializer, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Evaluate the conditions against a sample context or a real object; nothing is executed."""
        rule = self.get_object()
        body = TestConditionsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        compiled = self._test_conditions(rule, body.validated_data)
        # The sample is checked against the bounds the conditions' cost was computed for, before it runs.
        if "sample" in body.validated_data and (error := context_error(body.validated_data["sample"], root="sample")):
            raise ValidationError({"sample": [str(error)]})
        context = selectors.test_context(
            rule=rule, sample=body.validated_data.get("sample"), object_id=body.validated_data.get("object_id")
        )
        result = compiled.explain(context)
        return Response(
            {
                "result": result.triggered,
                "trace": result.trace,
                "error": result.error.to_dict() if result.error else None,
                "context": context,
            }
        )

    def _test_conditions(self, rule: AutomationRule, data: dict) -> CompiledCondition:
        """The submitted (or saved) conditions, compiled within the limits; a 400 on `conditions` if not."""
        limit = settings.AUTOMATION_MAX_CONDITION_OPERATIONS
        submitted = "conditions" in data  # the byte size of saved conditions was checked when they were saved
        try:
            logic = normalize_conditions(
                data["conditions"] if submitted else rule.conditions,
                max_operations=limit,
                max_bytes=settings.AUTOMATION_MAX_CONDITION_BYTES if submitted else None,
            )
            return compile_conditions(logic, max_operations=limit)
        except ConditionError as exc:
            raise ValidationError({"conditions": [str(exc)]}) from exc

    @extend_schema(responses=RuleProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """The seeds' progress poll: `{"status": "idle"}`, or the active run's status, progress, phase, results."""
        return Response(rule_progress(rule=self.get_object()))

    @extend_schema(responses=RuleVersionSerializer(many=True), parameters=[])
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        """Every saved version of the rule, newest first."""
        return Response(RuleVersionSerializer(self.get_object().versions.all(), many=True).data)

    @extend_schema(request=RestoreSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Make an earlier version current again (saved as a new version)."""
        rule = self.get_object()
        body = RestoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not rule.versions.filter(version=body.validated_data["version"]).exists():
            raise ValidationError({"version": [f"rule {rule.pk} has no version {body.validated_data['version']}"]})
        rule = services.rule_restore(rule=rule, version=body.validated_data["version"], user=request.user)
        return self._respond(rule, None, status.HTTP_200_OK)

    @extend_schema(request=None, responses={201: RuleSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """Copy the rule (inactive) for editing."""
        copied = services.rule_duplicate(rule=self.get_object(), user=request.user)
        return self._respond(copied, None, status.HTTP_201_CREATED, signing_secret=copied.signing_secret or None)

    @extend_schema(
        request=None, responses=inline_serializer("WebhookSecret", {"webhook_secret": serializers.CharField()})
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new webhook secret (shown once)."""
        rule = self.get_object()
        if rule.trigger_type != "webhook":
            raise ValidationError({"trigger": ["only webhook rules have a secret"]})
        return Response({"webhook_secret": services.rule_rotate_secret(rule=rule)})

    @extend_schema(
        request=None, responses=inline_serializer("SigningSecret", {"signing_secret": serializers.CharField()})
    )
    @action(detail=True, methods=["post"], url_path="rotate-signing-secret")
    def rotate_signing_secret(self, request, pk=None):
        """A new secret for signing the rule's outbound calls (shown once; the old one stops verifying)."""
        return Response({"signing_secret": services.rule_rotate_signing_secret(rule=self.get_object())})

    @extend_schema(
        responses=TriggerRecordSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "outcome",
                str,
                enum=["dropped", *TriggerRecord.Outcome.values],
                description="'dropped' for every trigger that did not start a run",
            )
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def triggers(self, request, pk=None):
        """Recent triggers of the rule with their outcome: why it did or didn't fire."""
        records = selectors.trigger_records(rule=self.get_object(), outcome=request.query_params.get("outcome"))
        page = self.paginate_queryset(records)
        return self.get_paginated_response(TriggerRecordSerializer(page, many=True).data)

    @extend_schema(
        responses=inline_serializer(
            "ActionType",
            {
                "type": serializers.CharField(),
                "name": serializers.CharField(),
                "description": serializers.CharField(),
                "queue": serializers.CharField(),
                "params_schema": serializers.DictField(),
                "params": serializers.ListField(
                    child=serializers.CharField(),
                    help_text="Parameter names: the params_schema properties, then the seeds' aliases accepted "
                    "for them (keyword_ids, cluster_ids, task_ids, content_ids → ids).",
                ),
                "cost": serializers.CharField(),
            },
            many=True,
        )
    )
    @action(detail=False, methods=["get"], url_path="action-types", pagination_class=None)
    def action_types(self, request):
        """The action catalog: type, params JSON Schema, cost, and `params`: the schema's properties plus the seeds'
        aliases each action accepts for `ids` (keyword_ids, cluster_ids, task_ids, content_ids)."""
        return Response(registry.catalog())

    @extend_schema(
        responses=inline_serializer(
            "TriggerTypes",
            {
                "trigger_types": serializers.ListField(child=serializers.CharField()),
                "events": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=False, methods=["get"], url_path="trigger-types", pagination_class=None)
    def trigger_types(self, request):
        """Trigger types and the event catalog with the fields each event carries."""
        return Response(
            {
                "trigger_types": trigger_types.keys(),
                "events": [event.to_dict() for event in catalog().values()],
                "custom_events": "any name starting with 'custom.' (emitted by the emit_event action)",
            }
        )

    @extend_schema(responses=RunSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="execution-history")
    def execution_history(self, request):
        """Runs of all the account's rules, newest first (same filters as executions/)."""
        return RunViewSet.as_view({"get": "list"})(request._request)


def _rule_id(value, field: str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return parse_id(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: [f"{value!r} is not a valid id"]}) from exc


def _range(data: dict) -> tuple[datetime, datetime]:
    """The range asked for, within what the journal can hold: not before the retention window (older events are
    pruned; a schedule's older fire times would be counted against nothing), not after now."""
    now = timezone.now()
    since, until = data["since"], min(data.get("until") or now, now)
    if since >= until:
        raise ValidationError({"since": ["must be before until (and before now)"]})
    return max(since, now - timedelta(days=settings.AUTOMATION_RETENTION_DAYS + 1)), until


def backtest_response(answer: BacktestAnswer) -> dict:
    result = answer.result
    return {
        "since": answer.since,
        "until": answer.until,
        "events_scanned": result.events_scanned,
        "would_trigger": result.would_trigger,
        "estimated_runs": result.estimated_runs,
        "estimated_credits": f"{result.estimated_credits:.2f}",
        "dropped": result.dropped,
        "most_failed_clause": result.most_failed_clause,
        "samples": [
            {
                "event_id": sample.event.id,
                "at": sample.event.at,
                "event": sample.event.name,
                "object_type": sample.event.object_type,
                "object_id": sample.event.object_id,
                "object": sample.event.object,
                "decision": sample.decision,
                "reason": sample.reason,
                "estimated_credits": None if sample.estimated_credits is None else f"{sample.estimated_credits:.2f}",
                "trace": sample.trace,
            }
            for sample in result.samples
        ],
        "truncated": answer.truncated,
    }


def _imported_row(item, fields: dict, context: dict) -> dict:
    """One rule of an import as the answer shows it (the secrets of a created webhook rule, once)."""
    row = {
        "name": item.name,
        "original_name": item.original_name,
        "renamed": item.name != item.original_name,
        "is_active": False,
        "trigger_summary": trigger_summary(fields["trigger"]),
        "steps": len(fields["actions"]),
        "id": item.rule.pk if item.rule else None,
    }
    if item.rule is not None:
        if item.webhook_secret:
            row["webhook_secret"] = item.webhook_secret
        if item.rule.signing_secret:
            row["signing_secret"] = item.rule.signing_secret
    return row
