"""Integrations: CRUD (the password is write-only) and connection tests (saved, or values before saving)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.integrations.connection import FAILED, ConnectionReport, connection_test, integration_test
from backend.integrations.models import Integration
from backend.integrations.serializers import (
    ConnectionCheckSerializer,
    ConnectionTestSerializer,
    IntegrationSerializer,
)
from backend.integrations.services import integration_create, integration_update

CHECK_TIMEOUT_SECONDS = 10  # the caller waits for the answer


class IntegrationViewSet(AccountScopedViewSet):
    queryset = Integration.objects.select_related("site")
    serializer_class = IntegrationSerializer
    filter_params = ("site", "kind", "is_active")
    search_fields = ["url", "username"]
    ordering_fields = ["id", "created_at"]

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        serializer.instance = integration_create(site=fields.pop("site"), **fields)

    def perform_update(self, serializer):
        serializer.instance = integration_update(integration=serializer.instance, **serializer.validated_data)

    @extend_schema(request=None, responses=ConnectionCheckSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Log in to the site with the stored credentials and remember the outcome; 200 with ok false, a `reason`
        and why when that fails (unreachable, refused by the outbound guard, not WordPress, bad credentials)."""
        report = integration_test(integration=self.get_object(), timeout=CHECK_TIMEOUT_SECONDS)
        return Response(ConnectionCheckSerializer(report).data)

    @extend_schema(
        request=ConnectionTestSerializer,
        responses=ConnectionCheckSerializer,
        operation_id="v1_integrations_test_unsaved",
    )
    @action(detail=False, methods=["post"], url_path="test")
    def test_unsaved(self, request):
        """Test a URL, user and application password before saving them (nothing is stored); with `integration`
        and no password, that integration's stored password is used."""
        body = ConnectionTestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        values = body.validated_data
        try:
            password = values.get("application_password") or values["integration"].application_password
        except ValueError as exc:  # the stored one was encrypted with another FIELD_ENCRYPTION_KEY
            report = ConnectionReport(ok=False, reason=FAILED, error=f"{exc}; enter the application password again")
            return Response(ConnectionCheckSerializer(report).data)
        report = connection_test(
            url=values["url"], username=values["username"], application_password=password, timeout=CHECK_TIMEOUT_SECONDS
        )
        return Response(ConnectionCheckSerializer(report).data)
