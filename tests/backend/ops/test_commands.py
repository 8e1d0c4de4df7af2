from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from backend.accounts.models import Account, Site
from backend.billing.models import CreditTransaction
from backend.planner.models import Keyword


def _call(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_seeds_the_demo_account_idempotently(db):
    first = _call("seed_demo")
    second = _call("seed_demo")
    site = Site.objects.get(domain="demo.example.com")
    assert Keyword.objects.filter(site=site).count() >= 60
    assert Keyword.objects.filter(site=site).values("text").distinct().count() == Keyword.objects.count()
    assert CreditTransaction.objects.filter(account=site.account, kind="credit").count() == 1
    for output in (first, second):  # each run prints a working token (tokens are stored hashed)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {output.rsplit('API token: ', 1)[1].strip()}")
        assert client.get(f"/api/v1/keywords/?site={site.pk}").json()["count"] >= 60
    login = APIClient().post("/api/v1/auth/token/", {"username": "demo", "password": "demo-pass-123"})
    assert len(login.json()["token"]) == 40


def test_it_creates_another_account_that_sees_nothing_of_the_demo(db):
    _call("seed_demo")
    out = _call(
        "create_account", "--name", "acme", "--username", "acme", "--password", "acme-pass-1", "--credits", "25"
    )
    account = Account.objects.get(slug="acme")
    assert account.credits == 25 and Site.objects.filter(account=account, domain="acme.example.com").exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.rsplit('API token: ', 1)[1].strip()}")
    assert client.get("/api/v1/keywords/").json()["count"] == 0


def test_it_has_no_missing_migrations(db):
    _call("makemigrations", "--check", "--dry-run")


def test_it_refuses_a_second_account_with_the_same_username(db):
    _call("create_account", "--name", "a", "--username", "same", "--password", "pass-12345")
    with pytest.raises(Exception, match="already exists"):
        _call("create_account", "--name", "b", "--username", "same", "--password", "pass-12345")


def test_it_prints_the_balance_the_ledger_holds_after_creating_an_account(db):
    out = _call(
        "create_account", "--name", "rich", "--username", "rich", "--password", "rich-pass-1", "--credits", "1000"
    )
    account = Account.objects.get(slug="rich")
    ledger = CreditTransaction.objects.filter(account=account, kind="credit")
    assert [t.amount for t in ledger] == [1000] and account.credits == 1000
    assert "credits 1000.00" in out and "credits 0" not in out
