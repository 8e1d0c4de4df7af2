from __future__ import annotations

from rest_framework.test import APIClient


def test_it_exchanges_username_and_password_for_a_token_stored_only_as_a_hash(alice):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 200
    key = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/auth/me/").json()["username"] == "alice"
    from backend.accounts.models import ApiToken

    stored = ApiToken.objects.filter(user=alice.user).values_list("key_hash", "prefix")
    assert key not in {h for h, _ in stored} and key[:8] in {p for _, p in stored}
    assert alice.client().get("/api/v1/auth/me/").status_code == 200  # earlier tokens stay valid


def test_it_refuses_an_unknown_token(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)


def test_it_refuses_a_wrong_password_without_a_token(alice):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_it_requires_authentication_for_the_api(alice):
    assert APIClient().get("/api/v1/keywords/").status_code in (401, 403)


def test_it_accepts_the_token_header(alice):
    response = alice.client().get("/api/v1/auth/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["account"]["credits"] == "1000.00"
    assert [s["domain"] for s in body["sites"]] == ["alice-co.example.com"]


def test_it_logs_in_with_a_session_and_enforces_csrf(alice):
    client = APIClient(enforce_csrf_checks=True)
    csrf = client.get("/api/v1/auth/csrf/").json()["csrfToken"]
    refused = client.post("/api/v1/auth/login/", {"username": "alice", "password": "alice-pass-123"}, format="json")
    assert refused.status_code == 403  # no CSRF header
    ok = client.post(
        "/api/v1/auth/login/", {"username": "alice", "password": "alice-pass-123"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert ok.status_code == 200
    assert client.get("/api/v1/auth/me/").json()["username"] == "alice"
    csrf = client.cookies["csrftoken"].value
    assert client.post("/api/v1/sites/", {"name": "x", "domain": "x.example.com"}, format="json").status_code == 403
    created = client.post(
        "/api/v1/sites/", {"name": "x", "domain": "x.example.com"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert created.status_code == 201
    client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=csrf)
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)


def test_it_tells_the_web_app_whether_it_is_signed_in_without_an_error(alice):
    anonymous = APIClient().get("/api/v1/auth/session/")
    assert anonymous.status_code == 200 and anonymous.json() == {"authenticated": False, "user": None}
    signed_in = alice.client().get("/api/v1/auth/session/").json()
    assert signed_in["authenticated"] is True and signed_in["user"]["username"] == "alice"
