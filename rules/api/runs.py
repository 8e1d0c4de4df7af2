"""The runs API (`/api/v1/automation/executions/`, the seeds' name): lists, detail, controls, logs."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from rules import lifecycle, selectors, waits
from rules.api.serializers import RetrySerializer, RunDetailSerializer, RunLogSerializer, RunSerializer
from rules.lifecycle import RunStateError, TriggerResult
from rules.models import AutomationRun, RunLog, TriggerRecord


class ApprovalSerializer(serializers.Serializer):
    step = serializers.CharField(max_length=120, help_text="The key of the waiting step (its id, `@<i>` in a loop).")
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


RunStarted = inline_serializer(
    "RunStarted",
    {
        "run_id": serializers.CharField(allow_null=True, help_text="null when a shadow rule recorded the trigger"),
        "status": serializers.CharField(help_text="the run's status, or `shadow`"),
        "message": serializers.CharField(),
    },
)


def run_response(result: TriggerResult) -> Response:
    """202 with the run; 402 with the amounts when credits are short (no run is made); 409 with the reason
    when the rule's mode or a limit dropped the trigger; 202 with status `shadow` when a shadow rule recorded what
    it would have done (a webhook delivery to a shadow rule is accepted, not refused)."""
    if result.outcome == TriggerRecord.Outcome.SHADOW:
        return Response({"run_id": None, "status": "shadow", "message": result.reason}, status=status.HTTP_202_ACCEPTED)
    if result.run is not None:
        run = result.run
        return Response(
            {"run_id": run.run_id, "status": run.status, "message": f"run {run.run_id} {run.status}"},
            status=status.HTTP_202_ACCEPTED,
        )
    if result.refusal is not None:
        return Response(result.refusal.to_dict(), status=status.HTTP_402_PAYMENT_REQUIRED)
    return Response({"detail": result.reason, "code": result.outcome}, status=status.HTTP_409_CONFLICT)


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of the caller's rules (the seeds call them executions), with controls."""

    lookup_field = "run_id"
    ordering = ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AutomationRun.objects.none()
        return selectors.runs_filtered(
            account_id=self.request.user.account_id, params=self.request.query_params, detail=self.action != "list"
        )

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(n, str)
            for n in ("rule", "status", "site", "trigger_type", "created_after", "created_before")
        ]
    )
    def list(self, request, *args, **kwargs):
        runs = self.get_queryset()  # refuses bad filters first
        total = selectors.runs_counted(account_id=request.user.account_id, params=request.query_params)
        page = self.paginator.paginate_queryset(runs, request, view=self, count=total)
        selectors.add_step_counts(page)
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    def _control(self, operation: Callable[[AutomationRun], AutomationRun]) -> Response:
        run = self.get_object()
        try:
            run = operation(run)
        except RunStateError as exc:
            return Response({"detail": str(exc), "status": run.status}, status=status.HTTP_409_CONFLICT)
        return Response(RunDetailSerializer(AutomationRun.objects.prefetch_related("steps").get(pk=run.pk)).data)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, run_id=None):
        """Stop the run; unfinished steps become cancelled."""
        return self._control(lifecycle.run_cancel)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, run_id=None):
        """Pause between steps (and between batches of batched actions)."""
        return self._control(lifecycle.run_pause)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, run_id=None):
        """Continue a paused run from where it stopped."""
        return self._control(lifecycle.run_resume)

    @extend_schema(request=RetrySerializer, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, run_id=None):
        """Retry a failed or cancelled run from the failed step (or `from_start`), as a new attempt."""
        body = RetrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._control(lambda run: lifecycle.run_retry(run, from_start=body.validated_data["from_start"]))

    @extend_schema(request=ApprovalSerializer, responses={200: RunDetailSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def approve(self, request, run_id=None):
        """Answer a step waiting for approval: `approved` or `rejected`, with a note; the run goes on (its later
        steps read `steps.<id>.output.decision`)."""
        run = self.get_object()
        body = ApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = body.validated_data
        try:
            waits.approve(run, answer["step"], answer["decision"], answer["note"], by=request.user.email)
        except waits.NotWaiting as exc:
            return Response({"detail": str(exc), "status": run.status}, status=status.HTTP_409_CONFLICT)
        return Response(RunDetailSerializer(AutomationRun.objects.prefetch_related("steps").get(pk=run.pk)).data)

    @extend_schema(request=None, responses={202: RunStarted, 402: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def rerun(self, request, run_id=None):
        """Run the same rule again as a new run, with the same trigger data (the seeds' "Re-run Similar")."""
        run = self.get_object()
        try:
            result = lifecycle.run_rerun(run=run)
        except RunStateError as exc:
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
