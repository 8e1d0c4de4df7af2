from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from rules.api.hooks import sign
from rules.models import AutomationRun


def _hook(api):
    body = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "hook",
            "trigger": {"type": "webhook"},
            "actions": [{"type": "log", "params": {"message": "{payload.x}"}}],
        },
        format="json",
    ).json()
    return body["webhook_url"].split("testserver")[1], body["webhook_secret"]


def _post(url, secret, payload, *, timestamp=None, signature=None):
    raw = json.dumps(payload).encode()
    ts = str(int(timestamp if timestamp is not None else time.time()))
    return APIClient().post(
        url,
        data=raw,
        content_type="application/json",
        HTTP_X_IGNY8_TIMESTAMP=ts,
        HTTP_X_IGNY8_SIGNATURE=signature or sign(secret, ts, raw),
    )


def test_it_runs_a_webhook_rule_with_the_body_as_payload(api, django_capture_on_commit_callbacks):
    url, secret = _hook(api)
    with django_capture_on_commit_callbacks(execute=False):
        response = _post(url, secret, {"x": 42})
    assert response.status_code == 202
    run = AutomationRun.objects.get(run_id=response.json()["run_id"])
    assert run.trigger_type == "webhook" and run.trigger_payload == {"payload": {"x": 42}}


def test_it_refuses_a_bad_signature_with_401(api):
    url, secret = _hook(api)
    response = _post(url, secret, {"x": 1}, signature="sha256=" + "0" * 64)
    assert response.status_code == 401 and "does not match" in response.json()["detail"]
    assert not AutomationRun.objects.exists()


def test_it_refuses_a_replayed_old_request(api):
    url, secret = _hook(api)
    response = _post(url, secret, {"x": 1}, timestamp=time.time() - 3600)
    assert response.status_code == 401 and "replay" in response.json()["detail"]


def test_it_answers_404_for_an_unknown_token(db):
    assert APIClient().post("/api/v1/automation/hooks/nope/", {}, format="json").status_code == 404


def _parallel_hook(api):
    """A webhook rule in parallel mode: a second trigger is never dropped for a run in progress."""
    body = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "parallel hook",
            "mode": "parallel",
            "trigger": {"type": "webhook"},
            "actions": [{"type": "log", "params": {"message": "{payload.x}"}}],
        },
        format="json",
    ).json()
    return body["webhook_url"].split("testserver")[1], body["webhook_secret"]


def _signed(url, secret, raw: bytes, ts: str):
    return APIClient(raise_request_exception=False).post(
        url,
        data=raw,
        content_type="application/json",
        HTTP_X_IGNY8_TIMESTAMP=ts,
        HTTP_X_IGNY8_SIGNATURE=sign(secret, ts, raw),
    )


def test_it_refuses_the_same_signed_request_a_second_time_with_409(api, django_capture_on_commit_callbacks):
    url, secret = _parallel_hook(api)
    raw, ts = json.dumps({"x": 1}).encode(), str(int(time.time()))
    with django_capture_on_commit_callbacks(execute=False):
        first = _signed(url, secret, raw, ts)
        replayed = _signed(url, secret, raw, ts)
    assert first.status_code == 202
    assert replayed.status_code == 409 and "already accepted" in replayed.json()["detail"]
    assert replayed.json()["code"] == "replayed"
    assert AutomationRun.objects.filter(trigger_type="webhook").count() == 1


def test_it_accepts_two_different_signed_requests_in_the_same_second(api, django_capture_on_commit_callbacks):
    url, secret = _parallel_hook(api)
    ts = str(int(time.time()))
    with django_capture_on_commit_callbacks(execute=False):
        codes = [_signed(url, secret, json.dumps({"x": n}).encode(), ts).status_code for n in (1, 2)]
    assert codes == [202, 202]
    assert AutomationRun.objects.filter(trigger_type="webhook").count() == 2


def test_it_accepts_a_retry_of_a_request_that_failed_on_the_server(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    from rules.api import hooks

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    url, secret = _parallel_hook(api)
    raw, ts = b'{"x": 1}', str(int(time.time()))
    with monkeypatch.context() as patched:
        patched.setattr(hooks, "rule_execute", fail)
        assert _signed(url, secret, raw, ts).status_code == 500
    with django_capture_on_commit_callbacks(execute=False):
        assert _signed(url, secret, raw, ts).status_code == 202


@pytest.mark.parametrize("timestamp", ["9" * 400, "9" * 13, "-1", "1e9", "１２３", " 123"])
def test_it_refuses_a_timestamp_that_is_not_1_to_12_digits_with_401(timestamp, api):
    url, secret = _parallel_hook(api)
    raw = b"{}"
    response = APIClient(raise_request_exception=False).post(
        url,
        raw,
        content_type="application/json",
        HTTP_X_IGNY8_TIMESTAMP=timestamp,
        HTTP_X_IGNY8_SIGNATURE=sign(secret, timestamp, raw),
    )
    assert response.status_code == 401 and "1 to 12 digits" in response.json()["detail"]
