from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Site
from backend.core.api import AccountScopedRelatedField, SiteScopedSerializer
from backend.core.outbound import destination_refusal
from backend.integrations.models import Integration
from backend.integrations.services import integration_duplicate_error


class IntegrationSerializer(SiteScopedSerializer):
    """An integration; the application password is write-only and never returned (see `has_password`)."""

    site = AccountScopedRelatedField(queryset=Site.objects.all())
    application_password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=200,
        style={"input_type": "password"},
        help_text="Required on create; omit on update to keep the stored one. Never returned.",
    )
    has_password = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "site",
            "kind",
            "url",
            "username",
            "application_password",
            "has_password",
            "is_active",
            "last_checked_at",
            "last_check_ok",
            "last_check_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "last_checked_at", "last_check_ok", "last_check_error", "created_at", "updated_at"]
        validators: list = []  # one active integration per site: checked in validate() with a message naming it

    def get_has_password(self, obj: Integration) -> bool:
        return bool(obj.application_password)

    def validate_url(self, value: str) -> str:
        refusal = destination_refusal(value.strip())
        if refusal:
            raise serializers.ValidationError(refusal)
        return value.strip().rstrip("/")

    def validate_username(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("application_password"):
            raise serializers.ValidationError({"application_password": ["This field is required."]})
        site = attrs.get("site") or getattr(self.instance, "site", None)
        kind = attrs.get("kind", getattr(self.instance, "kind", Integration.Kind.WORDPRESS))
        active = attrs.get("is_active", getattr(self.instance, "is_active", True))
        if active and site is not None:
            error = integration_duplicate_error(site=site, kind=kind, exclude_pk=getattr(self.instance, "pk", None))
            if error is not None:
                raise serializers.ValidationError(error.message_dict)
        return attrs


class ConnectionCheckSerializer(serializers.Serializer):
    """The outcome of `POST /integrations/{id}/test/`: ok with the user and REST mode, or ok false and why."""

    ok = serializers.BooleanField()
    user = serializers.CharField(allow_null=True, help_text="The WordPress user's display name (when ok).")
    rest_mode = serializers.ChoiceField(
        choices=["pretty", "rest_route"],
        allow_null=True,
        help_text="How the REST API is reached: /wp-json/ (pretty) or ?rest_route= (plain permalinks).",
    )
    error = serializers.CharField(allow_null=True, help_text="What went wrong and what to fix (when not ok).")
