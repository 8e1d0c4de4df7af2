"""The webhook action (tasks inline): private destinations refused, every call signed, no response body echoed."""

from __future__ import annotations

import json
import time

import pytest

from backend.core.outbound import sign_payload
from rules.models import AutomationRun, RunLog
from tests.support.http_sink import HttpSink

RULES = "/api/v1/automation/rules/"


@pytest.fixture
def sink():
    with HttpSink() as server:
        yield server


def create_rule(api, alice, url: str, **params) -> dict:
    response = api.post(
        RULES,
        {
            "name": "Tell the CRM",
            "site": alice.site.pk,
            "trigger": {"type": "manual"},
            "actions": [{"type": "webhook", "params": {"url": url, **params}, "retry": {"max": 3, "backoff": 0}}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    return response.json()


def execute(api, rule: dict) -> AutomationRun:
    started = api.post(f"{RULES}{rule['id']}/execute/", {}, format="json")
    assert started.status_code == 202, started.data
    return AutomationRun.objects.get(run_id=started.json()["run_id"])


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost"])
def test_it_fails_the_step_permanently_for_a_private_destination_and_sends_nothing(
    api, alice, eager, settings, sink, address
):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""
    rule = create_rule(api, alice, f"http://{address}:{sink.port}/hook")

    run = execute(api, rule)

    step = run.steps.get()
    assert (run.status, step.status, step.error_kind, step.attempts) == ("failed", "failed", "permanent", 1)
    assert step.error.startswith("destination 127.0.0.1 is a private address")
    assert sink.received == []


def test_it_signs_the_exact_body_it_sends_with_the_rules_signing_secret(
    api, alice, eager, sink, allow_loopback_outbound
):
    rule = create_rule(api, alice, sink.url, headers={"X-Automation-Signature": "forged", "X-Team": "crm"})
    secret = rule["signing_secret"]

    run = execute(api, rule)

    assert run.status == "completed"
    [call] = sink.received
    headers = call["headers"]
    timestamp = headers["X-Automation-Timestamp"]
    assert headers["X-Automation-Signature"] == sign_payload(secret, timestamp, call["body"])
    assert abs(time.time() - int(timestamp)) < 60
    assert headers["X-Team"] == "crm" and headers["Content-Type"] == "application/json"
    body = json.loads(call["body"])
    assert (body["run_id"], body["rule"]["id"], body["step"]["action_type"]) == (run.run_id, rule["id"], "webhook")
    assert headers["X-Automation-Signature"] != sign_payload("another secret", timestamp, call["body"])


def test_it_signs_with_the_new_secret_after_a_rotation(api, alice, eager, sink, allow_loopback_outbound):
    rule = create_rule(api, alice, sink.url)
    rotated = api.post(f"{RULES}{rule['id']}/rotate-signing-secret/").json()["signing_secret"]

    execute(api, rule)

    [call] = sink.received
    timestamp = call["headers"]["X-Automation-Timestamp"]
    assert rotated != rule["signing_secret"]
    assert call["headers"]["X-Automation-Signature"] == sign_payload(rotated, timestamp, call["body"])


def test_it_reports_only_the_status_of_a_4xx_never_its_body(api, alice, eager, sink, allow_loopback_outbound):
    sink.statuses = [404]
    sink.reply_body = b"<h1>internal admin panel</h1> db_password=hunter2"
    rule = create_rule(api, alice, sink.url)

    run = execute(api, rule)

    step = run.steps.get()
    assert (step.status, step.error_kind, step.attempts) == ("failed", "permanent", 1)
    assert step.error == f"{sink.url} answered 404"
    logged = " ".join(RunLog.objects.filter(run=run).values_list("message", flat=True))
    assert "hunter2" not in logged + run.error_message + step.error and len(sink.received) == 1


def test_it_retries_a_5xx_without_echoing_its_body(api, alice, eager, sink, allow_loopback_outbound):
    sink.statuses = [503, 200]
    sink.reply_body = b"stack trace with secrets"
    rule = create_rule(api, alice, sink.url)

    run = execute(api, rule)

    step = run.steps.get()
    assert (run.status, step.attempts, len(sink.received)) == ("completed", 2, 2)
    assert not RunLog.objects.filter(run=run, message__contains="stack trace").exists()


def test_secret_headers_come_from_write_only_credentials_never_shown(api, alice, eager, allow_loopback_outbound, sink):
    refused = api.post(
        RULES,
        {"name": "plain secret", "trigger": {"type": "manual"},
         "actions": [{"type": "webhook", "params": {"url": sink.url, "headers": {"Authorization": "Bearer x"}}}]},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400 and "credential" in refused.json()["actions.0.params.headers.Authorization"][0]
    missing = api.post(
        RULES,
        {"name": "no credential", "trigger": {"type": "manual"},
         "actions": [{"type": "webhook", "params": {"url": sink.url, "secret_headers": {"Authorization": "crm"}}}]},
        format="json",
    )  # fmt: skip
    assert missing.status_code == 400 and "actions.0.params.secret_headers.Authorization" in missing.json()

    body = {
        "name": "with credential",
        "trigger": {"type": "manual"},
        "credentials": {"crm": "Bearer s3cret-value"},
        "actions": [{"type": "webhook", "params": {"url": sink.url, "secret_headers": {"Authorization": "crm"}}}],
    }
    created = api.post(RULES, body, format="json")
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["credential_names"] == ["crm"] and "credentials" not in rule
    shown = json.dumps([api.get(f"{RULES}{rule['id']}/").json(), api.get(f"{RULES}{rule['id']}/export/").json(),
                        api.get(f"{RULES}{rule['id']}/versions/").json()])  # fmt: skip
    assert "s3cret-value" not in shown

    run = execute(api, rule)
    run.refresh_from_db()
    assert run.status == "completed", run.error_message
    assert sink.received[-1]["headers"]["Authorization"] == "Bearer s3cret-value"
    removed = api.patch(f"{RULES}{rule['id']}/", {"credentials": {"crm": None}}, format="json")
    assert removed.status_code == 400, "a secret header still names it"
