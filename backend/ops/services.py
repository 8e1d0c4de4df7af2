"""Set-up operations that span apps: opening an account (accounts) with its first credits (billing)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from backend.accounts.models import Account, Site, User
from backend.accounts.services import account_create
from backend.billing.services import credits_add


@transaction.atomic
def account_open(
    *, name: str, username: str, password: str, credits: Decimal = Decimal("0"), **site: str
) -> tuple[Account, User, Site, str]:
    """An account with one user and one site (`account_create`), granted `credits`; returns them and a token."""
    account, user, created_site, token = account_create(name=name, username=username, password=password, **site)
    if credits:
        credits_add(account_id=account.id, amount=Decimal(credits), operation="initial_grant")
        account.refresh_from_db()  # the grant updated the row through its own copy: show its balance
    return account, user, created_site, token
