"""API errors: Django ValidationError and domain errors become 4xx with a field-shaped body."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Refusal(Exception):
    """A domain refusal the API answers with its own status and body (credits: 402)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def to_dict(self) -> dict:
        return {"detail": str(self)}


def exception_handler(exc, context):
    """Map domain exceptions to API responses; defer the rest to DRF."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Refusal):
        return Response(exc.to_dict(), status=exc.status_code)
    return drf_exception_handler(exc, context)
