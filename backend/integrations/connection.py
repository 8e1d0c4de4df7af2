"""Test a WordPress connection and say what was found (version, user, REST mode) or why it failed.

A saved integration's test records its outcome on the integration; testing values before they are saved
records nothing. Remote failures never raise: they come back as a `ConnectionReport` with a `reason`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from django.utils import timezone

from backend.core.outbound import outbound_session
from backend.integrations.models import Integration
from backend.integrations.wordpress_client import WordPressClient, WordPressError

UNREACHABLE, REFUSED, NOT_WORDPRESS, BAD_CREDENTIALS, FAILED = (
    "unreachable",
    "refused",
    "not_wordpress",
    "bad_credentials",
    "failed",
)
REASONS = (UNREACHABLE, REFUSED, NOT_WORDPRESS, BAD_CREDENTIALS, FAILED)
FEED_GENERATOR = re.compile(r"wordpress\.org/\?v=([0-9][0-9A-Za-z.\-]*)")
META_GENERATOR = re.compile(
    r"""<meta[^>]+name=["']generator["'][^>]+content=["']WordPress ([0-9][0-9A-Za-z.\-]*)""", re.IGNORECASE
)
MAX_SNIFF_BYTES = 256 * 1024  # the version is near the top of the feed and the page


@dataclass(frozen=True)
class ConnectionReport:
    """What a connection test found: ok with the user and REST mode (and the version when the site shows it),
    or ok false with a `reason` code and a readable `error`."""

    ok: bool
    reason: str | None = None
    user: str | None = None
    rest_mode: str | None = None
    wordpress_version: str | None = None
    site_name: str | None = None
    error: str | None = None


def connection_test(*, url: str, username: str, application_password: str, timeout: float = 10) -> ConnectionReport:
    """Log in to the WordPress at `url` as `username` through the outbound guard; never raises for a remote failure."""
    client = WordPressClient(url, username, application_password, timeout=timeout, session=outbound_session())
    try:
        found = client.test_connection()
    except WordPressError as exc:
        return _failure(client, exc)
    except (KeyError, TypeError):  # JSON, but not a WordPress user: something else answers there
        return _failure(client, WordPressError("its answer is no WordPress user", permanent=True, status=404))
    return ConnectionReport(
        ok=True,
        user=found["user"],
        rest_mode=found["rest_mode"],
        wordpress_version=_version(client),
        site_name=_site_name(client),
    )


def integration_test(*, integration: Integration, timeout: float = 10) -> ConnectionReport:
    """Test a saved integration's credentials and remember the outcome on it."""
    try:
        password = integration.application_password
    except ValueError as exc:  # encrypted with another FIELD_ENCRYPTION_KEY
        report = ConnectionReport(ok=False, reason=FAILED, error=f"{exc}; enter the application password again")
    else:
        report = connection_test(
            url=integration.url, username=integration.username, application_password=password, timeout=timeout
        )
    Integration.objects.filter(pk=integration.pk).update(
        last_checked_at=timezone.now(), last_check_ok=report.ok, last_check_error=report.error or ""
    )
    integration.refresh_from_db(fields=["last_checked_at", "last_check_ok", "last_check_error"])
    return report


def _failure(client: WordPressClient, exc: WordPressError) -> ConnectionReport:
    message = exc.message
    if message.startswith("refused to call"):
        reason = REFUSED
    elif message.startswith("could not reach"):
        reason = UNREACHABLE
    elif exc.status in (401, 403):
        reason = BAD_CREDENTIALS
    elif "non-JSON" in message or (exc.status == 404 and exc.code in (None, "rest_no_route")):
        reason = NOT_WORDPRESS
        message = (
            f"{client.base_url} does not answer like a WordPress site (no WordPress REST API at /wp-json/ or "
            f"?rest_route=): check the address ({message})"
        )
    else:
        reason = FAILED
    return ConnectionReport(ok=False, reason=reason, error=message)


def _get_text(client: WordPressClient, path: str) -> str:
    """The first bytes of a page of the site as text ('' on any failure: the version is a bonus)."""
    try:
        response = client.session.get(f"{client.base_url}{path}", timeout=client.timeout, stream=True)
    except requests.RequestException:
        return ""
    try:
        if response.status_code >= 400:
            return ""
        chunk = next(response.iter_content(MAX_SNIFF_BYTES), b"")
        return chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else str(chunk)
    except requests.RequestException:
        return ""
    finally:
        response.close()


def _version(client: WordPressClient) -> str | None:
    """The WordPress version the site shows: the RSS feed's generator, else the page's generator meta tag."""
    found = FEED_GENERATOR.search(_get_text(client, "/?feed=rss2"))
    if found is None:
        found = META_GENERATOR.search(_get_text(client, "/"))
    return found.group(1) if found else None


def _site_name(client: WordPressClient) -> str | None:
    """The site's title from the REST index ('' / None when it cannot be read)."""
    try:
        index = client._request("GET", "", params={"_fields": "name"})  # noqa: SLF001 - the client's own transport
    except WordPressError:
        return None
    name = index.get("name") if isinstance(index, dict) else None
    return str(name) if name else None
