"""The endpoints that start work are rate-limited per user (per hook token): 429 with Retry-After."""

from __future__ import annotations

import json
import time

from rules.api.hooks import sign


def test_it_limits_run_now_with_retry_after(alice, api, settings, django_capture_on_commit_callbacks):
    settings.AUTOMATION_RATE_LIMITS = {**settings.AUTOMATION_RATE_LIMITS, "run_now": "2/min"}
    url = f"/api/v1/automation/run_now/?site_id={alice.site.pk}"
    with django_capture_on_commit_callbacks(execute=False):
        codes = [api.post(url).status_code for _ in range(2)]
        limited = api.post(url)
    assert codes == [202, 409] and limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60


def test_it_limits_execute_per_user_not_per_account(
    alice, bob, api, settings, make_rule, django_capture_on_commit_callbacks
):
    settings.AUTOMATION_RATE_LIMITS = {**settings.AUTOMATION_RATE_LIMITS, "execute": "1/min"}
    rule = make_rule(mode="parallel")
    url = f"/api/v1/automation/rules/{rule.pk}/execute/"
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(url, {}, format="json").status_code == 202
        assert api.post(url, {}, format="json").status_code == 429
        assert bob.client().post(url, {}, format="json").status_code == 202


def test_it_limits_a_webhook_per_token(api, settings, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    settings.AUTOMATION_RATE_LIMITS = {**settings.AUTOMATION_RATE_LIMITS, "webhook": "1/min"}
    body = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "h",
            "trigger": {"type": "webhook"},
            "mode": "parallel",
            "actions": [{"type": "log", "params": {"message": "x"}}],
        },
        format="json",
    ).json()
    url = body["webhook_url"].split("testserver")[1]
    raw, ts = json.dumps({}).encode(), str(int(time.time()))
    headers = {"HTTP_X_IGNY8_TIMESTAMP": ts, "HTTP_X_IGNY8_SIGNATURE": sign(body["webhook_secret"], ts, raw)}
    with django_capture_on_commit_callbacks(execute=False):
        assert APIClient().post(url, raw, content_type="application/json", **headers).status_code == 202
        limited = APIClient().post(url, raw, content_type="application/json", **headers)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
