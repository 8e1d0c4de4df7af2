"""JSON bodies nested deeper than MAX_JSON_DEPTH are refused by a linear scan before any recursive parsing."""

from __future__ import annotations

import io
import json
import time

import pytest
from rest_framework.exceptions import ParseError

from backend.core.input import StrictJSONParser, json_depth_exceeds, loads_without_nul


def _nested(levels: int) -> str:
    return (
        '{"a":' * (levels // 2)
        + "[" * (levels - levels // 2)
        + "1"
        + "]" * (levels - levels // 2)
        + "}" * (levels // 2)
    )


@pytest.mark.parametrize(
    ("text", "limit", "too_deep"),
    [
        ("", 2, False),
        ("1", 0, False),
        ("[]", 1, False),
        ("[]", 0, True),
        ("[[]]", 1, True),
        ("[[],[]]", 2, False),
        ("[[],[[]]]", 2, True),
        ('{"a": {"b": []}}', 3, False),
        ('{"a": {"b": []}}', 2, True),
        ('["[[[[[["]', 1, False),  # brackets inside a string do not count
        ('["\\"[[[["]', 1, False),  # nor after an escaped quote inside it
        ('["\\\\", [[]]]', 2, True),  # an escaped backslash ends before the closing quote
        ('["\\\\", [[]]]', 3, False),
        ('"unterminated [[[[[[', 1, False),
        ("]]]][[[[", 2, False),  # a stray closer: the parser stops there
    ],
)
def test_it_measures_nesting_outside_strings(text, limit, too_deep):
    assert json_depth_exceeds(text, limit) is too_deep


def test_it_agrees_with_the_real_nesting_of_generated_bodies():
    for levels in (1, 5, 63, 64, 65, 500):
        text = _nested(levels)
        json.loads(text)  # valid JSON of exactly `levels` levels
        assert json_depth_exceeds(text, 64) is (levels > 64)


@pytest.mark.parametrize(
    "text",
    [
        '"' + '\\"' * 300_000,  # one unterminated string of escaped quotes
        '"' * 600_000,
        "[]" * 300_000,
        "[" * 600_000,
        json.dumps([{"text": "k" * 50, "volume": 1}] * 10_000),
    ],
    ids=["escaped-quotes", "quotes", "pairs", "openers", "big-valid"],
)
def test_it_scans_large_bodies_in_linear_time(text):
    started = time.perf_counter()
    json_depth_exceeds(text, 64)
    assert time.perf_counter() - started < 2  # a quadratic scan of 600 kB would take minutes


def _parse(raw: bytes, encoding: str = "utf-8"):
    return StrictJSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": encoding})


def test_it_refuses_a_too_deep_body_in_the_parser_naming_the_limit(settings):
    with pytest.raises(ParseError, match="nested deeper than 64 levels") as refused:
        _parse(_nested(500).encode())
    assert "MAX_JSON_DEPTH" in str(refused.value.detail)
    settings.MAX_JSON_DEPTH = 8
    with pytest.raises(ParseError, match="deeper than 8 levels"):
        _parse(_nested(9).encode())
    assert _parse(_nested(8).encode())


def test_it_still_parses_and_refuses_nul_characters_and_bad_json():
    assert _parse('{"a": ["é", 1.5, null]}'.encode()) == {"a": ["é", 1.5, None]}
    assert _parse('{"a": 1}'.encode("utf-16"), "utf-16") == {"a": 1}
    with pytest.raises(ParseError, match="NUL"):
        _parse(b'{"a": "x\\u0000"}')
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse(b'{"a": ')
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse(b'{"a": "\xff"}')  # not UTF-8
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse(b'{"a": NaN}')  # not JSON


def test_it_refuses_a_too_deep_webhook_body_before_parsing():
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        loads_without_nul(_nested(500).encode())
    with pytest.raises(ValueError, match="NUL"):
        loads_without_nul(b'{"a": "\\u0000"}')
    assert loads_without_nul(b"") == {}
    assert loads_without_nul(_nested(64).encode())
