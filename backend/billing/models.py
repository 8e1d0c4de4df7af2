"""The credits ledger: one row for every change of an account's balance or held credits."""

from __future__ import annotations

from django.db import models


class CreditTransaction(models.Model):
    class Kind(models.TextChoices):
        DEBIT = "debit"  # balance down (a charge)
        CREDIT = "credit"  # balance up (a purchase, a grant, a refund)
        RESERVATION = "reservation"  # credits held for a run (available down, balance unchanged)
        RELEASE = "release"  # a hold given back (available up, balance unchanged)

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="credit_transactions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # always positive; kind says which way
    operation = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    run_id = models.CharField(max_length=100, blank=True, db_index=True)
    step_index = models.IntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # Makes a charge happen at most once: a second debit with the same key returns the first row.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    reserved_after = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["account", "-id"]),
            # Spend per day and the daily budget's sum: one account's debits in a time range.
            models.Index(fields=["account", "kind", "created_at"], name="billing_tx_acct_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.operation})"
