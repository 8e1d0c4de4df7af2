"""Bad input answers 4xx, never 5xx: the exact requests the fuzzing (and reading the views) turned up,
plus out-of-range and NUL values put into every id of every route (PostgreSQL refuses NUL in text and
jsonb, SQLite refuses integers beyond 64 bits)."""

from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from rules.api.hooks import sign
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


# --- nesting, overflowing numbers, absurd pages and timestamps: 400s (401 for a webhook), never 500s ------

DEEP = 500  # levels: beyond MAX_JSON_DEPTH (64) and deep enough to exhaust Python's recursion while parsing


def _deep_conditions(levels: int) -> str:
    return '{"and": [' * levels + "true" + "]}" * levels


def _timed(send):
    started = time.perf_counter()
    response = send()
    return response, time.perf_counter() - started


def _hook_rule(api) -> tuple[str, str]:
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
    return created["webhook_url"].split("testserver")[1], created["webhook_secret"]


def test_it_refuses_rule_conditions_nested_500_levels_with_a_fast_400(api):
    from rules.models import AutomationRule

    raw = (
        '{"name": "deep", "trigger": {"type": "manual"}, "conditions": '
        + _deep_conditions(DEEP)
        + ', "actions": [{"type": "log", "params": {"message": "x"}}]}'
    )
    api.raise_request_exception = False
    before = AutomationRule.objects.count()  # the site's preset rule
    response, seconds = _timed(lambda: api.post("/api/v1/automation/rules/", raw, content_type="application/json"))
    assert response.status_code == 400, response.content[:300]
    assert "64 levels" in response.json()["detail"] and seconds < 2
    assert AutomationRule.objects.count() == before


def test_it_refuses_a_keyword_bulk_create_nested_500_levels_with_a_fast_400(api, alice):
    from backend.planner.models import Keyword

    raw = f'{{"site": {alice.site.pk}, "keywords": [{"[" * DEEP}{{"text": "deep"}}{"]" * DEEP}]}}'
    api.raise_request_exception = False
    response, seconds = _timed(lambda: api.post("/api/v1/keywords/bulk_create/", raw, content_type="application/json"))
    assert response.status_code == 400, response.content[:300]
    assert "64 levels" in response.json()["detail"] and seconds < 2
    assert not Keyword.objects.exists()


def test_it_refuses_a_signed_webhook_body_nested_500_levels_with_a_fast_400(api):
    from rules.models import AutomationRun

    url, secret = _hook_rule(api)
    raw = ('{"x": ' + "[" * DEEP + "]" * DEEP + "}").encode()
    now = str(int(time.time()))
    client = APIClient(raise_request_exception=False)
    response, seconds = _timed(
        lambda: client.post(
            url,
            raw,
            content_type="application/json",
            HTTP_X_IGNY8_TIMESTAMP=now,
            HTTP_X_IGNY8_SIGNATURE=sign(secret, now, raw),
        )
    )
    assert response.status_code == 400, response.content[:300]
    assert "64 levels" in response.json()["body"][0] and seconds < 2
    assert not AutomationRun.objects.exists()


def test_it_refuses_a_400_digit_webhook_timestamp_with_a_401(api):
    url, secret = _hook_rule(api)
    raw, timestamp = b"{}", "9" * 400
    response = APIClient(raise_request_exception=False).post(
        url,
        raw,
        content_type="application/json",
        HTTP_X_IGNY8_TIMESTAMP=timestamp,
        HTTP_X_IGNY8_SIGNATURE=sign(secret, timestamp, raw),
    )
    assert response.status_code == 401, response.content[:300]
    assert "1 to 12 digits" in response.json()["detail"]


@pytest.mark.parametrize("field", ["volume", "difficulty"])
def test_it_refuses_an_overflowing_number_in_a_keyword_bulk_create_at_its_row(field, api, alice):
    from backend.planner.models import Keyword

    body = {"site": alice.site.pk, "keywords": [{"text": "fine"}, {"text": "huge", field: 10**30}]}
    response = _answer(api, "post", "/api/v1/keywords/bulk_create/", body)
    assert response.status_code == 400, _shown("post", "/api/v1/keywords/bulk_create/", body, response)
    assert list(response.json()["keywords"]["1"]) == [field]
    assert not Keyword.objects.exists()  # nothing half-saved


def test_it_refuses_a_volume_beyond_the_column_in_a_csv_import_at_its_line(api, alice):
    import io

    from backend.planner.models import Keyword

    upload = io.BytesIO(f"keyword,volume\nfine,10\nhuge,{10**30}\nbig,2147483648\nmax,2147483647\n".encode())
    upload.name = "keywords.csv"
    api.raise_request_exception = False
    response = api.post("/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": upload}, format="multipart")
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["rows"]) == {"3", "4"}
    assert all(list(errors) == ["volume"] for errors in response.json()["rows"].values())
    assert not Keyword.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/keywords/", {"text": "huge", "volume": 10**30}, "volume"),
        ("/api/v1/keywords/", {"text": "big", "volume": 2**31}, "volume"),
        ("/api/v1/keywords/", {"text": "hard", "difficulty": 10**30}, "difficulty"),
        ("/api/v1/tasks/", {"title": "t", "target_word_count": 10**30}, "target_word_count"),
        ("/api/v1/tasks/", {"title": "t", "target_word_count": 2**31}, "target_word_count"),
    ],
)
def test_it_refuses_an_integer_beyond_its_column_on_create(url, body, field, api, alice):
    body = {"site": alice.site.pk, **body}
    response = _answer(api, "post", url, body)
    assert response.status_code == 400, _shown("post", url, body, response)
    assert list(response.json()) == [field]


def test_it_refuses_an_integer_beyond_its_column_on_update(api, alice):
    from backend.planner.models import Keyword
    from backend.writer.models import Content

    keyword = Keyword.objects.create(site=alice.site, text="k")
    content = Content.objects.create(site=alice.site, title="c", html_content="<p>c</p>")
    cases = [
        (f"/api/v1/keywords/{keyword.pk}/", {"volume": 10**30}, "volume"),
        ("/api/v1/images/", {"site": alice.site.pk, "content": content.pk, "position": 10**30}, "position"),
        ("/api/v1/images/", {"site": alice.site.pk, "content": content.pk, "position": 2**15}, "position"),
    ]
    for url, body, field in cases:
        method = "patch" if url.endswith(f"{keyword.pk}/") else "post"
        response = _answer(api, method, url, body)
        assert response.status_code == 400, _shown(method, url, body, response)
        assert list(response.json()) == [field]
    keyword.refresh_from_db()
    assert keyword.volume == 0


@pytest.mark.parametrize("page", [str(10**30), "100001", "0", "abc"])
def test_it_refuses_an_impossible_history_page_naming_it(page, api, alice):
    url = f"/api/v1/automation/history/?site_id={alice.site.pk}&page={page}"
    response = _answer(api, "get", url)
    assert response.status_code == 400, _shown("get", url, None, response)
    assert list(response.json()) == ["page"]


def test_it_still_answers_the_last_allowed_history_page(api, alice):
    url = f"/api/v1/automation/history/?site_id={alice.site.pk}&page=100000"
    response = _answer(api, "get", url)
    assert response.status_code == 200, _shown("get", url, None, response)
