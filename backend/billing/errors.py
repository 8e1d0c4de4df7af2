from __future__ import annotations

from decimal import Decimal


class InsufficientCredits(Exception):
    """A debit or reservation larger than the account's available credits."""

    def __init__(self, *, needed: Decimal, available: Decimal, operation: str = "") -> None:
        self.needed, self.available, self.operation = Decimal(needed), Decimal(available), operation
        super().__init__(f"Insufficient credits{f' for {operation}' if operation else ''}: "
                         f"needed {self.needed}, available {self.available}.")

    def to_dict(self) -> dict:
        return {"detail": str(self), "code": "insufficient_credits",
                "needed": str(self.needed), "available": str(self.available)}
