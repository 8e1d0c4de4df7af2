"""The run-notification webhook: signed with the preset rule's secret, never sent to a private network."""

from __future__ import annotations

import json
import logging

import pytest

from backend.automation.models import AutomationConfig
from backend.automation.preset import preset_rule
from backend.automation.services import config_update, notify_run_finished
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


def run_pipeline(api, alice, url: str | None = None) -> AutomationRun:
    if url is not None and AutomationConfig.objects.get(site=alice.site).notify_webhook_url != url:
        config = api.put(
            f"/api/v1/automation/config/?site_id={alice.site.pk}", {"notify_webhook_url": url}, format="json"
        )
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
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8"  # saved while the operator allowed it …
    url = f"http://{host}:{sink.port}/hook"
    assert api.put(config_url(alice), {"notify_webhook_url": url}).status_code == 200
    settings.OUTBOUND_ALLOWED_NETWORKS = ""  # … and sent after it stopped allowing it

    with caplog.at_level(logging.WARNING, logger="backend.automation.services"):
        run = run_pipeline(api, alice, url)

    assert AutomationRun.objects.get(pk=run.pk).status == "completed"
    assert sink.received == []
    assert any("destination 127.0.0.1 is a private address" in r.getMessage() for r in caplog.records)


# --- on complete / on fail ------------------------------------------------------------------------


def config_url(alice) -> str:
    return f"/api/v1/automation/config/?site_id={alice.site.pk}"


def test_it_exposes_and_saves_the_notification_switches(api, alice):
    assert {k: api.get(config_url(alice)).json()[k] for k in ("notify_on_complete", "notify_on_fail")} == {
        "notify_on_complete": True,
        "notify_on_fail": True,
    }

    saved = api.put(config_url(alice), {"notify_on_complete": False, "notify_email": False}, format="json")

    assert saved.status_code == 200, saved.data
    assert (saved.json()["notify_on_complete"], saved.json()["notify_on_fail"], saved.json()["notify_email"]) == (
        False,
        True,
        False,
    )
    stored = AutomationConfig.objects.get(site=alice.site)
    assert (stored.notify_on_complete, stored.notify_on_fail, stored.notify_email) == (False, True, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notify_webhook_url": "not a url"}, "notify_webhook_url"),
        ({"notify_webhook_url": "http://10.0.0.7/hook"}, "notify_webhook_url"),
        ({"notify_on_fail": "maybe"}, "notify_on_fail"),
    ],
)
def test_it_refuses_a_bad_notification_setting_at_its_field_and_saves_nothing(api, alice, settings, body, field):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    response = api.put(config_url(alice), body, format="json")

    assert response.status_code == 400 and set(response.json()) == {field}, response.json()
    stored = AutomationConfig.objects.get(site=alice.site)
    assert (stored.notify_webhook_url, stored.notify_on_fail) == ("", True)


@pytest.mark.parametrize(
    ("on_complete", "on_fail", "status", "sent"),
    [
        (True, True, "completed", True),
        (False, True, "completed", False),
        (True, False, "completed", True),
        (True, True, "failed", True),
        (True, False, "failed", False),
        (False, True, "failed", True),
        (True, True, "cancelled", False),
    ],
)
def test_it_notifies_a_finished_run_only_when_its_outcome_is_switched_on(
    alice, sink, mailoutbox, settings, on_complete, on_fail, status, sent
):
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8"
    alice.user.email = "alice@example.com"
    alice.user.save(update_fields=["email"])
    AutomationConfig.objects.filter(site=alice.site).update(
        notify_email=True, notify_webhook_url=sink.url, notify_on_complete=on_complete, notify_on_fail=on_fail
    )
    rule = preset_rule(alice.site)
    run = AutomationRun.objects.create(
        account=alice.account, site=alice.site, rule=rule, run_id=f"run-{status}", trigger_type="manual", status=status
    )

    notify_run_finished(run)

    assert len(sink.received) == (1 if sent else 0)
    assert len(mailoutbox) == (1 if sent else 0)
    if sent:
        assert sink.received[0]["json"]["event"] == f"run.{status}"
        assert mailoutbox[0].to == ["alice@example.com"] and status in mailoutbox[0].subject
