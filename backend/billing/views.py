"""The credits API under /api/v1/credits/: balance, ledger (+ CSV), usage and the daily budget."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Account
from backend.billing import selectors
from backend.billing.models import CreditTransaction
from backend.billing.serializers import (
    BudgetSerializer,
    CreditsSerializer,
    CreditTransactionSerializer,
    LedgerQuerySerializer,
    OperationsSerializer,
    UsageQuerySerializer,
    UsageSerializer,
)
from backend.core.pagination import Pagination

# The CSV export stops after this many rows (newest first); `X-Ledger-Truncated: true` says it did.
EXPORT_MAX_ROWS = 100_000


class CreditsView(APIView):
    """The caller's account balance, held credits and its most recent ledger rows (`?limit=`, max 200),
    with the daily budget and what automation spent today (UTC)."""

    @extend_schema(
        responses=CreditsSerializer,
        parameters=[OpenApiParameter("limit", int, description="Rows to return (default 50).")],
    )
    def get(self, request):
        account = request.user.account
        try:
            limit = max(1, min(int(request.query_params.get("limit", 50)), 200))
        except ValueError:
            limit = 50
        rows = CreditTransaction.objects.filter(account=account)[:limit]
        data = {
            "balance": account.credits,
            "reserved": account.credits_reserved,
            "available": account.credits_available,
            "transactions": rows,
            "daily_credit_budget": account.daily_credit_budget,
            "spent_today": selectors.spent_today(account.pk),
        }
        return Response(CreditsSerializer(data).data)


def _budget(account_id: int, budget: Decimal | None) -> dict:
    spent = selectors.spent_today(account_id)
    return {
        "daily_credit_budget": budget,
        "spent_today": spent,
        "remaining_today": None if budget is None else max(Decimal("0"), budget - spent),
    }


class BudgetView(APIView):
    """The account's daily credit budget: what automation may charge per UTC day (null: no limit).

    The engine checks it before every charge of a run; a run that would pass it stops with a budget error."""

    @extend_schema(responses=BudgetSerializer)
    def get(self, request):
        account = request.user.account
        return Response(BudgetSerializer(_budget(account.pk, account.daily_credit_budget)).data)

    @extend_schema(request=BudgetSerializer, responses=BudgetSerializer)
    def patch(self, request):
        body = BudgetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        budget = body.validated_data["daily_credit_budget"]
        # Only this column: the balance columns change under their own lock, never from a stale copy.
        Account.objects.filter(pk=request.user.account_id).update(daily_credit_budget=budget)
        return Response(BudgetSerializer(_budget(request.user.account_id, budget)).data)


class LedgerView(generics.ListAPIView):
    """The account's ledger, newest first, filtered (`operation`, `kind`, `run_id`, `since`, `until`) and paged
    (`page`, `page_size` up to 500)."""

    serializer_class = CreditTransactionSerializer
    pagination_class = Pagination
    filter_backends = ()

    def get_queryset(self):
        query = LedgerQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.ledger(self.request.user.account_id, query.validated_data)

    @extend_schema(parameters=[LedgerQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _Echo:
    """A file-like object whose write answers the text written (csv.writer → streamed chunks)."""

    def write(self, value: str) -> str:
        return value


def _stream(rows: Iterable[list[str]]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


class LedgerExportView(APIView):
    """The filtered ledger as CSV (newest first, at most 100,000 rows; `X-Ledger-Truncated: true` when cut)."""

    @extend_schema(
        parameters=[LedgerQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The ledger rows as CSV.")},
    )
    def get(self, request):
        query = LedgerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.ledger(request.user.account_id, query.validated_data)
        response = StreamingHttpResponse(
            _stream(selectors.csv_rows(rows, EXPORT_MAX_ROWS)), content_type="text/csv; charset=utf-8"
        )
        day = selectors.today().isoformat()
        response["Content-Disposition"] = f'attachment; filename="credits-ledger-{day}.csv"'
        response["X-Ledger-Truncated"] = "true" if selectors.has_more_than(rows, EXPORT_MAX_ROWS) else "false"
        response["Cache-Control"] = "no-store"
        return response


class UsageView(APIView):
    """Spend (debits) of the last `days` UTC days: per day with zeros, per pipeline stage, and the total."""

    # operation → (stage number, stage name); the URLconf passes the pipeline's seven stages.
    stage_names: Mapping[str, tuple[int, str]] = {}

    @extend_schema(parameters=[UsageQuerySerializer], responses=UsageSerializer)
    def get(self, request):
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.usage(request.user.account_id, query.validated_data["days"], self.stage_names)
        return Response(UsageSerializer(data).data)


class OperationsView(APIView):
    """The operation names in the account's ledger (for the ledger's filter)."""

    @extend_schema(responses=OperationsSerializer)
    def get(self, request):
        return Response(OperationsSerializer({"operations": selectors.operations(request.user.account_id)}).data)
