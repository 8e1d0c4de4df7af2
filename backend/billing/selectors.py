"""Reading the credits ledger: filtered rows, spend per day and per operation, the day's spend.

Days are UTC days (the daily budget's too). "Spend" is what debit rows charged; reservations and
releases only hold credits and are not spend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from backend.accounts.models import Account
from backend.billing.models import CreditTransaction

ZERO = Decimal("0.00")
UTC = dt.UTC


def ledger(account_id: int, filters: Mapping) -> QuerySet[CreditTransaction]:
    """The account's ledger rows matching `filters` (validated: operation, kind, run_id, since, until), newest first."""
    rows = CreditTransaction.objects.filter(account_id=account_id)
    for field in ("operation", "kind", "run_id"):
        if filters.get(field):
            rows = rows.filter(**{field: filters[field]})
    if filters.get("since") is not None:
        rows = rows.filter(created_at__gte=filters["since"])
    if filters.get("until") is not None:
        rows = rows.filter(created_at__lt=filters["until"])
    return rows.order_by("-id")


def operations(account_id: int) -> list[str]:
    """Every operation name the account's ledger holds, sorted."""
    return list(
        CreditTransaction.objects.filter(account_id=account_id)
        .order_by("operation")
        .values_list("operation", flat=True)
        .distinct()
    )


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


def today() -> dt.date:
    return timezone.now().astimezone(UTC).date()


def _debits(account_id: int) -> QuerySet[CreditTransaction]:
    return CreditTransaction.objects.filter(account_id=account_id, kind=CreditTransaction.Kind.DEBIT)


def spent_today(account_id: int) -> Decimal:
    """What the daily budget counts today: automation charges (debits of a run) since 00:00 UTC, as the account
    counts them with every charge (what the engine checks before each one: `rules.context.check_daily_budget`)."""
    account = Account.objects.only("spent_today", "spent_on").get(pk=account_id)
    return _money(account.spent_on_day(today()))


def usage(account_id: int, days: int, stage_names: Mapping[str, tuple[int, str]]) -> dict:
    """Spend of the last `days` UTC days (today included): per day (every day, zeros too), per pipeline stage
    (`stage_names`: operation → (stage number, stage name), every stage listed) then every other operation
    that spent, and the total. Two aggregate queries, whatever the ledger's size."""
    last = today()
    first = last - dt.timedelta(days=days - 1)
    spent = _debits(account_id).filter(created_at__gte=day_start(first)).order_by()
    by_day = {
        _as_date(row["day"]): row["credits"]
        for row in spent.annotate(day=TruncDate("created_at", tzinfo=UTC)).values("day").annotate(credits=Sum("amount"))
    }
    by_operation = {
        row["operation"]: row["credits"] for row in spent.values("operation").annotate(credits=Sum("amount"))
    }
    per_day = [
        {"date": day, "credits": _money(by_day.get(day))} for day in (first + dt.timedelta(days=n) for n in range(days))
    ]
    stages = sorted(stage_names.items(), key=lambda item: item[1][0])
    by_stage = [
        {"stage": number, "name": name, "operation": operation, "credits": _money(by_operation.get(operation))}
        for operation, (number, name) in stages
    ]
    others = sorted(
        ((op, credits) for op, credits in by_operation.items() if op not in stage_names),
        key=lambda item: (-item[1], item[0]),
    )
    by_stage += [{"stage": None, "name": op, "operation": op, "credits": _money(credits)} for op, credits in others]
    return {
        "days": days,
        "timezone": "UTC",
        "since": first,
        "until": last,
        "total": _money(sum(by_operation.values(), ZERO)),
        "per_day": per_day,
        "by_stage": by_stage,
    }


def _as_date(value) -> dt.date:
    # SQLite answers TruncDate with a string, PostgreSQL with a date.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


CSV_COLUMNS = (
    "created_at",
    "kind",
    "operation",
    "amount",
    "balance_after",
    "reserved_after",
    "run_id",
    "step_index",
    "object_type",
    "object_id",
    "description",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    # A spreadsheet would run a text cell that starts like a formula: make it plain text.
    return "'" + text if text.startswith(FORMULA_START) and not isinstance(value, Decimal | int) else text


def csv_rows(rows: QuerySet[CreditTransaction], limit: int) -> Iterator[list[str]]:
    """The header, then at most `limit` rows as text cells, read in chunks (never all in memory)."""
    yield list(CSV_COLUMNS)
    for row in rows.values_list(*CSV_COLUMNS)[:limit].iterator(chunk_size=2000):
        yield [_cell(value) for value in row]


def has_more_than(rows: QuerySet[CreditTransaction], limit: int) -> bool:
    return rows[limit : limit + 1].exists()
