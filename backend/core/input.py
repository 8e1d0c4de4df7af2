"""Input that databases cannot store is refused at the door with a 400, never a 500.

PostgreSQL rejects NUL characters in text and jsonb; SQLite rejects integers beyond 64 bits; JSON nested
deeper than settings.MAX_JSON_DEPTH is refused before any recursive parsing (RecursionError, slow tracebacks).
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

MAX_ID = 2**63 - 1
# Column limits shared by every database (SQLite would take 64 bits, PostgreSQL refuses beyond these).
MAX_POSITIVE_INT = 2**31 - 1  # PositiveIntegerField
MAX_POSITIVE_SMALLINT = 2**15 - 1  # PositiveSmallIntegerField

# A JSON string, escapes included; an unterminated one runs to the end of the text, so no match attempt
# fails and restarts (linear time). What is left outside strings is kept only if it is a bracket.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # depth after n brackets = sum of steps - n


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when brackets outside strings nest deeper than `limit`: a linear scan, no recursion.

    A stray closer makes the rest undercounted, harmlessly: the parser stops at it."""
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text)).encode("ascii").translate(_STEPS)
    depths = map(operator.sub, itertools.accumulate(brackets), itertools.count(1))
    return max(depths, default=0) > limit


def too_deep_message() -> str:
    """The 400 message for a body nested beyond the limit (names the limit and its setting)."""
    return f"JSON nested deeper than {settings.MAX_JSON_DEPTH} levels is refused (the MAX_JSON_DEPTH limit)."


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
    """JSON bodies nested at most MAX_JSON_DEPTH levels (checked before parsing), without NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)  # bytes.decode takes text codecs only (no bz2_codec bombs)
        except (LookupError, UnicodeError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text ({exc})") from exc
        if json_depth_exceeds(text, settings.MAX_JSON_DEPTH):
            raise ParseError(too_deep_message())
        try:
            data = drf_json.loads(text, parse_constant=drf_json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if contains_nul(data):
            raise ParseError("NUL characters (\\u0000) are not allowed in JSON bodies.")
        return data


def loads_without_nul(raw: bytes) -> Any:
    """json.loads for bodies read directly (webhooks); ValueError for bad JSON, too deep, or NUL characters."""
    raw = raw or b"{}"
    text = raw.decode(json.detect_encoding(raw))  # what json.loads does with bytes; UnicodeError is a ValueError
    if json_depth_exceeds(text, settings.MAX_JSON_DEPTH):
        raise ValueError(too_deep_message())
    data = json.loads(text)
    if contains_nul(data):
        raise ValueError("NUL characters (\\u0000) are not allowed")
    return data


def parse_id(value: str) -> int:
    """A database id from a query string, or ValueError."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{value} is not a valid id")
    return number
