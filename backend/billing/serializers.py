from rest_framework import serializers

from backend.billing.models import CreditTransaction


class CreditTransactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditTransaction
        fields = [
            "id",
            "kind",
            "amount",
            "operation",
            "description",
            "run_id",
            "step_index",
            "object_type",
            "object_id",
            "balance_after",
            "reserved_after",
            "created_at",
        ]
        read_only_fields = fields


class CreditsSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    transactions = CreditTransactionSerializer(many=True)
