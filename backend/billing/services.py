"""Credit operations. Each one locks the account row, changes it and writes one ledger row.

Balance (`credits`) moves only by debit and credit rows; reservation and release rows move the
held amount (`credits_reserved`), so the available amount is `credits - credits_reserved`.
A debit made under a reservation draws on the held credits it was reserved for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from backend.accounts.models import Account
from backend.billing.errors import InsufficientCredits
from backend.billing.models import CreditTransaction

ZERO = Decimal("0")


@dataclass(frozen=True)
class Reference:
    """What a ledger row is about: a run, a step of it, a domain object."""

    run_id: str = ""
    step_index: int | None = None
    object_type: str = ""
    object_id: int | None = None

    def fields(self) -> dict:
        return {
            "run_id": self.run_id,
            "step_index": self.step_index,
            "object_type": self.object_type,
            "object_id": self.object_id,
        }


def _positive(amount) -> Decimal:
    value = Decimal(str(amount))
    if value <= ZERO:
        raise ValueError(f"credit amounts must be positive, got {value}")
    return value


def _record(
    account: Account,
    kind: str,
    amount: Decimal,
    operation: str,
    reference: Reference,
    description: str,
    idempotency_key: str | None,
) -> CreditTransaction:
    account.save(update_fields=["credits", "credits_reserved", "updated_at"])
    row = CreditTransaction.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        operation=operation,
        description=description,
        idempotency_key=idempotency_key,
        balance_after=account.credits,
        reserved_after=account.credits_reserved,
        **reference.fields(),
    )
    row.was_created = True
    return row


def _existing(idempotency_key: str | None) -> CreditTransaction | None:
    """The row already written for this key (marked `was_created = False`), if any."""
    if idempotency_key is None:
        return None
    row = CreditTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if row is not None:
        row.was_created = False
    return row


def credits_add(
    *,
    account_id: int,
    amount,
    operation: str,
    reference: Reference = Reference(),
    description: str = "",
    idempotency_key: str | None = None,
) -> CreditTransaction:
    """Add credits to the balance (purchase, grant, refund)."""
    amount = _positive(amount)
    with transaction.atomic():
        if (done := _existing(idempotency_key)) is not None:
            return done
        account = Account.objects.select_for_update().get(pk=account_id)
        account.credits += amount
        return _record(
            account, CreditTransaction.Kind.CREDIT, amount, operation, reference, description, idempotency_key
        )


def credits_debit(
    *,
    account_id: int,
    amount,
    operation: str,
    reference: Reference = Reference(),
    description: str = "",
    idempotency_key: str | None = None,
    reserved_for_this: Decimal = ZERO,
) -> CreditTransaction:
    """Charge credits; never takes the available balance below zero (raises InsufficientCredits).

    `reserved_for_this` is what the caller holds in a reservation for this charge; that much of the
    held amount is consumed instead of requiring free credits. Idempotent by `idempotency_key`.
    """
    amount = _positive(amount)
    try:
        with transaction.atomic():
            if (done := _existing(idempotency_key)) is not None:
                return done
            account = Account.objects.select_for_update().get(pk=account_id)
            from_hold = min(amount, Decimal(reserved_for_this), account.credits_reserved)
            if amount - from_hold > account.credits_available:
                raise InsufficientCredits(
                    needed=amount, available=account.credits_available + from_hold, operation=operation
                )
            account.credits -= amount
            account.credits_reserved -= from_hold
            return _record(
                account, CreditTransaction.Kind.DEBIT, amount, operation, reference, description, idempotency_key
            )
    except IntegrityError:
        # A concurrent call with the same key won the race: the charge exists exactly once.
        if (done := _existing(idempotency_key)) is not None:
            return done
        raise


def credits_reserve(
    *, account_id: int, amount, operation: str, reference: Reference = Reference(), description: str = ""
) -> CreditTransaction:
    """Hold credits for a run; refused with needed and available amounts when short."""
    amount = _positive(amount)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if amount > account.credits_available:
            raise InsufficientCredits(needed=amount, available=account.credits_available, operation=operation)
        account.credits_reserved += amount
        return _record(account, CreditTransaction.Kind.RESERVATION, amount, operation, reference, description, None)


def credits_release(
    *, account_id: int, amount, operation: str, reference: Reference = Reference(), description: str = ""
) -> CreditTransaction | None:
    """Give back held credits (at most what is held); returns None when there is nothing to give back."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        amount = min(Decimal(str(amount)), account.credits_reserved)
        if amount <= ZERO:
            return None
        account.credits_reserved -= amount
        return _record(account, CreditTransaction.Kind.RELEASE, amount, operation, reference, description, None)
