"""Shared fixtures: named personas (alice and bob share an account, charlie has his own)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import account_create


class Persona:
    def __init__(self, account, user, site, token):
        self.account, self.user, self.site, self.token = account, user, site, token

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


@pytest.fixture
def alice(db) -> Persona:
    return Persona(*account_create(name="Alice Co", username="alice", password="alice-pass-123",
                                   credits=Decimal("1000")))


@pytest.fixture
def bob(alice) -> Persona:
    """Bob is on Alice's team: same account, same site."""
    from rest_framework.authtoken.models import Token

    from backend.accounts.models import User

    user = User.objects.create_user(username="bob", password="bob-pass-123", account=alice.account)
    return Persona(alice.account, user, alice.site, Token.objects.create(user=user).key)


@pytest.fixture
def charlie(db) -> Persona:
    """Charlie has an account of his own and no access to Alice's."""
    return Persona(*account_create(name="Charlie Ltd", username="charlie", password="charlie-pass-123",
                                   credits=Decimal("50")))


@pytest.fixture
def api(alice) -> APIClient:
    return alice.client()
