"""Helpers shared by the content actions."""

from __future__ import annotations

from typing import Any

from actions.ai.providers import ProviderError
from backend.billing.errors import InsufficientCredits
from rules.core.contract import ActionError


def fail_all_or_raise(items: list, error: ProviderError) -> list[tuple[int, str]]:
    """A provider error for a whole batch: transient ones retry the step, permanent ones fail the items."""
    if not error.permanent:
        raise ActionError(f"AI provider: {error.message}")
    return [(item.pk, f"AI provider: {error.message}") for item in items]


def answered(items: list, answers: list) -> tuple[list[tuple[Any, Any]], list[tuple[int, str]]]:
    """Each item with its provider answer, and the failures of the items whose call was refused
    (`fail_all_or_raise`: a transient refusal retries the step)."""
    done, failed = [], []
    for item, answer in zip(items, answers, strict=True):
        if isinstance(answer, ProviderError):
            failed += fail_all_or_raise([item], answer)
        else:
            done.append((item, answer))
    return done, failed


def out_of_credits(exc: InsufficientCredits) -> ActionError:
    """Running out of credits stops the step for good (a hard stop recorded in the run)."""
    return ActionError(f"hard stop: {exc}", permanent=True)
