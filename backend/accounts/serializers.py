from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Account, ApiToken, Sector, Site
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


MAX_TOKEN_DAYS = 3650


def _expires_in_days() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        allow_null=True,
        help_text="Days until the token stops working (1 to 3650); omitted or null: it never expires.",
    )


class LoginSerializer(StrictSerializerMixin, serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenRequestSerializer(LoginSerializer):
    expires_in_days = _expires_in_days()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="True for the token that authenticates this request.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, obj: ApiToken) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == obj.pk


class ApiTokenCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for, to tell tokens apart.")
    expires_in_days = _expires_in_days()


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(help_text="The token (`Authorization: Token <key>`): shown this once, stored hashed.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    account = AccountSerializer()
    sites = SiteSerializer(many=True)
