"""The one HTTP client for calls made on a tenant's behalf (webhooks, WordPress, run notifications).

Every hop, the first request and each redirect, is resolved once; an address that is loopback, private,
link-local, multicast, reserved or unspecified is refused (`DestinationRefused`, nothing is sent), and the
connection is pinned to the address that was checked, so DNS cannot answer differently in between
(rebinding). requests-hardened does the resolving and pinning; this module adds the operator's allowlist
(`OUTBOUND_ALLOWED_NETWORKS`: CIDRs and host names) and the reserved ranges it lets through.
Operator-configured endpoints (the OpenAI base URL) do not go through it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = (5.0, 15.0)  # seconds: connect, read
TIMESTAMP_HEADER = "X-Automation-Timestamp"
SIGNATURE_HEADER = "X-Automation-Signature"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")

# requests-hardened warns "Forbidden IP address" before the allowlist is consulted, so the warning would also
# come for allowed destinations; refusals are reported by DestinationRefused to whoever made the call.
logging.getLogger("requests_hardened.ip_filter").setLevel(logging.ERROR)


class DestinationRefused(InvalidIPAddress):
    """The destination resolves to an address tenants may not reach; nothing was sent. Retrying cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_refusing: ContextVar[str | None] = ContextVar("igny8_outbound_refused", default=None)


@contextmanager
def refusing(reason: str) -> Iterator[None]:
    """No outbound call is made inside this block (a dry run's step): each raises DestinationRefused(reason)."""
    token = _refusing.set(reason)
    try:
        yield
    finally:
        _refusing.reset(token)


def refusal_message(ip: IPAddress, host: str) -> str:
    """Why a call to `host` (resolved to `ip`) is refused, starting "destination <ip> is a private address"."""
    via = "" if host.strip("[]") == str(ip) else f" ({host} resolves to it)"
    return (
        f"destination {ip} is a private address{via}: calls made for an account may not reach loopback, private, "
        "link-local, multicast or reserved networks (an operator can allow one with OUTBOUND_ALLOWED_NETWORKS)"
    )


@dataclass(frozen=True)
class Allowlist:
    """The networks and host names the operator lets tenants reach although they are private."""

    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Allowlist:
        """Read "10.0.0.0/8,::1,wordpress"; an entry that is neither a network nor a host name is a config error."""
        networks: list[Network] = []
        hosts: set[str] = set()
        for entry in (e.strip().lower().rstrip(".") for e in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if not HOST_NAME.match(entry):
                    raise ImproperlyConfigured(
                        f"OUTBOUND_ALLOWED_NETWORKS: {entry!r} is neither a CIDR nor a host name"
                    ) from None
                hosts.add(entry)
        return cls(tuple(networks), frozenset(hosts))

    def allows(self, ip: IPAddress, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts or any(ip in network for network in self.networks)


def allowlist() -> Allowlist:
    """The allowlist from settings, read at call time (tests and operators may change it)."""
    return Allowlist.parse(getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", "") or "")


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged by its IPv4 address)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private or ip.is_link_local)


def check_address(ip: IPAddress, host: str) -> None:
    """Raise DestinationRefused unless `ip` is public or the operator allows it (or `host`)."""
    if not is_public(ip) and not allowlist().allows(ip, host):
        raise DestinationRefused(refusal_message(ip, host))


def _parse_ip(value: Any) -> IPAddress:
    return ipaddress.ip_address(str(value).strip("[]"))


class GuardedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, refuse, pin to the resolved address) plus the allowlist."""

    def send(self, request, *args, **kwargs):
        reason = _refusing.get()
        if reason is not None:
            raise DestinationRefused(reason)
        return super().send(request, *args, **kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host = urlsplit(request.url).hostname or ""
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        except InvalidIPAddress as exc:  # requests-hardened refused it; only the operator's allowlist can let it pass
            ip = _parse_ip(exc.args[0])
            check_address(ip, host)
            return self._pinned(request, verify, cert, ip)
        check_address(_parse_ip(host_params["host"]), host)  # the ranges requests-hardened lets through
        return host_params, pool_kwargs

    def _pinned(self, request, verify, cert, ip: IPAddress):
        """Connect to `ip`, the address already resolved and allowed (never resolve a second time)."""
        host_params, pool_kwargs = HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
        name = host_params["host"]
        request.headers["Host"] = (f"[{name}]" if ":" in name else name) + (
            f":{host_params['port']}" if host_params["port"] is not None else ""
        )
        if self._is_https_proto:  # the certificate is checked against the name, not the pinned address
            pool_kwargs["assert_hostname"] = name
            if self._tls_sni_support:
                pool_kwargs["server_hostname"] = name
        host_params["host"] = f"[{ip}]" if ip.version == 6 else str(ip)
        return host_params, pool_kwargs


def outbound_session() -> requests.Session:
    """A session for tenant-chosen URLs: guarded on every hop, at most MAX_REDIRECTS, default timeouts."""
    config = Config(
        ip_filter_enable=False,  # mounted below with the allowlist
        ip_filter_allow_loopback_ips=False,
        never_redirect=False,
        default_timeout=DEFAULT_TIMEOUT,
    )
    session = HTTPSession(config)
    session.mount("http://", GuardedAdapter(is_https_proto=False))
    session.mount("https://", GuardedAdapter(is_https_proto=True))
    session.max_redirects = MAX_REDIRECTS
    session.trust_env = False  # no proxies or .netrc credentials from the environment for tenant URLs
    return session


def outbound_request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """One guarded request (see `outbound_session`); raises DestinationRefused or another RequestException."""
    with outbound_session() as session:
        return session.request(method, url, **kwargs)


def destination_refusal(url: str) -> str | None:
    """Why `url` may not be called (its host resolves to a refused address), or None; unresolvable is None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        if not host:
            return None
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return None  # not a URL this check can judge; the connection test says why it cannot be reached
    for *_, sockaddr in addresses:
        try:
            check_address(_parse_ip(sockaddr[0]), host)
        except DestinationRefused as exc:
            return exc.message
    return None


def sign_payload(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers that let a receiver verify an outbound call: timestamp and signature of these exact bytes."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign_payload(secret, timestamp, body)}
