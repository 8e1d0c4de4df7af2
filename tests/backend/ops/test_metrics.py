from __future__ import annotations

from decimal import Decimal

from django.test import Client

from actions.ai.models import AICall
from rules.lifecycle import rule_execute


def _scrape(**headers) -> str:
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_it_exposes_runs_steps_durations_credits_and_provider_calls(alice, make_rule, eager):
    rule = make_rule(
        actions=[
            {"type": "test_charge", "params": {"items": 2, "cost": 1.5}},
            {"type": "test_flaky", "params": {"permanent": True}},
        ]
    )
    rule_execute(rule=rule)
    AICall.objects.create(account=alice.account, provider="local", function="generate_content", total_tokens=900)
    AICall.objects.create(account=alice.account, provider="local", function="generate_content", ok=False)
    text = _scrape()
    assert 'igny8_runs{status="failed"} 1.0' in text
    assert 'igny8_steps{action="test_charge",status="completed"} 1.0' in text
    assert 'igny8_step_duration_seconds_count{action="test_charge"} 1.0' in text
    assert f'igny8_credits_charged_total{{operation="test_charge"}} {float(Decimal("3"))}' in text
    assert 'igny8_provider_calls_total{function="generate_content",outcome="error",provider="local"} 1.0' in text
    assert 'igny8_provider_tokens_total{function="generate_content",provider="local"} 900.0' in text
    assert 'igny8_queue_depth{queue="ai"}' in text


def test_it_asks_for_the_bearer_token_when_one_is_set(db, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert "igny8_runs" in _scrape(HTTP_AUTHORIZATION="Bearer s3cret")
