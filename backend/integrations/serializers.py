from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from backend.accounts.models import Site
from backend.core.api import AccountScopedRelatedField, SiteScopedSerializer, StrictSerializerMixin
from backend.core.outbound import destination_refusal
from backend.integrations.connection import REASONS
from backend.integrations.models import Integration, validate_site_url
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
    """The outcome of a connection test: ok with what was found, or ok false with a reason code and why."""

    ok = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=list(REASONS),
        allow_null=True,
        help_text="Why it failed (when not ok): unreachable, refused (the outbound guard: a private address), "
        "not_wordpress, bad_credentials, failed.",
    )
    user = serializers.CharField(allow_null=True, help_text="The WordPress user's display name (when ok).")
    rest_mode = serializers.ChoiceField(
        choices=["pretty", "rest_route"],
        allow_null=True,
        help_text="How the REST API is reached: /wp-json/ (pretty) or ?rest_route= (plain permalinks).",
    )
    wordpress_version = serializers.CharField(
        allow_null=True, help_text="The WordPress version the site shows (its feed's generator); null when hidden."
    )
    site_name = serializers.CharField(allow_null=True, help_text="The site's title from its REST index.")
    error = serializers.CharField(allow_null=True, help_text="What went wrong and what to fix (when not ok).")


class ConnectionTestSerializer(StrictSerializerMixin, serializers.Serializer):
    """Values to test before they are saved; with `integration`, an omitted password is that integration's."""

    url = serializers.CharField(max_length=500, help_text="The site's address, e.g. https://blog.example.com.")
    username = serializers.CharField(max_length=150)
    application_password = serializers.CharField(
        required=False, allow_blank=True, max_length=200, style={"input_type": "password"}, trim_whitespace=False
    )
    integration = AccountScopedRelatedField(
        queryset=Integration.objects.all(),
        required=False,
        allow_null=True,
        help_text="A saved integration whose stored password is used when application_password is blank.",
    )

    def validate_url(self, value: str) -> str:
        value = value.strip().rstrip("/")
        try:
            validate_site_url(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("application_password") and attrs.get("integration") is None:
            raise serializers.ValidationError({"application_password": ["This field is required."]})
        return attrs
