from __future__ import annotations

from decimal import Decimal

from backend.core.exceptions import Refusal


class InsufficientCredits(Refusal):
    """A debit or reservation larger than the account's available credits (the API answers 402)."""

    status_code = 402

    def __init__(self, *, needed: Decimal, available: Decimal, operation: str = "") -> None:
        self.needed, self.available, self.operation = Decimal(needed), Decimal(available), operation
        super().__init__(
            f"Insufficient credits{f' for {operation}' if operation else ''}: "
            f"needed {self.needed}, available {self.available}."
        )

    def to_dict(self) -> dict:
        return {
            "detail": str(self),
            "code": "insufficient_credits",
            "needed": str(self.needed),
            "available": str(self.available),
        }


class BudgetExceeded(InsufficientCredits):
    """A charge that would pass a budget (per rule per run, or per account per day)."""

    def __init__(self, *, budget: str, limit: Decimal, used: Decimal, needed: Decimal, operation: str = "") -> None:
        super().__init__(
            needed=needed, available=max(Decimal("0"), Decimal(limit) - Decimal(used)), operation=operation
        )
        self.budget, self.limit, self.used = budget, Decimal(limit), Decimal(used)
        Exception.__init__(self, f"{budget} of {self.limit} credits reached: used {self.used}, needed {self.needed}.")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "code": "budget_exceeded", "budget": self.budget, "limit": str(self.limit)}
