"""The rules API under /api/v1/automation/: rules, executions (runs) and webhook hooks."""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from actions import executor
from actions.registry import registry
from backend.core.api import AccountScopedViewSet
from backend.core.input import loads_without_nul, parse_id
from backend.core.outbound import sign_payload
from backend.core.throttles import ExecuteThrottle, WebhookThrottle
from rules import services
from rules.conditions import (
    CompiledCondition,
    ConditionError,
    compile_conditions,
    context_error,
    normalize_conditions,
)
from rules.dispatch import TriggerResult, condition_context
from rules.events import CATALOG, DOMAIN_MODELS
from rules.models import AutomationRule, AutomationRun, RunLog, RunStep, TriggerRecord
from rules.presets import preset_guard
from rules.progress import rule_progress
from rules.serializers import (
    ExecuteSerializer,
    RestoreSerializer,
    RetrySerializer,
    RuleImportResultSerializer,
    RuleImportSerializer,
    RuleProgressSerializer,
    RuleSerializer,
    RuleVersionSerializer,
    RunDetailSerializer,
    RunLogSerializer,
    RunSerializer,
    TestConditionsSerializer,
    TestResultSerializer,
    TriggerRecordSerializer,
    trigger_summary,
)
from rules.signals import _json
from rules.validation import RuleValidationError, check_event_payload

RunStarted = inline_serializer(
    "RunStarted",
    {"run_id": serializers.CharField(), "status": serializers.CharField(), "message": serializers.CharField()},
)
WEBHOOK_TOLERANCE_SECONDS = 300


def run_response(result: TriggerResult) -> Response:
    """202 with the run; 402 with the amounts when credits are short (no run is made); 409 with the reason
    when the rule's mode or a limit dropped the trigger."""
    if result.run is not None:
        run = result.run
        return Response(
            {"run_id": run.run_id, "status": run.status, "message": f"run {run.run_id} {run.status}"},
            status=status.HTTP_202_ACCEPTED,
        )
    if result.refusal is not None:
        return Response(result.refusal.to_dict(), status=status.HTTP_402_PAYMENT_REQUIRED)
    return Response({"detail": result.reason, "code": result.outcome}, status=status.HTTP_409_CONFLICT)


class RuleViewSet(AccountScopedViewSet):
    serializer_class = RuleSerializer
    filter_model = AutomationRule
    filter_params = ("site", "is_active", "trigger_type")
    search_fields = ["name", "description"]
    ordering = ("id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AutomationRule.objects.none()
        last = AutomationRun.objects.filter(rule=OuterRef("pk")).order_by("-created_at", "-id")
        return AutomationRule.objects.filter(account_id=self.request.user.account_id).annotate(
            last_run_id=Subquery(last.values("run_id")[:1]),
            last_run_status=Subquery(last.values("status")[:1]),
            last_run_created_at=Subquery(last.values("created_at")[:1]),
        )

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
        for i, item in enumerate(body.validated_data["rules"]):
            rule = RuleSerializer(data=item, context=self.get_serializer_context())
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

    @extend_schema(responses={204: None, 409: OpenApiTypes.OBJECT})
    def destroy(self, request, *args, **kwargs):
        """Delete the rule; a preset rule an app depends on (the site's pipeline) answers 409 saying why."""
        rule = self.get_object()
        guard = preset_guard(rule.preset_key)
        if guard is not None:
            body = {"detail": guard.undeletable_because, "code": "preset_rule"}
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
        run = services.rule_execute(
            rule=rule, payload=body.validated_data["payload"], site_id=site.id if site else None
        )
        return run_response(run)

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
        context = self._test_context(rule, body.validated_data)
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

    def _test_context(self, rule: AutomationRule, data: dict) -> dict:
        if "sample" in data:
            return {**condition_context(account_id=rule.account_id, site_id=rule.site_id), **data["sample"]}
        event = (rule.trigger or {}).get("event", "")
        prefix = event.split(".")[0]
        label = next((label for label, (p, _) in DOMAIN_MODELS.items() if p == prefix), None)
        if label is None:
            raise ValidationError({"object_id": [f"the rule's trigger ({event or 'none'}) has no object type"]})
        from django.apps import apps

        model = apps.get_model(label)
        obj = model.objects.filter(pk=data["object_id"], account_id=rule.account_id).first()
        if obj is None:
            raise ValidationError({"object_id": [f"no {prefix} {data['object_id']} in this account"]})
        fields = DOMAIN_MODELS[label][1]
        values = {f: _json(obj.__dict__.get(model._meta.get_field(f).attname)) for f in fields}
        event_data = {"name": event, "changes": {}, "object": values, "site_id": obj.site_id}
        return condition_context(account_id=rule.account_id, site_id=obj.site_id, event=event_data)

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
        rule = self.get_object()
        records = TriggerRecord.objects.filter(rule=rule).select_related("run")
        outcome = request.query_params.get("outcome")
        if outcome == "dropped":
            records = records.exclude(outcome__in=["started", "queued"])
        elif outcome:
            if outcome not in TriggerRecord.Outcome.values:
                raise ValidationError(
                    {"outcome": [f"must be 'dropped' or one of {', '.join(TriggerRecord.Outcome.values)}"]}
                )
            records = records.filter(outcome=outcome)
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
                "trigger_types": ["manual", "schedule", "event", "webhook"],
                "events": [{**e.to_dict(), "field_types": event_field_types(e.name)} for e in CATALOG.values()],
                "custom_events": "any name starting with 'custom.' (emitted by the emit_event action)",
            }
        )

    @extend_schema(responses=RunSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="execution-history")
    def execution_history(self, request):
        """Runs of all the account's rules, newest first (same filters as executions/)."""
        return ExecutionViewSet.as_view({"get": "list"})(request._request)


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


RUN_CHOICE_FILTERS = {"status": AutomationRun.Status.values, "trigger_type": AutomationRun.TriggerType.values}


def _filter_runs(runs, params, action: str):
    """Apply the executions filters; a bad value is a 400 naming the parameter."""
    for name in ("rule", "site"):
        if params.get(name):
            try:
                runs = runs.filter(**{name: parse_id(params[name])})
            except ValueError as exc:
                raise ValidationError({name: [f"'{params[name]}' is not a valid id."]}) from exc
    for name, choices in RUN_CHOICE_FILTERS.items():
        if params.get(name):
            if params[name] not in choices:
                raise ValidationError({name: [f"must be one of {', '.join(choices)}"]})
            runs = runs.filter(**{name: params[name]})
    for name, lookup in (("created_after", "created_at__gte"), ("created_before", "created_at__lte")):
        if params.get(name):
            try:
                when = parse_datetime(params[name])
            except ValueError:
                when = None
            if when is None:
                raise ValidationError({name: ["must be an ISO 8601 date-time"]})
            runs = runs.filter(**{lookup: when})
    if action == "list":
        return runs.order_by("-created_at", "-id")  # step counts are added for the page only (see list)
    return runs.prefetch_related("steps")


CONTEXT_FIELD_TYPES = {
    "event.name": "string",
    "event.changes": "object",
    "site.id": "integer",
    "site.domain": "string",
    "account.id": "integer",
    "now": "string",
}
RUN_FIELD_TYPES = {
    "run_id": "string",
    "rule": "integer",
    "site": "integer",
    "status": "string",
    "trigger_type": "string",
    "total_credits_used": "number",
    "error_message": "string",
}


def _json_type(field) -> str:
    from django.db import models

    if field.is_relation or isinstance(field, models.IntegerField | models.AutoField):
        return "integer"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "number"
    if isinstance(field, models.BooleanField):
        return "boolean"
    return "string"


def event_field_types(name: str) -> dict[str, str]:
    """JSON types of the fields an event carries (the condition builder types its inputs with them)."""
    prefix = name.split(".")[0]
    label = next((label for label, (p, _) in DOMAIN_MODELS.items() if p == prefix), None)
    if label is not None:
        from django.apps import apps

        model = apps.get_model(label)
        fields = {f"object.{f}": _json_type(model._meta.get_field(f)) for f in DOMAIN_MODELS[label][1]}
    else:
        fields = {f"object.{f}": t for f, t in RUN_FIELD_TYPES.items()} if prefix == "run" else {}
    return {**fields, **CONTEXT_FIELD_TYPES}


class ExecutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs (executions) of the caller's rules, with controls."""

    lookup_field = "run_id"
    ordering = ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AutomationRun.objects.none()
        runs = AutomationRun.objects.filter(account_id=self.request.user.account_id).select_related("parent_run")
        return _filter_runs(runs, self.request.query_params, self.action)

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(n, str)
            for n in ("rule", "status", "site", "trigger_type", "created_after", "created_before")
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        counts = {
            row["run_id"]: row
            for row in RunStep.objects.filter(run_id__in=[run.pk for run in page])
            .values("run_id")
            .annotate(total=Count("id"), completed=Count("id", filter=Q(status="completed")))
        }
        for run in page:
            run.steps_total = counts.get(run.pk, {}).get("total", 0)
            run.steps_completed = counts.get(run.pk, {}).get("completed", 0)
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    def _control(self, operation) -> Response:
        run = self.get_object()
        try:
            run = operation(run)
        except executor.RunStateError as exc:
            return Response({"detail": str(exc), "status": run.status}, status=status.HTTP_409_CONFLICT)
        return Response(RunDetailSerializer(AutomationRun.objects.prefetch_related("steps").get(pk=run.pk)).data)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, run_id=None):
        """Stop the run; unfinished steps become cancelled."""
        return self._control(executor.run_cancel)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, run_id=None):
        """Pause between steps (and between batches of batched actions)."""
        return self._control(executor.run_pause)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, run_id=None):
        """Continue a paused run from where it stopped."""
        return self._control(executor.run_resume)

    @extend_schema(request=RetrySerializer, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, run_id=None):
        """Retry a failed or cancelled run from the failed step (or `from_start`), as a new attempt."""
        body = RetrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._control(lambda run: executor.run_retry(run, from_start=body.validated_data["from_start"]))

    @extend_schema(request=None, responses={202: RunStarted, 402: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def rerun(self, request, run_id=None):
        """Run the same rule again as a new run, with the same trigger data (the seeds' "Re-run Similar")."""
        run = self.get_object()
        try:
            result = services.run_rerun(run=run)
        except services.RerunRefused as exc:
            return Response({"detail": str(exc), "status": run.status}, status=status.HTTP_409_CONFLICT)
        return run_response(result)

    @extend_schema(
        responses=RunLogSerializer(many=True),
        parameters=[OpenApiParameter("after_id", int), OpenApiParameter("step", int)],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def logs(self, request, run_id=None):
        """The run log (timestamped lines, per step); `after_id` returns only newer lines."""
        run = self.get_object()
        lines = RunLog.objects.filter(run=run)
        try:
            if request.query_params.get("after_id"):
                lines = lines.filter(id__gt=int(request.query_params["after_id"]))
            if request.query_params.get("step"):
                lines = lines.filter(step_index=int(request.query_params["step"]))
        except ValueError as exc:
            raise ValidationError({"after_id": ["must be a whole number"]}) from exc
        return Response(RunLogSerializer(lines[:1000], many=True).data)


class HookView(APIView):
    """Trigger a webhook rule: POST JSON with `X-Igny8-Timestamp` and
    `X-Igny8-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the rule's secret>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [WebhookThrottle]

    @extend_schema(
        request=inline_serializer("HookPayload", {}), responses={202: RunStarted, 401: None, 409: None, 429: None}
    )
    def post(self, request, token: str):
        rule = get_object_or_404(AutomationRule, webhook_token=token, is_active=True, trigger_type="webhook")
        body = request.body
        timestamp = request.headers.get("X-Igny8-Timestamp", "")
        signature = request.headers.get("X-Igny8-Signature", "")
        problem = verify_signature(rule.webhook_secret, body, timestamp, signature)
        if problem:
            return Response({"detail": problem}, status=status.HTTP_401_UNAUTHORIZED)
        try:
            payload = loads_without_nul(body)
        except ValueError as exc:
            return Response({"body": [f"invalid JSON body: {exc}"]}, status=status.HTTP_400_BAD_REQUEST)
        if not isinstance(payload, dict):
            return Response({"body": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            check_event_payload(payload, "body")
        except RuleValidationError as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        seen = _claim_signature(token, timestamp, signature)
        if seen is None:
            return Response(
                {
                    "detail": "this signed request was already accepted: a replay is refused "
                    "(sign each request with its own timestamp)",
                    "code": "replayed",
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            run = services.rule_execute(rule=rule, payload=payload, trigger_type="webhook")
        except Exception:
            cache.delete(seen)  # not accepted after all: the sender may retry the same signed request
            raise
        return run_response(run)


def _claim_signature(token: str, timestamp: str, signature: str) -> str | None:
    """Remember a verified signature while its timestamp is in the window: its cache key, or None if seen."""
    key = "webhook-seen:" + hmac.new(token.encode(), signature.encode(), "sha256").hexdigest()
    # Timestamps up to the tolerance ahead are accepted too, so a signature stays valid until ts + tolerance.
    remaining = int(timestamp) + WEBHOOK_TOLERANCE_SECONDS - int(time.time()) + 1
    return key if cache.add(key, 1, timeout=max(remaining, 1)) else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a caller sends: sha256=HMAC(secret, "<timestamp>." + body)."""
    return sign_payload(secret, timestamp, body)  # the same signature as the server's outbound calls


TIMESTAMP_MAX_DIGITS = 12


def verify_signature(secret: str, body: bytes, timestamp: str, signature: str) -> str:
    """'' when valid; otherwise why not. Constant-time comparison; stale timestamps refused (replays)."""
    if not timestamp or not signature:
        return "missing X-Igny8-Timestamp or X-Igny8-Signature header"
    # Checked before any arithmetic: a 400-digit number overflows the float subtraction.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_MAX_DIGITS):
        return f"X-Igny8-Timestamp must be Unix seconds: 1 to {TIMESTAMP_MAX_DIGITS} digits"
    age = abs(time.time() - int(timestamp))
    if age > WEBHOOK_TOLERANCE_SECONDS:
        return f"timestamp is {int(age)} s away from now (more than {WEBHOOK_TOLERANCE_SECONDS} s): replay refused"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "signature does not match the body"
    return ""
