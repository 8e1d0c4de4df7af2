"""Prometheus metrics at /metrics, read at scrape time from shared state: the database, the broker and the
lifetime counters in Redis (backend/core/counters.py).

Reading the shared state (not per-process counters) keeps the figures right however many web and
worker processes, on however many machines, do the work. What grows with the history (finished runs and
steps, step durations, credits charged, provider calls and tokens) is counted as it happens, so a scrape
costs the same with ten runs stored or a million; what is current (active runs and their unfinished steps)
is read from the database, which holds only as many of those as are in flight.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

QUEUES = ("default", "ai", "local", "publish")


class AutomationCollector:
    def collect(self):
        from actions.ai.client import CALLS_KEY, TOKENS_KEY
        from backend.billing.services import CHARGED_KEY
        from backend.core import counters
        from rules import stats

        try:
            *engine, charged, calls, tokens = counters.read([*stats.KEYS, CHARGED_KEY, CALLS_KEY, TOKENS_KEY])
        except Exception:  # noqa: BLE001 - a Redis outage shows as missing counters, not a failed scrape
            counts = None
        else:
            counts = stats.counts(engine)
            yield from self._credits(charged)
            yield from self._provider_calls(calls, tokens)
        yield from self._runs(counts)
        yield from self._steps(counts)
        yield self._queue_depth()

    def _runs(self, counts):
        from rules.models import AutomationRun

        active = GaugeMetricFamily("igny8_active_runs", "Active automation runs by status.", labels=["status"])
        live = dict(
            AutomationRun.objects.filter(status__in=AutomationRun.ACTIVE)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for status in AutomationRun.ACTIVE:
            active.add_metric([status], live.get(status, 0))
        yield active
        if counts is not None:
            finished = CounterMetricFamily("igny8_runs", "Automation runs finished, by status.", labels=["status"])
            for status in AutomationRun.FINISHED:
                finished.add_metric([status], counts.runs.get(status, 0))
            yield finished

    def _steps(self, counts):
        from rules.models import AutomationRun, RunStep

        unfinished = GaugeMetricFamily(
            "igny8_active_steps", "Unfinished steps of active runs, by action and status.", labels=["action", "status"]
        )
        rows = (
            RunStep.objects.filter(
                run__in=AutomationRun.objects.filter(status__in=AutomationRun.ACTIVE).values("pk"),
                status__in=[RunStep.Status.PENDING, RunStep.Status.RUNNING],
            )
            .values_list("action_type", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for action, status, n in rows:
            unfinished.add_metric([action, status], n)
        yield unfinished
        if counts is None:
            return
        finished = CounterMetricFamily(
            "igny8_steps", "Run steps finished, by action and status.", labels=["action", "status"]
        )
        for (action, status), n in sorted(counts.steps.items()):
            finished.add_metric([action, status], n)
        yield finished
        histogram = HistogramMetricFamily(
            "igny8_step_duration_seconds", "Duration of finished steps.", labels=["action"]
        )
        for action, durations in sorted(counts.durations.items()):
            histogram.add_metric([action], durations.buckets, durations.total_seconds)
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

    def _credits(self, charged: dict[str, str]):
        family = CounterMetricFamily("igny8_credits_charged", "Credits charged, by operation.", labels=["operation"])
        for operation, total in sorted(charged.items()):
            family.add_metric([operation], float(total))
        yield family

    def _provider_calls(self, calls: dict[str, str], tokens: dict[str, str]):
        from backend.core.counters import fields

        family = CounterMetricFamily(
            "igny8_provider_calls", "AI provider calls.", labels=["provider", "function", "outcome"]
        )
        for name, count in sorted(calls.items()):
            family.add_metric(fields(name), int(count))
        yield family
        used = CounterMetricFamily("igny8_provider_tokens", "AI tokens used.", labels=["provider", "function"])
        for name, count in sorted(tokens.items()):
            used.add_metric(fields(name), int(count))
        yield used


_registry = CollectorRegistry()
_registry.register(AutomationCollector())


def metrics_view(request):
    """Prometheus text format. With METRICS_TOKEN set, the scraper must send `Authorization: Bearer <token>`."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("metrics need the bearer token\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
