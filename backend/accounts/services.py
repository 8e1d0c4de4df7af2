"""Write operations on accounts, users and sites."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from backend.accounts.models import Account, Site, User
from backend.accounts.tokens import token_issue


@transaction.atomic
def account_create(
    *,
    name: str,
    username: str,
    password: str,
    domain: str | None = None,
    timezone: str = "UTC",
) -> tuple[Account, User, Site, str]:
    """Create an account with one user and one site; return them and the user's API token (credits are
    billing's: `backend.ops.services.account_open` opens an account with a grant)."""
    slug = slugify(name) or "account"
    account = Account.objects.create(name=name, slug=_unique_slug(slug))
    user = User.objects.create_user(username=username, password=password, account=account)
    site = site_create(account=account, name=name, domain=domain or f"{slug}.example.com", timezone=timezone)
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
