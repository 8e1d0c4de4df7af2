"""Helpers shared by the content actions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from actions.ai.providers import ProviderError
from backend.billing.services import Debit, Reference, credits_debit_many
from rules.core.contract import ActionError, Charge

logger = logging.getLogger(__name__)


def fail_all_or_raise(items: list, error: ProviderError) -> list[tuple[int, str]]:
    """A provider error for a whole batch: transient ones retry the step, permanent ones fail the items."""
    if not error.permanent:
        raise ActionError(f"AI provider: {error.message}")
    return [(item.pk, f"AI provider: {error.message}") for item in items]


def answered(items: list, answers: list) -> tuple[list[tuple[Any, Any]], list[tuple[int, str]], ActionError | None]:
    """Each item with its provider answer; the failures of the items whose call was refused for good; and, when a
    call was refused for now, the error that retries the step once the others are saved (those items wait)."""
    done, failed, retry = [], [], None
    for item, answer in zip(items, answers, strict=True):
        if not isinstance(answer, ProviderError):
            done.append((item, answer))
        elif answer.permanent:
            failed.append((item.pk, f"AI provider: {answer.message}"))
        elif retry is None:
            retry = ActionError(f"AI provider: {answer.message}")
    return done, failed, retry


class DirectContext:
    """What an action's batch sees when a person asks for one item's work outside any run (regenerate this image):
    the account's provider calls are recorded and its credits charged as in a run, with no run and no step. A
    charge is made once per `key` and item, so a redelivered task does not charge twice."""

    run_id = ""
    step_index = None
    previous_owner = ""

    def __init__(self, *, account_id: int, site_id: int | None, key: str) -> None:
        self.account_id, self.site_id, self.key = account_id, site_id, key
        self.claim_owner = key

    def log(self, message: str, *, level: str = "info") -> None:
        logger.log(logging.WARNING if level in ("warning", "error") else logging.INFO, "%s: %s", self.key, message)

    def charge_many(self, charges: Sequence[Charge]) -> Decimal:
        debits = [
            Debit(
                Decimal(str(c.amount)),
                c.operation,
                Reference(object_type=c.object_type, object_id=c.object_id),
                c.idempotency_key or f"{self.key}:{c.operation}:{c.object_type}:{c.object_id}",
            )
            for c in charges
            if Decimal(str(c.amount)) > 0
        ]
        if not debits:
            return Decimal("0")
        rows = credits_debit_many(account_id=self.account_id, debits=debits)
        return sum((row.amount for row in rows if row.was_created), Decimal("0"))
