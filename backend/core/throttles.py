"""Rate limits on the endpoints that start work (429 with Retry-After), shared by all web processes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ScopedThrottle(SimpleRateThrottle):
    """Per-user (or per-client) limit for one scope; rates come from settings.AUTOMATION_RATE_LIMITS."""

    scope = ""

    def get_rate(self) -> str | None:
        return settings.AUTOMATION_RATE_LIMITS.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RunNowThrottle(ScopedThrottle):
    scope = "run_now"


class ExecuteThrottle(ScopedThrottle):
    scope = "execute"


class WebhookThrottle(ScopedThrottle):
    """Per hook token: one noisy sender cannot flood a rule."""

    scope = "webhook"

    def get_cache_key(self, request, view) -> str | None:
        token = hashlib.sha256(view.kwargs.get("token", "").encode()).hexdigest()[:32]  # safe as a cache key
        return self.cache_format % {"scope": self.scope, "ident": token}
