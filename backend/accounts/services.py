"""Write operations on accounts, users and sites."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from backend.accounts.models import Account, Site, User
from backend.accounts.tokens import token_issue
from backend.billing.services import credits_add


@transaction.atomic
def account_create(
    *,
    name: str,
    username: str,
    password: str,
    credits: Decimal = Decimal("0"),
    domain: str | None = None,
    timezone: str = "UTC",
) -> tuple[Account, User, Site, str]:
    """Create an account with one user and one site; return them and the user's API token."""
    slug = slugify(name) or "account"
    account = Account.objects.create(name=name, slug=_unique_slug(slug))
    user = User.objects.create_user(username=username, password=password, account=account)
    site = site_create(account=account, name=name, domain=domain or f"{slug}.example.com", timezone=timezone)
    if credits:
        credits_add(account_id=account.id, amount=Decimal(credits), operation="initial_grant")
        account.refresh_from_db()  # the grant updated the row through its own copy: show its balance
    return account, user, site, token_issue(user=user, name="created with the account")


def site_create(*, account: Account, name: str, domain: str, timezone: str = "UTC", is_active: bool = True) -> Site:
    """Create a site (validated) for an account."""
    site = Site(account=account, name=name, domain=domain, timezone=timezone, is_active=is_active)
    site.full_clean()
    site.save()
    return site


def _unique_slug(slug: str) -> str:
    candidate, n = slug, 1
    while Account.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{slug}-{n}"
    return candidate
