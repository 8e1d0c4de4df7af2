"""Abstract bases shared by the domain apps."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SiteScopedModel(TimestampedModel):
    """A row that belongs to one site, and through it to one account (denormalised for scoping)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, editable=False, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="+")
    sector = models.ForeignKey("accounts.Sector", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.site_id and not self.account_id:
            self.account_id = self.site.account_id
        super().save(*args, **kwargs)


class StatusLifecycle:
    """Declares the allowed status transitions of a model: `TRANSITIONS = {from: {to, ...}}`."""

    TRANSITIONS: dict[str, set[str]] = {}

    @classmethod
    def check_transition(cls, old: str, new: str) -> None:
        """Raise ValidationError when `old -> new` is not an allowed transition."""
        if old == new or new in cls.TRANSITIONS.get(old, set()):
            return
        allowed = sorted(cls.TRANSITIONS.get(old, set()))
        raise ValidationError(f"cannot change status from '{old}' to '{new}'; allowed: {', '.join(allowed) or 'none'}")
