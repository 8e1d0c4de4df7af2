"""The seeds' automation API under /api/v1/automation/ (`?site_id=` / `?run_id=`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Site
from backend.automation import selectors, services
from backend.automation.projection import credits_check, projection
from backend.automation.serializers import (
    AutomationConfigSerializer,
    HistoryQuerySerializer,
    LogsQuerySerializer,
    RunQuerySerializer,
    SiteQuerySerializer,
)
from backend.automation.stages import STAGES
from backend.core.throttles import RunNowThrottle
from rules.api.runs import run_response
from rules.lifecycle import RunStateError, run_cancel, run_pause, run_resume
from rules.models import AutomationRun, RunLog

SITE = OpenApiParameter("site_id", int, required=True, description="The site (of the caller's account).")
RUN = OpenApiParameter("run_id", str, required=True, description="A run of the caller's account.")


class SiteView(APIView):
    def site(self, request) -> Site:
        query = SiteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        site = Site.objects.filter(pk=query.validated_data["site_id"], account_id=request.user.account_id).first()
        if site is None:
            raise NotFound(f"no site {query.validated_data['site_id']} in your account")
        return site


class RunView(APIView):
    def run(self, request) -> AutomationRun:
        query = RunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        run = (
            AutomationRun.objects.filter(run_id=query.validated_data["run_id"], account_id=request.user.account_id)
            .select_related("site")
            .first()
        )
        if run is None:
            raise NotFound(f"no run {query.validated_data['run_id']} in your account")
        return run


class ConfigView(SiteView):
    @extend_schema(parameters=[SITE], responses=AutomationConfigSerializer)
    def get(self, request):
        """The site's pipeline configuration (read from its preset rule)."""
        return Response(AutomationConfigSerializer(services.config_for(self.site(request))).data)

    @extend_schema(parameters=[SITE], request=AutomationConfigSerializer, responses=AutomationConfigSerializer)
    def put(self, request):
        """Change any config fields (partial): they are written into the site's preset rule as a new version.

        The first time a notification webhook is set, its signing secret is in the answer (`signing_secret`), once.
        """
        site = self.site(request)
        body = AutomationConfigSerializer(services.config_for(site), data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        updated = services.config_update(site=site, user=request.user, **body.validated_data)
        data = AutomationConfigSerializer(updated.config).data
        if updated.signing_secret:
            data["signing_secret"] = updated.signing_secret
        return Response(data)

    post = put  # update_config/ is called with POST by some clients


class RunNowView(SiteView):
    throttle_classes = [RunNowThrottle]

    @extend_schema(
        parameters=[SITE],
        request=None,
        responses={202: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT, 402: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        """Start the pipeline now: 202 with run_id, 409 with the active run_id, 402 when credits are short
        (no run is made; the refusal is recorded with the rule's triggers)."""
        try:
            result = services.run_now(site=self.site(request))
        except services.AlreadyRunning as exc:
            return Response(
                {"detail": str(exc), "run_id": exc.run.run_id, "code": "already_running"},
                status=status.HTTP_409_CONFLICT,
            )
        except services.SiteInactive as exc:
            return Response({"detail": str(exc), "code": "site_inactive"}, status=status.HTTP_409_CONFLICT)
        return run_response(result)


class RetryFailedView(SiteView):
    @extend_schema(
        parameters=[SITE],
        request=None,
        responses=inline_serializer(
            "RetryFailed", {"tasks": serializers.IntegerField(), "images": serializers.IntegerField()}
        ),
    )
    def post(self, request):
        """Queue the site's failed writing tasks and failed images again (the next run takes them)."""
        return Response(services.failed_items_retry(site=self.site(request)))


class CurrentRunView(SiteView):
    @extend_schema(parameters=[SITE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """The active run (running, paused or queued) with stage results and the last 50 log lines, or null."""
        return Response(selectors.current_run(self.site(request)))


class ControlView(RunView):
    operation = None

    @extend_schema(parameters=[RUN], request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        run = self.run(request)
        try:
            run = type(self).operation(run)
        except RunStateError as exc:
            return Response(
                {"detail": str(exc), "run_id": run.run_id, "status": run.status}, status=status.HTTP_409_CONFLICT
            )
        return Response({"run_id": run.run_id, "status": run.status, "message": f"run {run.status}"})


class PauseView(ControlView):
    operation = staticmethod(run_pause)


class ResumeView(ControlView):
    operation = staticmethod(run_resume)


class CancelView(ControlView):
    operation = staticmethod(run_cancel)


class HistoryView(SiteView):
    @extend_schema(
        parameters=[SITE, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Pipeline runs of the site, newest first, with run numbers, titles, summaries and stage statuses."""
        site = self.site(request)
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            selectors.history(site, page=query.validated_data["page"], page_size=query.validated_data["page_size"])
        )


class LogsView(RunView):
    @extend_schema(parameters=[RUN, OpenApiParameter("lines", int)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """The last `lines` lines of the run's log as text."""
        run = self.run(request)
        query = LogsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = list(RunLog.objects.filter(run=run).order_by("-id")[: query.validated_data["lines"]])[::-1]
        text = "\n".join(
            f"{line.at:%Y-%m-%d %H:%M:%S} [{line.level}]"
            + (f" stage {line.step_index + 1}" if line.step_index is not None else "")
            + f" - {line.message}"
            for line in lines
        )
        return Response({"run_id": run.run_id, "log": text, "lines": len(lines)})


class EstimateView(SiteView):
    @extend_schema(parameters=[SITE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Credits a run would reserve now, the available balance, and whether it is enough (Run Now's test)."""
        site = self.site(request)
        check = credits_check(site, services.config_for(site))
        return Response(
            {
                "estimated_credits": float(check.needed),
                "current_balance": float(check.available),
                "sufficient": check.sufficient,
            }
        )


class PipelineOverviewView(SiteView):
    @extend_schema(parameters=[SITE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Items waiting at each of the seven stages."""
        site = self.site(request)
        plan = projection(site, services.config_for(site))
        return Response(
            {
                "stages": [
                    {
                        "number": s.number,
                        "name": s.name,
                        "type": s.kind,
                        "action": s.action,
                        "pending": p["pending_items"],
                        "enabled": p["enabled"],
                    }
                    for s, p in zip(STAGES, plan["stages"], strict=True)
                ]
            }
        )


class OverviewStatsView(SiteView):
    @extend_schema(parameters=[SITE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Run statistics with trends, predictive cost by stage, attention items, historical averages."""
        site = self.site(request)
        return Response(selectors.overview_stats(site, services.config_for(site)))


class RunDetailView(RunView):
    @extend_schema(parameters=[RUN], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """One pipeline run in full: stages with efficiency and comparison, metrics, insights."""
        run = self.run(request)
        if run.site is None:
            raise NotFound("this run has no site")
        return Response(selectors.run_detail(run))
