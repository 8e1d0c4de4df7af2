"""Helpers shared by the content actions."""

from __future__ import annotations

from actions.ai.providers import ProviderError
from backend.billing.errors import InsufficientCredits
from rules.core.contract import ActionError


def fail_all_or_raise(items: list, error: ProviderError) -> list[tuple[int, str]]:
    """A provider error for a whole batch: transient ones retry the step, permanent ones fail the items."""
    if not error.permanent:
        raise ActionError(f"AI provider: {error.message}")
    return [(item.pk, f"AI provider: {error.message}") for item in items]


def out_of_credits(exc: InsufficientCredits) -> ActionError:
    """Running out of credits stops the step for good (a hard stop recorded in the run)."""
    return ActionError(f"hard stop: {exc}", permanent=True)
