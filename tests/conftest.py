"""Shared fixtures: named personas (alice and bob share an account, charlie has his own)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from backend.ops.services import account_open


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the Redis cache: every test starts with none. Ids are reused from test to
    test, so what this process remembers by rule id (compiled conditions, the rule index) starts empty too."""
    from django.core.cache import cache

    from rules.core.conditions import clear_compiled_cache
    from rules.index import rule_index

    cache.clear()
    clear_compiled_cache()
    rule_index.mark_stale()


class Persona:
    def __init__(self, account, user, site, token):
        self.account, self.user, self.site, self.token = account, user, site, token

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


@pytest.fixture
def alice(db) -> Persona:
    return Persona(*account_open(name="Alice Co", username="alice", password="alice-pass-123", credits=Decimal("1000")))


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
        *account_open(name="Charlie Ltd", username="charlie", password="charlie-pass-123", credits=Decimal("50"))
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


# --- outbound calls ------------------------------------------------------------------------------

LOOPBACK_NETWORKS = "127.0.0.0/8,::1"


@pytest.fixture
def allow_loopback_outbound(settings):
    """Let outbound calls reach loopback receivers (the default refuses them, as production does)."""
    settings.OUTBOUND_ALLOWED_NETWORKS = LOOPBACK_NETWORKS
    return LOOPBACK_NETWORKS
