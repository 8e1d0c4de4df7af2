"""WordPressClient against a real WordPress (tests/support/wordpress.py starts one)."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from backend.integrations.wordpress_client import (
    PostResult,
    WordPressClient,
    WordPressError,
)
from tests.support.wordpress import WordPressSite, wordpress  # noqa: F401

pytestmark = pytest.mark.wordpress


class RecordingSession(requests.Session):
    """A real session that remembers the URLs it requested."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.urls.append(str(request.url))
        return super().send(request, **kwargs)


@pytest.fixture
def client(wordpress: WordPressSite) -> WordPressClient:  # noqa: F811
    return WordPressClient(wordpress.url, wordpress.username, wordpress.application_password)


@pytest.fixture
def token() -> str:
    """A unique word, so tests sharing one site never see each other's posts or terms."""
    return uuid.uuid4().hex[:10]


def rest(site: WordPressSite, method: str, route: str, **params: Any) -> requests.Response:
    """Call WordPress directly, independent of the client under test."""
    auth = (site.username, site.application_password)
    query = {"rest_route": f"/{route}", **params}
    return requests.request(method, f"{site.url}/", params=query, auth=auth, timeout=30)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1 RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def draft(client: WordPressClient, title: str, **overrides: Any) -> PostResult:
    fields: dict[str, Any] = {
        "post_id": None,
        "title": title,
        "content_html": "<p>Body</p>",
        "excerpt": "Summary",
        "status": "draft",
        "categories": [],
        "tags": [],
        "featured_media": None,
        "slug": None,
    }
    return client.upsert_post(**{**fields, **overrides})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_it_reports_a_working_connection(client: WordPressClient, wordpress: WordPressSite) -> None:  # noqa: F811
    result = client.test_connection()

    me = rest(wordpress, "GET", "wp/v2/users/me").json()
    assert result == {"ok": True, "user": me["name"], "rest_mode": client.rest_mode}


def test_it_falls_back_to_rest_route_when_pretty_permalinks_are_off(wordpress: WordPressSite) -> None:  # noqa: F811
    pretty = "json" in requests.get(f"{wordpress.url}/wp-json/", timeout=30).headers["Content-Type"]
    if wordpress.pretty_permalinks is not None:
        assert pretty == wordpress.pretty_permalinks
    session = RecordingSession()
    client = WordPressClient(wordpress.url, wordpress.username, wordpress.application_password, session=session)

    client.test_connection()
    client.test_connection()

    assert client.rest_mode == ("pretty" if pretty else "rest_route")
    assert session.urls[0] == f"{wordpress.url}/wp-json/"
    api_calls = session.urls[1:]
    assert len(api_calls) == 2, "the REST mode is discovered once and cached"
    marker = "/wp-json/wp/v2/users/me" if pretty else "rest_route=%2Fwp%2Fv2%2Fusers%2Fme"
    assert all(marker in url for url in api_calls)


def test_it_creates_then_updates_the_same_post(
    client: WordPressClient,
    wordpress: WordPressSite,  # noqa: F811
    token: str,
) -> None:
    created = draft(client, f"First {token}")
    updated = draft(client, f"Second {token}", post_id=created.id, status="publish", slug=f"slug-{token}")

    assert updated.id == created.id
    assert updated.status == "publish"
    assert created.status == "draft"
    posts = rest(wordpress, "GET", "wp/v2/posts", search=token, status="any", context="edit").json()
    assert [(p["id"], p["title"]["raw"], p["slug"]) for p in posts] == [
        (created.id, f"Second {token}", f"slug-{token}")
    ]
    assert updated.link.startswith(wordpress.url)


def test_it_recreates_a_post_deleted_in_wordpress(
    client: WordPressClient,
    wordpress: WordPressSite,  # noqa: F811
    token: str,
) -> None:
    gone = draft(client, f"Gone {token}")
    assert rest(wordpress, "DELETE", f"wp/v2/posts/{gone.id}", force="true").status_code == 200

    again = draft(client, f"Again {token}", post_id=gone.id)

    assert again.id != gone.id
    assert rest(wordpress, "GET", f"wp/v2/posts/{again.id}", context="edit").json()["title"]["raw"] == f"Again {token}"


def test_it_uploads_and_attaches_a_featured_image(
    client: WordPressClient,
    wordpress: WordPressSite,  # noqa: F811
    token: str,
) -> None:
    media_id = client.upload_media(tiny_png(), f"cover {token}.png", "image/png", alt_text=f"Cover {token}")

    post = draft(client, f"Illustrated {token}", featured_media=media_id)

    media = rest(wordpress, "GET", f"wp/v2/media/{media_id}", context="edit").json()
    assert (media["mime_type"], media["alt_text"]) == ("image/png", f"Cover {token}")
    assert rest(wordpress, "GET", f"wp/v2/posts/{post.id}", context="edit").json()["featured_media"] == media_id


@pytest.mark.parametrize("taxonomy", ["categories", "tags"])
def test_it_creates_missing_terms_and_reuses_existing_ones(
    client: WordPressClient,
    wordpress: WordPressSite,  # noqa: F811
    token: str,
    taxonomy: Any,
) -> None:
    first = client.ensure_terms(taxonomy, [f"Alpha {token}", f"Salt & Pepper {token}"])
    second = client.ensure_terms(
        taxonomy, [f"alpha {token}", f"Salt & Pepper {token}", f"Gamma {token}", f"GAMMA {token}"]
    )

    assert len(set(first)) == 2
    assert second[:2] == first
    assert len(second) == 3
    terms = rest(wordpress, "GET", f"wp/v2/{taxonomy}", search=token, hide_empty="false").json()
    assert sorted(t["id"] for t in terms) == sorted(second)
    post = draft(client, f"Tagged {token}", **{taxonomy: second})
    assert sorted(rest(wordpress, "GET", f"wp/v2/posts/{post.id}", context="edit").json()[taxonomy]) == sorted(second)


def test_it_rejects_a_wrong_password_permanently(wordpress: WordPressSite) -> None:  # noqa: F811
    client = WordPressClient(wordpress.url, wordpress.username, "wrong pass word")

    with pytest.raises(WordPressError) as caught:
        client.test_connection()

    assert (caught.value.permanent, caught.value.status) == (True, 401)
    assert f"rejected the credentials for user {wordpress.username} (401)" in str(caught.value)


def test_it_reports_wordpress_validation_errors_permanently(client: WordPressClient, token: str) -> None:
    with pytest.raises(WordPressError) as caught:
        draft(client, f"Broken {token}", status="bogus")

    assert (caught.value.permanent, caught.value.status, caught.value.code) == (True, 400, "rest_invalid_param")
    assert "(400 rest_invalid_param): Invalid parameter(s): status" in str(caught.value)


def test_it_treats_an_unreachable_site_as_transient() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = WordPressClient(url, "alice", "xxxx xxxx", timeout=2)

    with pytest.raises(WordPressError) as caught:
        client.test_connection()

    assert (caught.value.permanent, caught.value.status) == (False, None)
    assert str(caught.value).startswith(f"could not reach WordPress at {url}")


@pytest.fixture
def failing_site() -> Iterator[str]:
    """A stand-in server that answers every request with 503, like an overloaded host."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>Service Unavailable</h1>")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_treats_a_server_error_as_transient(failing_site: str) -> None:
    client = WordPressClient(failing_site, "alice", "xxxx xxxx")

    with pytest.raises(WordPressError) as caught:
        client.test_connection()

    assert (caught.value.permanent, caught.value.status) == (False, 503)
    assert "retry later" in str(caught.value)
