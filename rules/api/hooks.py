"""Inbound webhooks: a signed POST to a rule's hook URL runs it (each signed request is accepted once)."""

from __future__ import annotations

import hmac
import time

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.input import loads_without_nul
from backend.core.outbound import sign_payload
from backend.core.throttles import WebhookThrottle
from rules.api.runs import RunStarted, run_response
from rules.lifecycle import rule_execute
from rules.models import AutomationRule
from rules.validation import RuleValidationError, check_event_payload

WEBHOOK_TOLERANCE_SECONDS = 300


class HookView(APIView):
    """Trigger a webhook rule: POST JSON with `X-Igny8-Timestamp` and
    `X-Igny8-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the rule's secret>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [WebhookThrottle]

    @extend_schema(
        request=inline_serializer("HookPayload", {}), responses={202: RunStarted, 401: None, 409: None, 429: None}
    )
    def post(self, request, token: str):
        rule = get_object_or_404(AutomationRule, webhook_token=token, is_active=True, trigger_type="webhook")
        body = request.body
        timestamp = request.headers.get("X-Igny8-Timestamp", "")
        signature = request.headers.get("X-Igny8-Signature", "")
        problem = verify_signature(rule.webhook_secret, body, timestamp, signature)
        if problem:
            return Response({"detail": problem}, status=status.HTTP_401_UNAUTHORIZED)
        try:
            payload = loads_without_nul(body)
        except ValueError as exc:
            return Response({"body": [f"invalid JSON body: {exc}"]}, status=status.HTTP_400_BAD_REQUEST)
        if not isinstance(payload, dict):
            return Response({"body": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            check_event_payload(payload, "body")
        except RuleValidationError as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        seen = _claim_signature(token, timestamp, signature)
        if seen is None:
            return Response(
                {
                    "detail": "this signed request was already accepted: a replay is refused "
                    "(sign each request with its own timestamp)",
                    "code": "replayed",
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            run = rule_execute(rule=rule, payload=payload, trigger_type="webhook")
        except Exception:
            cache.delete(seen)  # not accepted after all: the sender may retry the same signed request
            raise
        return run_response(run)


def _claim_signature(token: str, timestamp: str, signature: str) -> str | None:
    """Remember a verified signature while its timestamp is in the window: its cache key, or None if seen."""
    key = "webhook-seen:" + hmac.new(token.encode(), signature.encode(), "sha256").hexdigest()
    # Timestamps up to the tolerance ahead are accepted too, so a signature stays valid until ts + tolerance.
    remaining = int(timestamp) + WEBHOOK_TOLERANCE_SECONDS - int(time.time()) + 1
    return key if cache.add(key, 1, timeout=max(remaining, 1)) else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a caller sends: sha256=HMAC(secret, "<timestamp>." + body)."""
    return sign_payload(secret, timestamp, body)  # the same signature as the server's outbound calls


TIMESTAMP_MAX_DIGITS = 12


def verify_signature(secret: str, body: bytes, timestamp: str, signature: str) -> str:
    """'' when valid; otherwise why not. Constant-time comparison; stale timestamps refused (replays)."""
    if not timestamp or not signature:
        return "missing X-Igny8-Timestamp or X-Igny8-Signature header"
    # Checked before any arithmetic: a 400-digit number overflows the float subtraction.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_MAX_DIGITS):
        return f"X-Igny8-Timestamp must be Unix seconds: 1 to {TIMESTAMP_MAX_DIGITS} digits"
    age = abs(time.time() - int(timestamp))
    if age > WEBHOOK_TOLERANCE_SECONDS:
        return f"timestamp is {int(age)} s away from now (more than {WEBHOOK_TOLERANCE_SECONDS} s): replay refused"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "signature does not match the body"
    return ""
