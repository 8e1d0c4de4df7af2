"""Credit operations. Each one locks the account row, changes it and writes one ledger row.

Balance (`credits`) moves only by debit and credit rows; reservation and release rows move the
held amount (`credits_reserved`), so the available amount is `credits - credits_reserved`.
A debit made under a reservation draws on the held credits it was reserved for.
`credits_debit_many` charges several items at once: one lock and one update of the account, and one
ledger row per item, inserted together (the ledger stays itemised).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists

from backend.accounts.models import Account
from backend.billing.errors import InsufficientCredits
from backend.billing.models import CreditTransaction
from backend.billing.selectors import today
from backend.core import counters

ZERO = Decimal("0")
CHARGED_KEY = f"{counters.PREFIX}credits_charged"  # operation -> credits debited (for /metrics)


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
    debit = Debit(_positive(amount), operation, reference, idempotency_key, description)
    return credits_debit_many(account_id=account_id, debits=[debit], reserved_for_these=reserved_for_this)[0]


@dataclass(frozen=True)
class Debit:
    """One item's charge in `credits_debit_many`."""

    amount: Decimal
    operation: str
    reference: Reference = Reference()
    idempotency_key: str | None = None
    description: str = ""


def credits_debit_many(
    *,
    account_id: int,
    debits: Sequence[Debit],
    reserved_for_these: Decimal = ZERO,
    before: Callable[[Account, Decimal], None] | None = None,
) -> list[CreditTransaction]:
    """Charge several items together, all or nothing: one ledger row per debit (in the order given).

    A debit whose idempotency key was charged before is not charged again: its earlier row is returned
    (`was_created = False`). The others are charged under one lock of the account, drawing first on
    `reserved_for_these` (what the caller holds for them), never taking the available balance below zero
    (InsufficientCredits for their total). `before(account, amount)` runs under the lock before anything is
    written, with the new total: a budget check may raise there. Inside a transaction the debits join it
    (no savepoint: nothing is written before a refusal); otherwise they make a transaction of their own.
    """
    debits = [Debit(_positive(d.amount), d.operation, d.reference, d.idempotency_key, d.description) for d in debits]
    nested = connection.in_atomic_block
    try:
        with nullcontext() if nested else transaction.atomic():
            return _debit_many(account_id, debits, Decimal(reserved_for_these), before)
    except IntegrityError:
        if nested:
            raise  # the enclosing transaction is spoiled: its caller retries the whole of it
        # A concurrent call with the same key (for another account) won the race: each charge exists once.
        with transaction.atomic():
            return _debit_many(account_id, debits, Decimal(reserved_for_these), before)


def _debit_many(
    account_id: int, debits: list[Debit], reserved: Decimal, before: Callable[[Account, Decimal], None] | None
) -> list[CreditTransaction]:
    keys = [d.idempotency_key for d in debits if d.idempotency_key is not None]
    if len(set(keys)) != len(keys):
        raise ValueError("an idempotency key appears twice among the debits of one call")
    # The account is locked and asked whether any key was charged before, in one statement; only then are
    # those rows read. A charge of the same key committed while this one waited for the lock can be missed
    # (the question is answered from the statement's snapshot): its insert then fails on the unique key and
    # the debits are made again (or, inside a caller's transaction, the caller's transaction fails and is
    # retried). Callers that serialise their charges before (a run's lock) never see that.
    accounts = Account.objects.select_for_update()
    if keys:
        accounts = accounts.annotate(charged_before=Exists(CreditTransaction.objects.filter(idempotency_key__in=keys)))
    account = accounts.get(pk=account_id)
    rows: dict[str, CreditTransaction] = {}  # by idempotency key: charged before, or now
    for row in CreditTransaction.objects.filter(idempotency_key__in=keys) if keys and account.charged_before else ():
        row.was_created = False
        rows[row.idempotency_key or ""] = row
    new = [d for d in debits if d.idempotency_key is None or d.idempotency_key not in rows]
    if not new:
        return [rows[d.idempotency_key or ""] for d in debits]
    total = sum((d.amount for d in new), ZERO)
    if before is not None:
        before(account, total)
    hold = min(total, reserved, account.credits_reserved)
    if total - hold > account.credits_available:
        raise InsufficientCredits(needed=total, available=account.credits_available + hold, operation=new[0].operation)
    created = []
    for debit in new:
        taken = min(debit.amount, hold)
        account.credits -= debit.amount
        account.credits_reserved -= taken
        hold -= taken
        row = CreditTransaction(
            account=account,
            kind=CreditTransaction.Kind.DEBIT,
            amount=debit.amount,
            operation=debit.operation,
            description=debit.description,
            idempotency_key=debit.idempotency_key,
            balance_after=account.credits,
            reserved_after=account.credits_reserved,
            **debit.reference.fields(),
        )
        row.was_created = True
        created.append(row)
        if debit.idempotency_key is not None:
            rows[debit.idempotency_key] = row
    fields = ["credits", "credits_reserved", "updated_at"]
    by_runs = sum((d.amount for d in new if d.reference.run_id), ZERO)
    if by_runs:  # what the daily budget counts
        day = today()
        account.spent_today, account.spent_on = account.spent_on_day(day) + by_runs, day
        fields += ["spent_today", "spent_on"]
    account.save(update_fields=fields)
    CreditTransaction.objects.bulk_create(created)
    counters.add_after_commit((CHARGED_KEY, row.operation, float(row.amount)) for row in created)
    unkeyed = iter(row for row, debit in zip(created, new, strict=True) if debit.idempotency_key is None)
    return [rows[d.idempotency_key] if d.idempotency_key is not None else next(unkeyed) for d in debits]


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
