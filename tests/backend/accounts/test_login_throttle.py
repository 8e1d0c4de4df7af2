"""Failed logins are limited per client address and per attempted username: 429 with Retry-After."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

LOGIN_URLS = [pytest.param("/api/v1/auth/token/", id="token"), pytest.param("/api/v1/auth/login/", id="session")]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests log in dozens of times: hash the personas' passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def limits(settings):
    """Small limits so a test reaches them in a few requests."""

    def set_limits(*, per_ip: str = "1000/min", per_user: str = "1000/min") -> None:
        settings.AUTOMATION_RATE_LIMITS = {
            **settings.AUTOMATION_RATE_LIMITS,
            "login_ip": per_ip,
            "login_user": per_user,
        }

    return set_limits


def _login(url: str, username: str, password: str, *, ip: str = "127.0.0.2", **headers):
    return APIClient(REMOTE_ADDR=ip).post(url, {"username": username, "password": password}, format="json", **headers)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_answers_429_with_retry_after_once_a_users_failures_reach_the_limit(url, alice, limits):
    limits(per_user="3/min")
    assert [_login(url, "alice", "wrong").status_code for _ in range(3)] == [400, 400, 400]
    refused = _login(url, "alice", "alice-pass-123")  # the right password is refused too while limited
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_keeps_the_per_user_limit_for_attempts_from_another_address(url, alice, limits):
    limits(per_user="3/min")
    for _ in range(3):
        assert _login(url, "alice", "wrong", ip="127.0.0.2").status_code == 400
    assert _login(url, "alice", "alice-pass-123", ip="127.0.0.3").status_code == 429
    # The same person however the name is typed: case, surrounding spaces, Unicode compatibility forms.
    assert _login(url, " ＡLICE ", "alice-pass-123", ip="127.0.0.4").status_code == 429


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_leaves_another_user_unaffected_by_one_users_limit(url, alice, bob, limits):
    limits(per_user="3/min")
    for _ in range(3):
        _login(url, "alice", "wrong")
    assert _login(url, "alice", "alice-pass-123").status_code == 429
    assert _login(url, "bob", "bob-pass-123").status_code == 200  # same address, another username


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_limits_failures_per_address_across_usernames(url, alice, limits):
    limits(per_ip="3/min")
    for name in ("mallory", "trent", "alice"):
        assert _login(url, name, "guess", ip="127.0.0.2").status_code == 400
    limited = _login(url, "alice", "alice-pass-123", ip="127.0.0.2")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    # X-Forwarded-For is not trusted without a configured proxy: it cannot buy a fresh address.
    spoofed = _login(url, "alice", "alice-pass-123", ip="127.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.9")
    assert spoofed.status_code == 429
    assert _login(url, "alice", "alice-pass-123", ip="127.0.0.3").status_code == 200


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_it_counts_only_failed_logins(url, alice, limits):
    limits(per_ip="2/min", per_user="2/min")
    assert [_login(url, "alice", "alice-pass-123").status_code for _ in range(4)] == [200] * 4


def test_it_counts_a_token_request_and_a_session_login_against_the_same_limit(alice, limits):
    limits(per_user="2/min")
    assert _login("/api/v1/auth/token/", "alice", "wrong").status_code == 400
    assert _login("/api/v1/auth/login/", "alice", "wrong").status_code == 400
    assert _login("/api/v1/auth/token/", "alice", "alice-pass-123").status_code == 429
    assert _login("/api/v1/auth/login/", "alice", "alice-pass-123").status_code == 429
