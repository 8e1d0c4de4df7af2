"""Integrations: CRUD (the password is write-only) and a connection test."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.integrations.models import Integration
from backend.integrations.serializers import ConnectionCheckSerializer, IntegrationSerializer
from backend.integrations.services import integration_check, integration_create, integration_update

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
        """Log in to the site with the stored credentials; 200 with ok false (and why) when that fails."""
        check = integration_check(integration=self.get_object(), timeout=CHECK_TIMEOUT_SECONDS)
        return Response(ConnectionCheckSerializer(check).data)
