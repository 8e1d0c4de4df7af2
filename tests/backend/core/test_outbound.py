"""The outbound client: private destinations refused after DNS, on every redirect, pinned; the allowlist."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from backend.core import outbound
from backend.core.outbound import (
    MAX_REDIRECTS,
    Allowlist,
    DestinationRefused,
    destination_refusal,
    is_public,
    outbound_request,
    sign_payload,
    signature_headers,
)
from tests.support.http_sink import HttpSink, ipv6_loopback_available

REFUSED = "is a private address"


@pytest.fixture
def sink():
    with HttpSink() as server:
        yield server


@pytest.fixture
def second_sink():
    """Another receiver on 127.0.0.2: loopback too, but outside 127.0.0.1/32."""
    with HttpSink(host="127.0.0.2") as server:
        yield server


@pytest.mark.parametrize(
    ("url", "ip"),
    [
        ("http://127.0.0.1:{port}/hook", "127.0.0.1"),
        ("http://localhost:{port}/hook", "127.0.0.1"),  # a host name that resolves to loopback
        ("http://2130706433:{port}/hook", "127.0.0.1"),  # 127.0.0.1 written as one decimal number
        ("http://0x7f.1:{port}/hook", "127.0.0.1"),
        ("http://0.0.0.0:{port}/hook", "0.0.0.0"),  # Linux connects 0.0.0.0 to this host
        ("http://[::ffff:127.0.0.1]:{port}/hook", "127.0.0.1"),
        ("https://127.0.0.1:{port}/hook", "127.0.0.1"),
    ],
)
def test_it_refuses_loopback_destinations_and_sends_nothing(settings, sink, url, ip):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    with pytest.raises(DestinationRefused) as refused:
        outbound_request("POST", url.format(port=sink.port), json={"steal": "me"})

    assert refused.value.message.startswith(f"destination {ip} {REFUSED}")
    assert str(refused.value) == refused.value.message
    assert sink.received == []


@pytest.mark.parametrize(
    ("url", "ip"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # cloud metadata
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://172.16.0.1/", "172.16.0.1"),
        ("http://192.168.1.1/", "192.168.1.1"),
        ("http://100.64.0.1/", "100.64.0.1"),  # carrier-grade NAT
        ("http://224.0.0.1/", "224.0.0.1"),  # multicast
        ("http://240.0.0.1/", "240.0.0.1"),  # reserved
        ("http://[fe80::1]/", "fe80::1"),  # link-local
        ("http://[fd00::1]/", "fd00::1"),  # unique local
        ("http://[::]/", "::"),  # unspecified
        ("http://[::7f00:1]/", "::7f00:1"),  # IPv4-compatible (reserved)
        ("http://[ff02::1]/", "ff02::1"),  # multicast
    ],
)
def test_it_refuses_private_link_local_multicast_and_reserved_addresses_before_connecting(settings, url, ip):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""
    started = time.monotonic()

    with pytest.raises(DestinationRefused) as refused:
        outbound_request("GET", url, timeout=30)

    assert refused.value.message.startswith(f"destination {ip} {REFUSED}")
    assert time.monotonic() - started < 5  # refused, not a connection attempt that timed out


@pytest.mark.skipif(not ipv6_loopback_available(), reason="this machine cannot listen on ::1")
def test_it_refuses_ipv6_loopback_unless_allowed(settings):
    with HttpSink(host="::1") as v6:
        settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8"  # IPv4 loopback only: ::1 stays refused
        with pytest.raises(DestinationRefused, match=rf"^destination ::1 {REFUSED}"):
            outbound_request("POST", v6.url, json={})
        assert v6.received == []

        settings.OUTBOUND_ALLOWED_NETWORKS = "::1"
        assert outbound_request("POST", v6.url, json={"n": 1}).status_code == 200
    assert [r["json"] for r in v6.received] == [{"n": 1}]
    assert v6.received[0]["headers"]["Host"] == f"[::1]:{v6.port}"


def test_it_refuses_a_redirect_from_an_allowed_receiver_to_a_private_address(settings, sink, second_sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1/32"  # the first receiver only
    sink.redirect_to = second_sink.url

    with pytest.raises(DestinationRefused, match=rf"^destination 127.0.0.2 {REFUSED}"):
        outbound_request("POST", sink.url, json={"x": 1})

    assert len(sink.received) == 1 and second_sink.received == []


def test_it_does_not_let_an_allowed_host_name_open_its_address_to_redirects(settings, sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "localhost"
    with HttpSink() as target:
        sink.redirect_to = target.url  # http://127.0.0.1:…: the same address, but not the allowed name

        with pytest.raises(DestinationRefused, match=rf"^destination 127.0.0.1 {REFUSED}"):
            outbound_request("POST", f"http://localhost:{sink.port}/hook", json={"x": 1})

    assert len(sink.received) == 1 and target.received == []


def test_it_follows_a_redirect_to_an_allowed_destination(settings, sink, second_sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1/32,127.0.0.2/32"
    sink.redirect_to = second_sink.url

    response = outbound_request("POST", sink.url, json={"x": 1})

    assert response.status_code == 200 and [r["json"] for r in second_sink.received] == [{"x": 1}]


def test_it_follows_at_most_a_few_redirects(settings, sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1"
    sink.redirect_to = sink.url  # a loop

    with pytest.raises(requests.TooManyRedirects):
        outbound_request("POST", sink.url, json={})

    assert len(sink.received) == MAX_REDIRECTS + 1


def test_it_allows_a_network_named_by_cidr(settings, sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "10.0.0.0/8, 127.0.0.0/8"

    for url in (sink.url, f"http://localhost:{sink.port}/hook", f"http://2130706433:{sink.port}/hook"):
        assert outbound_request("POST", url, json={"ok": True}).status_code == 200

    assert len(sink.received) == 3


def test_it_allows_a_host_name_but_not_its_address_written_out(settings, sink):
    settings.OUTBOUND_ALLOWED_NETWORKS = "LocalHost."

    assert outbound_request("POST", f"http://localhost:{sink.port}/hook", json={"n": 1}).status_code == 200
    with pytest.raises(DestinationRefused, match=rf"^destination 127.0.0.1 {REFUSED}"):
        outbound_request("POST", sink.url, json={"n": 2})

    assert [r["json"] for r in sink.received] == [{"n": 1}]
    assert sink.received[0]["headers"]["Host"] == f"localhost:{sink.port}"  # pinned, but addressed by its name


def test_it_connects_to_the_address_it_checked_even_if_dns_changes_its_answer(settings, sink, second_sink, monkeypatch):
    """DNS rebinding: the first answer is checked and used; a second lookup would get 127.0.0.2."""
    settings.OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1/32"
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2"])
    asked: list[str] = []

    def scripted_dns(host, *args, **kwargs):  # a DNS server that changes its answer after the first lookup
        if host == "rebind.example":
            asked.append(host)
            host = next(answers)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", scripted_dns)

    response = outbound_request("POST", f"http://rebind.example:{sink.port}/hook", json={"n": 1})

    assert response.status_code == 200 and asked == ["rebind.example"]
    assert len(sink.received) == 1 and second_sink.received == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("169.254.169.254", False),
        ("10.0.0.1", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
    ],
)
def test_it_tells_public_addresses_from_the_others(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def test_it_reads_cidrs_and_host_names_and_refuses_anything_else():
    parsed = Allowlist.parse(" 10.0.0.0/8 ,, ::1, WordPress.Internal. ,192.168.1.7")

    assert parsed.allows(ipaddress.ip_address("10.9.8.7"), "x.example")
    assert parsed.allows(ipaddress.ip_address("192.168.1.7"), "db")
    assert parsed.allows(ipaddress.ip_address("172.16.0.1"), "wordpress.internal")
    assert not parsed.allows(ipaddress.ip_address("192.168.1.8"), "db")
    assert not parsed.allows(ipaddress.ip_address("127.0.0.1"), "localhost")
    for bad in ("10.0.0.0/33", "http://x", "a b"):
        with pytest.raises(ImproperlyConfigured, match="OUTBOUND_ALLOWED_NETWORKS"):
            Allowlist.parse(bad)


def test_it_refuses_nothing_but_private_addresses_by_default(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    assert outbound.allowlist() == Allowlist()
    assert destination_refusal("http://localhost:8080/blog").startswith(f"destination 127.0.0.1 {REFUSED}")
    assert destination_refusal("http://no-such-host.invalid/") is None  # unresolvable: not a refusal
    assert destination_refusal("http://93.184.215.14/") is None
    settings.OUTBOUND_ALLOWED_NETWORKS = "localhost"
    assert destination_refusal("http://localhost:8080/blog") is None


def test_it_signs_the_timestamp_and_the_exact_body():
    body = b'{"a": 1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()

    assert sign_payload("s3cret", "1700000000", body) == f"sha256={expected}"
    assert signature_headers("s3cret", body, now=1700000000.9) == {
        "X-Automation-Timestamp": "1700000000",
        "X-Automation-Signature": f"sha256={expected}",
    }
    assert sign_payload("s3cret", "1700000000", body + b" ") != f"sha256={expected}"


def test_it_checks_inbound_webhooks_with_the_same_signature():
    from rules.api.hooks import sign

    assert sign("k", "1", b"body") == sign_payload("k", "1", b"body")
