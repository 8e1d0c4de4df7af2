"""Shared fixtures: named personas (alice and bob share an account, charlie has his own)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import account_create


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the Redis cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


class Persona:
    def __init__(self, account, user, site, token):
        self.account, self.user, self.site, self.token = account, user, site, token

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


@pytest.fixture
def alice(db) -> Persona:
    return Persona(
        *account_create(name="Alice Co", username="alice", password="alice-pass-123", credits=Decimal("1000"))
    )


@pytest.fixture
def bob(alice) -> Persona:
    """Bob is on Alice's team: same account, same site."""
    from backend.accounts.models import User
    from backend.accounts.tokens import token_issue

    user = User.objects.create_user(username="bob", password="bob-pass-123", account=alice.account)
    return Persona(alice.account, user, alice.site, token_issue(user=user))


@pytest.fixture
def charlie(db) -> Persona:
    """Charlie has an account of his own and no access to Alice's."""
    return Persona(
        *account_create(name="Charlie Ltd", username="charlie", password="charlie-pass-123", credits=Decimal("50"))
    )


@pytest.fixture
def api(alice) -> APIClient:
    return alice.client()


# --- the rules engine ------------------------------------------------------------------------

import tests.support.test_actions  # noqa: E402,F401  (test-only actions, registered once)


@pytest.fixture
def eager(transactional_db, settings):
    """Run Celery tasks inline; real commits, so on_commit callbacks fire as in production."""
    from backend.celery import app

    app.conf.task_always_eager = True
    settings.AUTOMATION_LEASE_SECONDS = 60
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def make_rule(alice):
    """Create a rule for Alice through the service layer (validated like the API does)."""
    from rules.services import rule_create
    from rules.validation import validate_rule

    def make(**fields):
        fields.setdefault("name", "rule")
        fields.setdefault("trigger", {"type": "manual"})
        fields.setdefault("actions", [{"type": "log", "params": {"message": "hello"}}])
        fields.update(validate_rule({k: fields[k] for k in ("trigger", "conditions", "actions") if k in fields}))
        account_id = fields.pop("account_id", alice.account.id)
        return rule_create(account_id=account_id, **fields)[0]

    return make
