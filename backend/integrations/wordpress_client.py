"""WordPress REST API client: posts, media and terms, authenticated by application password.

Pure Python (requests); no Django. Every failure is a `WordPressError` whose `permanent`
flag says whether retrying can help.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal

import requests
from requests_hardened.ip_filter import InvalidIPAddress

RestMode = Literal["pretty", "rest_route"]
Taxonomy = Literal["categories", "tags"]
PostStatus = Literal["draft", "publish"]


class WordPressError(Exception):
    """A failed WordPress call; `permanent` is False when a retry may succeed."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        code: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.code = code  # WordPress's error code, e.g. "rest_post_invalid_id"
        self.data = data or {}


@dataclass(frozen=True)
class PostResult:
    id: int
    link: str
    status: str


class WordPressClient:
    """Talk to one WordPress site as one user; safe to reuse for many calls."""

    def __init__(
        self,
        base_url: str,
        username: str,
        application_password: str,
        timeout: float = 15,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.timeout = timeout
        self.session = session or requests.Session()
        self._auth = (username, application_password)
        self._rest_mode: RestMode | None = None

    @property
    def rest_mode(self) -> RestMode:
        """How routes are addressed: "pretty" (/wp-json/...) or "rest_route" (/?rest_route=...)."""
        if self._rest_mode is None:
            self._rest_mode = self._discover_rest_mode()
        return self._rest_mode

    def test_connection(self) -> dict[str, Any]:
        """Return {"ok": True, "user", "rest_mode"}; raise WordPressError otherwise."""
        me = self._request("GET", "wp/v2/users/me", params={"context": "edit"})
        return {"ok": True, "user": me["name"], "rest_mode": self.rest_mode}

    def upload_media(self, data: bytes, filename: str, mime: str, alt_text: str = "") -> int:
        """Upload a file to the media library and return its attachment id."""
        safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "upload"
        headers = {
            "Content-Type": mime,
            "Content-Disposition": f'attachment; filename="{safe_name}"',
        }
        params = {"alt_text": alt_text} if alt_text else None
        media = self._request("POST", "wp/v2/media", data=data, headers=headers, params=params)
        return int(media["id"])

    def ensure_terms(self, taxonomy: Taxonomy, names: list[str]) -> list[int]:
        """Return the ids of the named terms, creating the missing ones."""
        ids: list[int] = []
        for name in dict.fromkeys(n.strip() for n in names if n.strip()):
            term_id = self._find_term(taxonomy, name) or self._create_term(taxonomy, name)
            if term_id not in ids:
                ids.append(term_id)
        return ids

    def upsert_post(
        self,
        *,
        post_id: int | None,
        title: str,
        content_html: str,
        excerpt: str,
        status: PostStatus,
        categories: list[int],
        tags: list[int],
        featured_media: int | None,
        slug: str | None = None,
    ) -> PostResult:
        """Create the post, or update post_id; recreate it if it was deleted remotely."""
        payload: dict[str, Any] = {
            "title": title,
            "content": content_html,
            "excerpt": excerpt,
            "status": status,
            "categories": categories,
            "tags": tags,
            "featured_media": featured_media or 0,
        }
        if slug:
            payload["slug"] = slug
        post = None
        if post_id is not None:
            try:
                post = self._request("POST", f"wp/v2/posts/{post_id}", json=payload)
            except WordPressError as exc:
                if exc.status != 404:
                    raise
        if post is None:
            post = self._request("POST", "wp/v2/posts", json=payload)
        return PostResult(id=int(post["id"]), link=post["link"], status=post["status"])

    def _find_term(self, taxonomy: Taxonomy, name: str) -> int | None:
        params = {"search": name, "per_page": 100, "hide_empty": "false"}
        for term in self._request("GET", f"wp/v2/{taxonomy}", params=params):
            # WordPress stores names HTML-escaped ("Salt &amp; Pepper").
            if html.unescape(term["name"]).casefold() == name.casefold():
                return int(term["id"])
        return None

    def _create_term(self, taxonomy: Taxonomy, name: str) -> int:
        try:
            return int(self._request("POST", f"wp/v2/{taxonomy}", json={"name": name})["id"])
        except WordPressError as exc:
            # Search missed a term that exists (same slug, or escaped name): reuse it.
            if exc.code == "term_exists" and "term_id" in exc.data:
                return int(exc.data["term_id"])
            raise

    def _discover_rest_mode(self) -> RestMode:
        try:
            resp = self.session.get(f"{self.base_url}/wp-json/", timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
        is_json = "json" in resp.headers.get("Content-Type", "")
        # Plain permalinks answer /wp-json/ with the HTML home page (or a 404).
        return "pretty" if is_json and resp.status_code != 404 else "rest_route"

    def _url(self, route: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        if self.rest_mode == "pretty":
            return f"{self.base_url}/wp-json/{route}", dict(params or {})
        return f"{self.base_url}/", {"rest_route": f"/{route}", **(params or {})}

    def _request(self, method: str, route: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        url, query = self._url(route, params)
        try:
            resp = self.session.request(method, url, params=query, auth=self._auth, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
        if resp.status_code >= 400:
            raise self._http_error(method, route, resp)
        try:
            return resp.json()
        except ValueError as exc:
            raise WordPressError(
                f"{self.base_url} answered {method} {route} with non-JSON content: "
                "check that the URL points at a WordPress site",
                permanent=True,
                status=resp.status_code,
            ) from exc

    def _unreachable(self, exc: requests.RequestException) -> WordPressError:
        if isinstance(exc, InvalidIPAddress):  # a guarded session refused the address: nothing was sent
            return WordPressError(f"refused to call WordPress at {self.base_url}: {exc}", permanent=True)
        return WordPressError(
            f"could not reach WordPress at {self.base_url}: {exc}; retry later",
            permanent=False,
        )

    def _http_error(self, method: str, route: str, resp: requests.Response) -> WordPressError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code, detail = body.get("code"), body.get("message") or resp.reason
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        status = resp.status_code
        if status in (401, 403):
            message = (
                f"WordPress rejected the credentials for user {self.username} ({status}): "
                f"check the username and application password ({code}: {detail})"
            )
        elif status >= 500 or status == 429:
            message = f"WordPress at {self.base_url} failed ({status}: {detail}); retry later"
        else:
            message = f"WordPress refused {method} {route} ({status} {code}): {detail}"
        return WordPressError(
            message,
            permanent=status < 500 and status != 429,
            status=status,
            code=code,
            data=data,
        )
