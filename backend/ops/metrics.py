"""Prometheus metrics at /metrics, computed at scrape time from the database and the broker.

Reading the shared state (not per-process counters) keeps the figures right however many web and
worker processes, on however many machines, do the work.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

QUEUES = ("default", "ai", "local", "publish")
DURATION_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)


class AutomationCollector:
    def collect(self):
        yield from self._runs()
        yield from self._steps()
        yield self._queue_depth()
        yield from self._credits()
        yield from self._provider_calls()

    def _runs(self):
        from rules.models import AutomationRun

        runs = GaugeMetricFamily("igny8_runs", "Automation runs by status.", labels=["status"])
        for row in AutomationRun.objects.values("status").annotate(n=Count("id")):
            runs.add_metric([row["status"]], row["n"])
        yield runs

    def _steps(self):
        from rules.models import RunStep

        steps = GaugeMetricFamily("igny8_steps", "Run steps by action and status.", labels=["action", "status"])
        for row in RunStep.objects.values("action_type", "status").annotate(n=Count("id")):
            steps.add_metric([row["action_type"], row["status"]], row["n"])
        yield steps
        duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        buckets = {
            f"le_{i}": Count("id", filter=Q(finished_at__lte=F("started_at") + timedelta(seconds=b)))
            for i, b in enumerate(DURATION_BUCKETS)
        }
        rows = (
            RunStep.objects.filter(finished_at__isnull=False, started_at__isnull=False)
            .values("action_type")
            .annotate(total=Count("id"), seconds=Sum(duration), **buckets)
        )
        histogram = HistogramMetricFamily(
            "igny8_step_duration_seconds", "Duration of finished steps.", labels=["action"]
        )
        for row in rows:
            counts = [(str(b), row[f"le_{i}"]) for i, b in enumerate(DURATION_BUCKETS)] + [("+Inf", row["total"])]
            histogram.add_metric([row["action_type"]], counts, (row["seconds"] or timedelta()).total_seconds())
        yield histogram

    def _queue_depth(self):
        depth = GaugeMetricFamily("igny8_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"])
        try:
            from backend.celery import app

            with app.connection_for_read() as connection:
                client = connection.default_channel.client
                for queue in QUEUES:
                    depth.add_metric([queue], client.llen(queue))
        except Exception:  # noqa: BLE001 - a broker outage shows as missing samples, not a failed scrape
            pass
        return depth

    def _credits(self):
        from backend.billing.models import CreditTransaction

        charged = CounterMetricFamily("igny8_credits_charged", "Credits charged, by operation.", labels=["operation"])
        for row in CreditTransaction.objects.filter(kind="debit").values("operation").annotate(total=Sum("amount")):
            charged.add_metric([row["operation"]], float(row["total"]))
        yield charged

    def _provider_calls(self):
        from actions.ai.models import AICall

        calls = CounterMetricFamily(
            "igny8_provider_calls", "AI provider calls.", labels=["provider", "function", "outcome"]
        )
        tokens = CounterMetricFamily("igny8_provider_tokens", "AI tokens used.", labels=["provider", "function"])
        rows = AICall.objects.values("provider", "function").annotate(
            succeeded=Count("id", filter=Q(ok=True)), failed=Count("id", filter=Q(ok=False)), tokens=Sum("total_tokens")
        )
        for row in rows:
            calls.add_metric([row["provider"], row["function"], "ok"], row["succeeded"])
            calls.add_metric([row["provider"], row["function"], "error"], row["failed"])
            tokens.add_metric([row["provider"], row["function"]], row["tokens"] or 0)
        yield calls
        yield tokens


_registry = CollectorRegistry()
_registry.register(AutomationCollector())


def metrics_view(request):
    """Prometheus text format. With METRICS_TOKEN set, the scraper must send `Authorization: Bearer <token>`."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("metrics need the bearer token\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
