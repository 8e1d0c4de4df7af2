"""Every API caller must be a signed-in user who belongs to an account."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class HasAccount(BasePermission):
    message = "Authentication credentials were not provided, or the user belongs to no account."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "account_id", None))
