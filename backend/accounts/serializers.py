from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Account, Sector, Site
from backend.core.api import AccountScopedRelatedField, StrictSerializerMixin


class SiteSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "domain", "timezone", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_domain(self, value: str) -> str:
        value = value.strip().lower()
        request = self.context["request"]
        clash = Site.objects.filter(account_id=request.user.account_id, domain=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"A site with domain '{value}' already exists in this account.")
        return value


class SectorSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())

    class Meta:
        model = Sector
        fields = ["id", "site", "name", "created_at"]
        read_only_fields = ["id", "created_at"]


class AccountSerializer(serializers.ModelSerializer):
    credits_available = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Account
        fields = ["id", "name", "slug", "credits", "credits_reserved", "credits_available", "daily_credit_budget"]
        read_only_fields = fields


class TokenRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    account = AccountSerializer()
    sites = SiteSerializer(many=True)
