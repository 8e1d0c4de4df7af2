"""Tenancy: an Account owns users, sites and credits; a Site may have Sectors."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from backend.core.models import TimestampedModel


def validate_timezone(value: str) -> None:
    """Accept IANA timezone names only (e.g. Europe/Berlin)."""
    if value not in available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA timezone (e.g. 'UTC', 'Europe/Berlin').")


class Account(TimestampedModel):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    # Balance and held amount change only through backend.billing.services (one ledger row each).
    credits = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    credits_reserved = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    # Hard stop: automation may charge at most this many credits per UTC day (None: no limit).
    daily_credit_budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # What automation (debits of a run) charged on the UTC day `spent_on`: kept by backend.billing.services with
    # every such debit, under the account's lock, so the daily budget is checked without summing the ledger.
    spent_today = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    spent_on = models.DateField(null=True, blank=True)

    def spent_on_day(self, day) -> Decimal:
        """What automation charged on `day` (a UTC date): nothing yet if the counter is of another day."""
        return self.spent_today if self.spent_on == day else Decimal("0")

    def __str__(self) -> str:
        return self.name

    @property
    def credits_available(self) -> Decimal:
        return self.credits - self.credits_reserved


class User(AbstractUser):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="users")


class Site(TimestampedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=120)
    domain = models.CharField(max_length=253)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "domain"], name="site_domain_unique_per_account")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.domain


class Sector(TimestampedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, editable=False, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sectors")
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="sector_name_unique_per_site")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.site_id and not self.account_id:
            self.account_id = self.site.account_id
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`). Only a SHA-256 of the key is stored: shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # to tell tokens apart in lists, never enough to use one
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # None: never expires

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
