"""API tokens stored as hashes: `token_create` returns the key once; authentication hashes what it gets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from backend.accounts.models import ApiToken, User

LAST_USED_PRECISION = timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str = "", expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user` (expiring after `expires_in_days`, or never); return it and its key (shown once)."""
    key = secrets.token_hex(20)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(user=user, name=name, key_hash=_hash(key), prefix=key[:8], expires_at=expires_at)
    return token, key


def token_issue(*, user: User, name: str = "", expires_in_days: int | None = None) -> str:
    """Create a token for `user` and return its key (the only time it can be read)."""
    return token_create(user=user, name=name, expires_in_days=expires_in_days)[1]


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def token_revoke(*, token: ApiToken) -> None:
    """Delete a token: requests made with it are refused from now on."""
    token.delete()


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hash."""

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
