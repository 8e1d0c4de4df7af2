from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from actions.ai.client import Calls
from actions.ai.models import AICall
from actions.ai.providers import ProviderError, ProviderResult, Usage
from backend.billing.models import CreditTransaction
from backend.core.counters import PREFIX
from backend.core.redis import get_redis
from rules import stats
from rules.lifecycle import rule_execute
from rules.models import AutomationRun
from rules.retention import history_prune

SCRAPE_QUERIES = 2  # active runs, unfinished steps of active runs: the rest is read from the counters in Redis


@pytest.fixture(autouse=True)
def _no_counts():
    """The counters live in Redis, which outlives a test's database: every test starts from none."""
    _reset()
    yield
    _reset()


def _reset() -> None:
    redis = get_redis()
    keys = list(redis.scan_iter(f"{PREFIX}*"))
    if keys:
        redis.delete(*keys)


def _scrape(**headers) -> str:
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_it_exposes_active_runs_queue_depth_credits_and_provider_calls(alice, make_rule, eager):
    rule = make_rule(
        actions=[
            {"type": "test_charge", "params": {"items": 2, "cost": 1.5}},
            {"type": "test_flaky", "params": {"permanent": True}},
        ]
    )
    rule_execute(rule=rule)
    _provider_calls(alice.account.id)
    text = _scrape()
    assert 'igny8_active_runs{status="running"} 0.0' in text and 'igny8_active_runs{status="queued"} 0.0' in text
    assert f'igny8_credits_charged_total{{operation="test_charge"}} {float(Decimal("3"))}' in text
    assert 'igny8_provider_calls_total{function="generate_content",outcome="error",provider="local"} 1.0' in text
    assert 'igny8_provider_tokens_total{function="generate_content",provider="local"} 900.0' in text
    assert 'igny8_queue_depth{queue="ai"}' in text


class _Provider:
    name = "local"

    def write(self, tokens: int) -> ProviderResult:
        return ProviderResult("an article", Usage(total_tokens=tokens, calls=1))

    def fail(self) -> ProviderResult:
        raise ProviderError("the model refused")


def _provider_calls(account_id: int) -> None:
    """Two provider calls, recorded the way every action records them: one answered (900 tokens), one failed."""
    calls = Calls(SimpleNamespace(account_id=account_id, run_id="", step_index=None))
    calls.call("generate_content", _Provider().write, 900)
    with pytest.raises(ProviderError):
        calls.call("generate_content", _Provider().fail)
    calls.record()


def test_the_provider_call_and_credit_counters_survive_pruning_of_their_rows(alice, make_rule, eager):
    rule_execute(rule=make_rule(actions=[{"type": "test_charge", "params": {"items": 2, "cost": 1.5}}]))
    _provider_calls(alice.account.id)
    before = _scrape()
    AICall.objects.all().delete()
    CreditTransaction.objects.all().delete()
    after = _scrape()
    assert 'igny8_credits_charged_total{operation="test_charge"} 3.0' in after
    assert 'igny8_provider_calls_total{function="generate_content",outcome="ok",provider="local"} 1.0' in after
    assert after == before  # read from the counters, not summed over the rows


def test_it_counts_the_finished_run_and_steps_of_a_real_run(alice, make_rule, eager):
    rule = make_rule(
        actions=[
            {"type": "test_charge", "params": {"items": 2, "cost": 1.5}},
            {"type": "test_flaky", "params": {"permanent": True}},
            {"type": "log", "params": {"message": "never reached"}},
        ]
    )
    rule_execute(rule=rule)
    text = _scrape()
    assert 'igny8_runs_total{status="failed"} 1.0' in text
    assert 'igny8_steps_total{action="test_charge",status="completed"} 1.0' in text
    assert 'igny8_steps_total{action="test_flaky",status="failed"} 1.0' in text
    assert 'igny8_steps_total{action="log",status="skipped"} 1.0' in text  # closed by the run's failure
    assert 'igny8_step_duration_seconds_count{action="test_charge"} 1.0' in text


def test_it_counts_finished_runs_steps_and_durations_when_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            stats.run_finished("failed", closed_actions=["log", "log"], closed_status="skipped")
            stats.step_finished("generate_content", "completed", seconds=2.5)
            stats.step_finished("generate_content", "failed", seconds=0.05)
            assert 'igny8_runs_total{status="failed"} 0.0' in _scrape()  # not before the commit
    text = _scrape()
    assert 'igny8_runs_total{status="failed"} 1.0' in text and 'igny8_runs_total{status="completed"} 0.0' in text
    assert 'igny8_steps_total{action="log",status="skipped"} 2.0' in text
    assert 'igny8_steps_total{action="generate_content",status="failed"} 1.0' in text
    assert 'igny8_step_duration_seconds_bucket{action="generate_content",le="0.1"} 1.0' in text
    assert 'igny8_step_duration_seconds_bucket{action="generate_content",le="1"} 1.0' in text
    assert 'igny8_step_duration_seconds_bucket{action="generate_content",le="5"} 2.0' in text
    assert 'igny8_step_duration_seconds_bucket{action="generate_content",le="+Inf"} 2.0' in text
    assert 'igny8_step_duration_seconds_count{action="generate_content"} 2.0' in text
    assert 'igny8_step_duration_seconds_sum{action="generate_content"} 2.55' in text
    assert 'igny8_step_duration_seconds_count{action="log"}' not in text  # closed, never ran: no duration


def test_it_counts_nothing_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            stats.run_finished("completed")
            stats.step_finished("log", "completed", seconds=1)
            raise RuntimeError("rolled back")
    assert stats.counts().runs == {} and stats.counts().steps == {}


def test_it_shows_the_active_runs_and_their_unfinished_steps(make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(actions=[{"type": "log", "params": {"message": "a"}}, {"type": "test_charge", "params": {}}])
    with django_capture_on_commit_callbacks(execute=False):  # the steps are never sent: the run stays running
        rule_execute(rule=rule)
    text = _scrape()
    assert 'igny8_active_runs{status="running"} 1.0' in text
    assert 'igny8_active_steps{action="log",status="pending"} 1.0' in text
    assert 'igny8_active_steps{action="test_charge",status="pending"} 1.0' in text


def test_it_scrapes_with_the_same_queries_however_long_the_history_and_keeps_counting_after_pruning(
    make_rule, eager, django_assert_num_queries
):
    rule = make_rule()
    for _ in range(3):
        rule_execute(rule=rule)
    stats.record(stats.Tally().run("cancelled", 2).step("test_charge", "cancelled"))
    with django_assert_num_queries(SCRAPE_QUERIES):
        before = _scrape()
    assert 'igny8_runs_total{status="cancelled"} 2.0' in before
    AutomationRun.objects.update(completed_at=timezone.now() - timedelta(days=60), status="completed")
    assert history_prune(older_than=timezone.now() - timedelta(days=30))["runs"] == 3
    with django_assert_num_queries(SCRAPE_QUERIES):
        after = _scrape()
    assert after == before  # counters do not go down when history goes


def test_it_scrapes_without_the_counters_and_loses_counts_quietly_when_redis_is_down(
    db, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    with django_capture_on_commit_callbacks(execute=True) as written:
        stats.step_finished("log", "completed", seconds=1)
    assert len(written) == 1  # the write was tried, failed and was logged; the step's transaction is unharmed
    text = _scrape()
    assert 'igny8_active_runs{status="running"} 0.0' in text and "igny8_runs_total" not in text


def test_it_asks_for_the_bearer_token_when_one_is_set(db, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert "igny8_runs" in _scrape(HTTP_AUTHORIZATION="Bearer s3cret")
