"""Bad input answers 4xx, never 5xx: the exact requests the fuzzing (and reading the views) turned up,
plus out-of-range and NUL values put into every id of every route (PostgreSQL refuses NUL in text and
jsonb, SQLite refuses integers beyond 64 bits)."""

from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from rules.views import sign
from tests.security.routes import api_routes

HUGE = "99999999999999999999"  # beyond a 64-bit integer
ROUTES = api_routes()
DETAIL_GETS = [
    pytest.param(r, value, id=f"GET {r.label} {name}")
    for r in ROUTES
    if r.kind == "path" and "get" in r.methods and r.name != "automation-hook"
    for name, value in (("huge", HUGE), ("NUL", "%00"))
]
SITE_FILTERS = [
    pytest.param(r, id=f"GET {r.label}?site={HUGE}")
    for r in ROUTES
    if r.kind == "collection" and r.actions.get("get") == "list"
]  # sites: no such filter

QUERIES = [
    pytest.param("/api/v1/automation/executions/?rule=abc"),
    pytest.param("/api/v1/automation/executions/?site=abc"),
    pytest.param("/api/v1/automation/executions/?status=%00"),
    pytest.param("/api/v1/automation/executions/?trigger_type=%00"),
    pytest.param("/api/v1/automation/executions/?created_after=2020-01-01T00:00:00%2B99:00"),
    pytest.param("/api/v1/automation/executions/?created_before=2020-13-01T00:00:00"),
    pytest.param("/api/v1/automation/rules/execution-history/?site=abc"),
    "/api/v1/automation/history/?site_id=" + HUGE,
    "/api/v1/automation/logs/?run_id=x&lines=" + HUGE,
]


def _answer(client, method: str, url: str, body=None):
    client.raise_request_exception = False  # a 500 is a status here, not an exception
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


def _shown(method, url, body, response) -> str:
    return f"{method.upper()} {url} body={json.dumps(body)} -> {response.status_code} {response.content[:300]!r}"


@pytest.mark.parametrize("url", QUERIES)
def test_it_answers_malformed_query_values_without_a_server_error(url, api):
    response = _answer(api, "get", url)
    assert response.status_code < 500, _shown("get", url, None, response)


@pytest.mark.parametrize(("route", "value"), DETAIL_GETS)
def test_it_answers_an_impossible_id_with_a_4xx(route, value, api):
    url = route.url({name: value for name in route.params})
    response = _answer(api, "get", url)
    assert 400 <= response.status_code < 500, _shown("get", url, None, response)


@pytest.mark.parametrize("route", SITE_FILTERS)
def test_it_answers_an_impossible_filter_value_with_a_4xx_or_nothing(route, api):
    url = f"{route.url({})}?site={HUGE}"
    response = _answer(api, "get", url)
    assert response.status_code < 500, _shown("get", url, None, response)


def test_it_refuses_an_impossible_content_id_to_approve(api):
    body = {"ids": [int(HUGE)]}
    response = _answer(api, "post", "/api/v1/content/bulk_approve/", body)
    assert response.status_code == 400, _shown("post", "/api/v1/content/bulk_approve/", body, response)


def test_it_creates_a_site_with_every_field_its_schema_offers(api):
    body = {"name": "Second", "domain": "second.example.com", "timezone": "UTC", "is_active": False}
    response = _answer(api, "post", "/api/v1/sites/", body)
    assert response.status_code in (201, 400), _shown("post", "/api/v1/sites/", body, response)


def test_it_refuses_a_nul_in_triggers_outcome(api, make_rule):
    url = f"/api/v1/automation/rules/{make_rule().pk}/triggers/?outcome=%00"
    response = _answer(api, "get", url)
    assert response.status_code < 500, _shown("get", url, None, response)


@pytest.mark.parametrize("field", [pytest.param("payload"), "sample"])
def test_it_refuses_or_keeps_a_nul_inside_a_json_body(field, api, make_rule, django_capture_on_commit_callbacks):
    rule = make_rule(mode="parallel")
    url = f"/api/v1/automation/rules/{rule.pk}/{'execute' if field == 'payload' else 'test'}/"
    body = {field: {"text": "a\u0000b"}}
    with django_capture_on_commit_callbacks(execute=False):
        response = _answer(api, "post", url, body)
    assert response.status_code < 500, _shown("post", url, body, response)


def test_it_refuses_or_keeps_a_nul_inside_a_rule(api):
    body = {
        "name": "nul",
        "trigger": {"type": "manual"},
        "actions": [{"type": "log", "params": {"message": "a\u0000"}}],
    }
    response = _answer(api, "post", "/api/v1/automation/rules/", body)
    assert response.status_code < 500, _shown("post", "/api/v1/automation/rules/", body, response)


def test_it_refuses_or_keeps_a_nul_inside_a_signed_webhook_body(api, django_capture_on_commit_callbacks):
    created = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "hook",
            "trigger": {"type": "webhook"},
            "mode": "parallel",
            "actions": [{"type": "log", "params": {"message": "x"}}],
        },
        format="json",
    ).json()
    url = created["webhook_url"].split("testserver")[1]
    raw, now = json.dumps({"text": "a\u0000b"}).encode(), str(int(time.time()))
    with django_capture_on_commit_callbacks(execute=False):
        response = APIClient(raise_request_exception=False).post(
            url,
            raw,
            content_type="application/json",
            HTTP_X_IGNY8_TIMESTAMP=now,
            HTTP_X_IGNY8_SIGNATURE=sign(created["webhook_secret"], now, raw),
        )
    assert response.status_code < 500, f"POST {url} body={raw!r} (signed) -> {response.status_code}"
