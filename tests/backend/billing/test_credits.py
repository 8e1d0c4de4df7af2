from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from backend.accounts.models import Account
from backend.billing.errors import BudgetExceeded, InsufficientCredits
from backend.billing.models import CreditTransaction
from backend.billing.services import (
    Debit,
    Reference,
    credits_add,
    credits_debit,
    credits_debit_many,
    credits_release,
    credits_reserve,
)


def _account(persona) -> Account:
    return Account.objects.get(pk=persona.account.pk)


def test_it_records_every_balance_change_in_the_ledger(alice):
    credits_debit(
        account_id=alice.account.pk,
        amount="2.5",
        operation="generate_content",
        reference=Reference(run_id="run_x", step_index=3, object_type="content", object_id=7),
    )
    row = CreditTransaction.objects.filter(kind="debit").get()
    assert (row.amount, row.balance_after, row.run_id, row.step_index, row.object_id) == (
        Decimal("2.5"),
        Decimal("997.5"),
        "run_x",
        3,
        7,
    )
    assert _account(alice).credits == Decimal("997.5")


def test_it_never_debits_below_zero_and_says_how_much(charlie):
    with pytest.raises(InsufficientCredits) as excinfo:
        credits_debit(account_id=charlie.account.pk, amount=60, operation="generate_images")
    assert (excinfo.value.needed, excinfo.value.available) == (Decimal("60"), Decimal("50"))
    assert "needed 60" in str(excinfo.value) and "available 50" in str(excinfo.value)
    assert _account(charlie).credits == Decimal("50")
    assert not CreditTransaction.objects.filter(account=charlie.account, kind="debit").exists()


def test_it_charges_once_per_idempotency_key(alice):
    for _ in range(3):
        credits_debit(account_id=alice.account.pk, amount=1, operation="x", idempotency_key="run_1:step_2:item_3")
    assert CreditTransaction.objects.filter(kind="debit").count() == 1
    assert _account(alice).credits == Decimal("999")


def test_it_holds_credits_for_a_reservation_and_draws_on_them(alice):
    credits_reserve(account_id=alice.account.pk, amount=900, operation="run")
    with pytest.raises(InsufficientCredits):
        credits_debit(account_id=alice.account.pk, amount=200, operation="outside the run")
    credits_debit(account_id=alice.account.pk, amount=200, operation="in the run", reserved_for_this=Decimal(900))
    account = _account(alice)
    assert (account.credits, account.credits_reserved) == (Decimal("800"), Decimal("700"))
    credits_release(account_id=alice.account.pk, amount=700, operation="settle")
    assert _account(alice).credits_available == Decimal("800")


def test_it_refuses_a_reservation_larger_than_the_available_credits(charlie):
    with pytest.raises(InsufficientCredits):
        credits_reserve(account_id=charlie.account.pk, amount=51, operation="run")


def test_it_shows_balance_and_recent_transactions(alice, api):
    credits_add(account_id=alice.account.pk, amount=5, operation="grant")
    body = api.get("/api/v1/credits/").json()
    assert body["balance"] == "1005.00" and body["available"] == "1005.00"
    assert [t["operation"] for t in body["transactions"]] == ["grant", "initial_grant"]


@pytest.mark.django_db(transaction=True)
def test_it_never_goes_below_zero_under_50_concurrent_debits(charlie):
    if connection.vendor == "sqlite":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    errors: list[Exception] = []

    def debit():
        try:
            credits_debit(account_id=charlie.account.pk, amount=3, operation="burst")
        except InsufficientCredits as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=debit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    account = _account(charlie)
    debits = CreditTransaction.objects.filter(account=account, kind="debit")
    assert account.credits == Decimal("2")  # 16 debits of 3 from 50
    assert debits.count() == 16 and len(errors) == 34
    assert sum(d.amount for d in debits) == Decimal("50") - account.credits


def _debits(*amounts, keys=None) -> list[Debit]:
    keys = keys or [None] * len(amounts)
    return [
        Debit(Decimal(str(amount)), "generate_images", Reference("run_b", 5, "image", n), key)
        for n, (amount, key) in enumerate(zip(amounts, keys, strict=True), start=1)
    ]


def test_it_charges_a_batch_with_one_ledger_row_per_item_in_order(alice):
    rows = credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 2, "0.5"))
    assert [(r.amount, r.balance_after, r.object_id) for r in rows] == [
        (Decimal("1"), Decimal("999"), 1),
        (Decimal("2"), Decimal("997"), 2),
        (Decimal("0.5"), Decimal("996.5"), 3),
    ]
    assert CreditTransaction.objects.filter(kind="debit").count() == 3
    assert _account(alice).credits == Decimal("996.5")


def test_it_charges_a_batch_all_or_nothing(charlie):
    with pytest.raises(InsufficientCredits) as excinfo:
        credits_debit_many(account_id=charlie.account.pk, debits=_debits(20, 20, 20))
    assert (excinfo.value.needed, excinfo.value.available) == (Decimal("60"), Decimal("50"))
    assert _account(charlie).credits == Decimal("50")
    assert not CreditTransaction.objects.filter(account=charlie.account, kind="debit").exists()


def test_it_charges_only_the_items_of_a_batch_not_charged_before(alice):
    first = credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 2, keys=["k1", "k2"]))
    again = credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 2, 3, keys=["k1", "k2", "k3"]))
    assert [r.was_created for r in first] == [True, True]
    assert [r.was_created for r in again] == [False, False, True]
    assert [r.pk for r in again[:2]] == [r.pk for r in first]
    assert _account(alice).credits == Decimal("994")
    with pytest.raises(ValueError, match="appears twice"):
        credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 1, keys=["k4", "k4"]))


def test_it_leaves_nothing_of_a_batch_whose_transaction_rolls_back(alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 2))
        raise RuntimeError("the batch's save failed")
    assert _account(alice).credits == Decimal("1000")
    assert not CreditTransaction.objects.filter(kind="debit").exists()


def test_it_checks_a_budget_for_the_batchs_total_before_writing(alice):
    seen = []

    def budget(account, amount):
        seen.append(amount)
        raise BudgetExceeded(budget="daily", limit=Decimal("2"), used=Decimal("0"), needed=amount, operation="x")

    with pytest.raises(BudgetExceeded):
        credits_debit_many(account_id=alice.account.pk, debits=_debits(1, 2), before=budget)
    assert seen == [Decimal("3")]
    assert not CreditTransaction.objects.filter(kind="debit").exists()


def test_the_account_counts_what_automation_charged_today_as_the_ledger_holds_it(alice):
    """The daily budget reads a counter the debits keep under the account's lock, not a sum over the day's ledger:
    the counter is that sum (debits of a run; charged again by key, refunds and other debits not counted)."""
    from backend.billing.selectors import spent_today, today

    run = Reference(run_id="run_1")
    credits_debit_many(account_id=alice.account.pk, debits=[Debit(Decimal("2.5"), "x", run, "k1")])
    credits_debit_many(account_id=alice.account.pk, debits=[Debit(Decimal(n), "x", run, f"n{n}") for n in (1, 3)])
    credits_debit_many(account_id=alice.account.pk, debits=[Debit(Decimal("2.5"), "x", run, "k1")])  # charged before
    credits_debit(account_id=alice.account.pk, amount=7, operation="not a run")
    credits_add(account_id=alice.account.pk, amount=4, operation="refund", reference=run)

    ledger = CreditTransaction.objects.filter(kind="debit").exclude(run_id="")
    assert spent_today(alice.account.pk) == sum(row.amount for row in ledger) == Decimal("6.5")
    assert _account(alice).spent_on == today()

    Account.objects.filter(pk=alice.account.pk).update(spent_on=today() - timedelta(days=1))  # a day went by
    assert spent_today(alice.account.pk) == Decimal("0")
    credits_debit_many(account_id=alice.account.pk, debits=[Debit(Decimal("1"), "x", run, "k9")])
    assert spent_today(alice.account.pk) == Decimal("1")
