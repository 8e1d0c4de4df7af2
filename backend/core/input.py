"""Input that databases cannot store is refused at the door with a 400, never a 500.

PostgreSQL rejects NUL characters in text and jsonb; SQLite rejects integers beyond 64 bits.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_ID = 2**63 - 1


def contains_nul(value: Any) -> bool:
    """True when a NUL character appears in any string (or key) of a JSON value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


class RefuseNulMiddleware:
    """400 for a NUL character in the path or the query string."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.GET.items()):
            return JsonResponse({"detail": "NUL characters are not allowed in URLs."}, status=400)
        return self.get_response(request)


class StrictJSONParser(JSONParser):
    """JSON bodies without NUL characters (they cannot be stored)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if contains_nul(data):
            raise ParseError("NUL characters (\\u0000) are not allowed in JSON bodies.")
        return data


def loads_without_nul(raw: bytes) -> Any:
    """json.loads for bodies read directly (webhooks); ValueError for bad JSON or NUL characters."""
    data = json.loads(raw or b"{}")
    if contains_nul(data):
        raise ValueError("NUL characters (\\u0000) are not allowed")
    return data


def parse_id(value: str) -> int:
    """A database id from a query string, or ValueError."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{value} is not a valid id")
    return number
