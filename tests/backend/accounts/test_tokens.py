"""The caller's API tokens: list, create (key shown once), revoke, and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ApiToken

TOKENS = "/api/v1/auth/tokens/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_lists_the_callers_own_tokens_and_marks_the_current_one(alice, bob, charlie):
    second = alice.client().post(TOKENS, {"name": "ci"}, format="json").json()
    listed = alice.client().get(TOKENS)
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["prefix"] for row in rows} == {alice.token[:8], second["prefix"]}
    assert set(rows[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"}
    assert [row["current"] for row in rows if row["prefix"] == alice.token[:8]] == [True]
    assert [row["current"] for row in rows if row["prefix"] == second["prefix"]] == [False]
    assert all("key" not in row and "key_hash" not in row for row in rows)
    # A teammate (same account) and another account see only their own.
    assert {row["prefix"] for row in bob.client().get(TOKENS).json()["results"]} == {bob.token[:8]}
    assert {row["prefix"] for row in charlie.client().get(TOKENS).json()["results"]} == {charlie.token[:8]}


def test_it_creates_a_token_whose_key_is_shown_once_and_works(alice):
    created = alice.client().post(TOKENS, {"name": "deploy script", "expires_in_days": 30}, format="json")
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert body["name"] == "deploy script" and body["prefix"] == key[:8] and body["current"] is False
    expires_at = ApiToken.objects.get(pk=body["id"]).expires_at
    assert timedelta(days=30) - timedelta(minutes=1) < expires_at - timezone.now() <= timedelta(days=30)
    assert _client(key).get("/api/v1/auth/me/").json()["username"] == "alice"
    listed = alice.client().get(TOKENS).json()["results"]
    assert all("key" not in row for row in listed)
    assert not ApiToken.objects.filter(key_hash=key).exists()  # stored hashed only


def test_it_creates_a_token_that_never_expires_without_expires_in_days(alice):
    body = alice.client().post(TOKENS, {"name": "forever"}, format="json").json()
    assert body["expires_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 3651}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 10**30}, "expires_in_days"),
        ({"name": "x", "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "user": 1}, "user"),
    ],
)
def test_it_refuses_a_bad_token_request_naming_the_field(body, field, alice):
    response = alice.client().post(TOKENS, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert ApiToken.objects.filter(user=alice.user).count() == 1


def test_it_revokes_a_token_so_it_stops_working(alice):
    created = alice.client().post(TOKENS, {"name": "old"}, format="json").json()
    assert _client(created["key"]).get("/api/v1/auth/me/").status_code == 200
    response = alice.client().delete(f"{TOKENS}{created['id']}/")
    assert response.status_code == 204
    assert _client(created["key"]).get("/api/v1/auth/me/").status_code in (401, 403)
    assert alice.client().get("/api/v1/auth/me/").status_code == 200  # the others stay valid


def test_it_revokes_the_token_in_use(alice):
    own = ApiToken.objects.get(user=alice.user)
    assert alice.client().delete(f"{TOKENS}{own.pk}/").status_code == 204
    assert alice.client().get("/api/v1/auth/me/").status_code in (401, 403)


def test_it_answers_404_for_another_users_token_even_a_teammates(alice, bob, charlie):
    alices = ApiToken.objects.get(user=alice.user)
    for other in (bob, charlie):
        assert other.client().delete(f"{TOKENS}{alices.pk}/").status_code == 404
    assert alice.client().delete(f"{TOKENS}{10**30}/").status_code == 404
    assert alice.client().get("/api/v1/auth/me/").status_code == 200


def test_it_refuses_an_expired_token(alice):
    ApiToken.objects.filter(user=alice.user).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = alice.client().get("/api/v1/auth/me/")
    assert response.status_code in (401, 403) and response.json()["detail"] == "Token expired."


def test_it_accepts_a_token_until_it_expires(alice):
    ApiToken.objects.filter(user=alice.user).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert alice.client().get("/api/v1/auth/me/").status_code == 200


def test_it_issues_an_expiring_token_from_the_login_endpoint(alice):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "alice-pass-123", "expires_in_days": 7}
    )
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(prefix=key[:8], user=alice.user)
    assert timedelta(days=7) - timedelta(minutes=1) < token.expires_at - timezone.now() <= timedelta(days=7)
    refused = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "alice-pass-123", "expires_in_days": 0}
    )
    assert refused.status_code == 400 and "expires_in_days" in refused.json()


def test_it_requires_authentication_for_the_token_list(alice):
    assert APIClient().get(TOKENS).status_code in (401, 403)
    assert APIClient().post(TOKENS, {"name": "x"}, format="json").status_code in (401, 403)
