from __future__ import annotations

import json
import time

from rest_framework.test import APIClient

from rules.models import AutomationRun
from rules.views import sign


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
