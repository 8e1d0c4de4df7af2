"""Rate limits on the endpoints that start work and on logins (429 with Retry-After), shared by all web processes."""

from __future__ import annotations

import hashlib
import unicodedata

from django.conf import settings
from rest_framework.settings import api_settings
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


class LoginThrottle(ScopedThrottle):
    """Failed logins per key: once the rate is used up every attempt is a 429 (the right password too).

    Only failures count (the view calls `record_failure`), so people who sign in often are never locked out."""

    def throttle_success(self) -> bool:
        return True  # checking is not counting: see record_failure

    def record_failure(self, request, view) -> None:
        """Count one failed login against this throttle's key."""
        key = self.get_cache_key(request, view) if self.rate else None
        if key is None:
            return
        now = self.timer()
        history = [at for at in self.cache.get(key, []) if at > now - self.duration]
        self.cache.set(key, [now, *history], self.duration)

    def wait(self) -> float:
        """Seconds until the oldest failure that still counts leaves the window (one more attempt)."""
        counted = self.history[: self.num_requests]
        return max(self.duration - (self.now - counted[-1]), 1.0) if counted else float(self.duration)


class LoginIPThrottle(LoginThrottle):
    """Per client address. X-Forwarded-For is trusted only when REST_FRAMEWORK["NUM_PROXIES"] says how far."""

    scope = "login_ip"

    def get_cache_key(self, request, view) -> str | None:
        ident = self.get_ident(request) if api_settings.NUM_PROXIES is not None else request.META.get("REMOTE_ADDR")
        return self.cache_format % {"scope": self.scope, "ident": ident or "unknown"}


class LoginUserThrottle(LoginThrottle):
    """Per attempted username (from the body, normalised), whichever address the attempts come from."""

    scope = "login_user"

    def get_cache_key(self, request, view) -> str | None:
        username = attempted_username(request)
        if not username:
            return None  # no username: the serializer answers 400 and nothing is tried
        ident = hashlib.sha256(username.encode()).hexdigest()[:32]  # any text is safe as a cache key
        return self.cache_format % {"scope": self.scope, "ident": ident}


def attempted_username(request) -> str:
    """The username a login request tries, NFKC-normalised, trimmed and case-folded ('' when none)."""
    data = request.data
    value = data.get("username") if hasattr(data, "get") else None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()
