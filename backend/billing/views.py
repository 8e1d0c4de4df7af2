from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.billing.models import CreditTransaction
from backend.billing.serializers import CreditsSerializer


class CreditsView(APIView):
    """The caller's account balance, held credits and its most recent ledger rows (`?limit=`, max 200)."""

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
        }
        return Response(CreditsSerializer(data).data)
