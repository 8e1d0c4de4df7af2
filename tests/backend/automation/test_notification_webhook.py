"""The run-notification webhook: signed with the preset rule's secret, never sent to a private network."""

from __future__ import annotations

import json
import logging

import pytest

from backend.automation.preset import preset_rule
from backend.automation.services import config_update
from backend.core.outbound import sign_payload
from rules.models import AutomationRun
from tests.support.http_sink import HttpSink


@pytest.fixture(autouse=True)
def fast_pipeline(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_PROVIDER = "local"
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)


@pytest.fixture
def sink():
    with HttpSink() as server:
        yield server


def run_pipeline(api, alice, url: str) -> AutomationRun:
    config = api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", {"notify_webhook_url": url}, format="json")
    assert config.status_code == 200, config.data
    started = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}")
    assert started.status_code in (200, 201, 202), started.data
    return AutomationRun.objects.get(run_id=started.json()["run_id"])


def test_it_signs_the_notification_with_the_preset_rules_signing_secret(
    api, alice, eager, sink, allow_loopback_outbound
):
    rule_id = preset_rule(alice.site).pk
    secret = api.post(f"/api/v1/automation/rules/{rule_id}/rotate-signing-secret/").json()["signing_secret"]

    run = run_pipeline(api, alice, sink.url)

    [call] = sink.received
    timestamp = call["headers"]["X-Automation-Timestamp"]
    assert call["headers"]["X-Automation-Signature"] == sign_payload(secret, timestamp, call["body"])
    assert json.loads(call["body"])["run_id"] == run.run_id and call["json"]["event"] == f"run.{run.status}"


def test_it_signs_with_the_secret_stored_on_the_preset_rule_without_a_rotation(
    api, alice, eager, sink, allow_loopback_outbound
):
    run_pipeline(api, alice, sink.url)

    secret = preset_rule(alice.site).signing_secret
    [call] = sink.received
    timestamp = call["headers"]["X-Automation-Timestamp"]
    assert secret and call["headers"]["X-Automation-Signature"] == sign_payload(secret, timestamp, call["body"])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_it_never_sends_the_notification_to_a_private_address_and_the_run_still_completes(
    api, alice, eager, sink, settings, caplog, host
):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    with caplog.at_level(logging.WARNING, logger="backend.automation.services"):
        run = run_pipeline(api, alice, f"http://{host}:{sink.port}/hook")

    assert AutomationRun.objects.get(pk=run.pk).status == "completed"
    assert sink.received == []
    assert any("destination 127.0.0.1 is a private address" in r.getMessage() for r in caplog.records)
