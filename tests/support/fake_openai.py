"""A small OpenAI-compatible HTTP server for tests: canned structured answers, scripted faults, recorded requests.

    with FakeOpenAI() as server:
        provider = get_provider("openai", api_key="test", base_url=server.base_url)
        server.script(rate_limited(retry_after=0.05), server_error())   # the next two requests fail
        ...
        assert server.requests[-1].schema_name == "generate_content"

Chat answers are picked by the request's json_schema name; replace one with `server.set_response(name, content)`
(a dict, or a callable taking the request JSON). For a fixture, import `fake_openai` from here into a conftest
(`from tests.support.fake_openai import fake_openai  # noqa: F401`) or list this module in the root pytest_plugins.
The default cluster answer groups the prompt's `[id=N] text` lines by their first word, so keep that marker in
custom cluster prompts if you rely on it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

Content = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Fault:
    """How to spoil one response: an HTTP error, a delay, or a bad chat answer."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    code: str | None = None


def rate_limited(retry_after: float | None = 0.05, *, milliseconds: bool = False) -> Fault:
    """429 with a Retry-After header in seconds (or retry-after-ms), or none when retry_after is None."""
    if retry_after is None:
        return Fault(status=429)
    if milliseconds:
        return Fault(status=429, headers={"retry-after-ms": str(int(retry_after * 1000))})
    return Fault(status=429, headers={"Retry-After": str(retry_after)})


def server_error(status: int = 500) -> Fault:
    return Fault(status=status)


def http_error(status: int, code: str | None = None) -> Fault:
    """Any error status, e.g. 400, 401, or 429 with code "insufficient_quota"."""
    return Fault(status=status, code=code)


def slow(seconds: float) -> Fault:
    """Answer normally, but only after `seconds` (longer than the client timeout makes a timeout)."""
    return Fault(delay=seconds)


def malformed_json() -> Fault:
    return Fault(content='{"clusters": [ this is not json')


def schema_violation() -> Fault:
    return Fault(content='{"unexpected": true}')


def refusal(text: str = "I'm sorry, I can't help with that.") -> Fault:
    return Fault(refusal=text)


def truncated() -> Fault:
    """finish_reason "length" with half-written JSON, as when max tokens run out."""
    return Fault(content='{"title": "Half an art', finish_reason="length")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    json: dict[str, Any] | None

    @property
    def schema_name(self) -> str | None:
        """The json_schema name of a structured chat request."""
        response_format = (self.json or {}).get("response_format") or {}
        return (response_format.get("json_schema") or {}).get("name")

    @property
    def prompt(self) -> str:
        """The last user message of a chat request, or the prompt of an image request."""
        body = self.json or {}
        users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
        return str(users[-1]) if users else str(body.get("prompt", ""))


class FakeOpenAI:
    """The fake server; use it as a context manager (it listens on 127.0.0.1 on a free port)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.usage = {"prompt_tokens": 120, "completion_tokens": 80}
        self.image_mode = "b64_json"  # or "url": answer with a link served by this server
        self._faults: deque[Fault] = deque()
        self._responses: dict[str, Content] = dict(DEFAULT_RESPONSES)
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so every test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-openai", daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's base_url."""
        return f"{self.origin}/v1"

    def script(self, *faults: Fault) -> None:
        """Queue faults; each spoils the next request, whatever its endpoint."""
        with self._lock:
            self._faults.extend(faults)

    def set_response(self, schema_name: str, content: Content) -> None:
        """Answer chat requests with this json_schema name with `content` (a dict or request -> dict)."""
        self._responses[schema_name] = content

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- used by the handler ---

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            return self._faults.popleft() if self._faults else None

    def _chat(self, body: dict[str, Any], fault: Fault) -> tuple[int, dict[str, Any]]:
        name = RecordedRequest("POST", "", {}, body).schema_name or ""
        content = fault.content
        if content is None and fault.refusal is None:
            answer = self._responses.get(name)
            if answer is None:
                return 400, _error(f"fake has no canned response for json_schema {name!r}", None)
            content = json.dumps(answer(body) if callable(answer) else answer)
        message = {"role": "assistant", "content": None if fault.refusal else content, "refusal": fault.refusal}
        usage = {**self.usage, "total_tokens": sum(self.usage.values())}
        choice = {"index": 0, "message": message, "finish_reason": fault.finish_reason, "logprobs": None}
        model = body.get("model", "")
        return 200, {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [choice],
            "usage": usage,
        }

    def _image(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        width, height = (int(side) for side in str(body.get("size") or "1024x1024").split("x"))
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (90, 140, 200)).save(buffer, format="PNG")
        item: dict[str, Any]
        if self.image_mode == "url":
            name = f"image-{len(self._files) + 1}.png"
            self._files[name] = buffer.getvalue()
            item = {"url": f"{self.origin}/files/{name}"}
        else:
            item = {"b64_json": base64.b64encode(buffer.getvalue()).decode()}
        usage = {
            "input_tokens": 30,
            "output_tokens": 1000,
            "total_tokens": 1030,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 30},
        }
        return 200, {"created": 0, "data": [item], "usage": usage}


def _error(message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "fake_error", "param": None, "code": code}}


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = server._files.get(self.path.rsplit("/", 1)[-1])
            server._record(RecordedRequest("GET", self.path, _lower(self.headers.items()), None))
            if data is None:
                self._send(404, {"Content-Type": "application/json"}, json.dumps(_error("not found", None)).encode())
            else:
                self._send(200, {"Content-Type": "image/png"}, data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fault = server._record(RecordedRequest("POST", self.path, _lower(self.headers.items()), body)) or Fault()
            if fault.delay and server._stopping.wait(fault.delay):
                return
            if fault.status != 200:
                payload = _error(f"fake HTTP {fault.status}", fault.code)
                self._send(
                    fault.status, {"Content-Type": "application/json", **fault.headers}, json.dumps(payload).encode()
                )
                return
            if self.path == "/v1/chat/completions":
                status, payload = server._chat(body, fault)
            elif self.path == "/v1/images/generations":
                status, payload = server._image(body)
            else:
                status, payload = 404, _error(f"fake does not serve {self.path}", None)
            self._send(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())

        def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and hung up; that is what a slow fault is for

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- canned answers, valid for the schemas in actions/ai/providers/prompts.py -----------------------


def _cluster_answer(body: dict[str, Any]) -> dict[str, Any]:
    """Group the prompt's `[id=N] text` lines by their first word, one cluster per word."""
    prompt = RecordedRequest("POST", "", {}, body).prompt
    groups: dict[str, list[int]] = {}
    for keyword_id, text in re.findall(r"\[id=(\d+)\]\s*(\S+)", prompt):
        groups.setdefault(text.lower(), []).append(int(keyword_id))
    groups = groups or {"fake": [1, 2, 3]}
    clusters = [
        {"name": f"{word.title()} Topics", "description": f"Keywords about {word}.", "keyword_ids": ids}
        for word, ids in groups.items()
    ]
    return {"clusters": clusters}


def _ideas_answer(body: dict[str, Any]) -> dict[str, Any]:
    prompt = RecordedRequest("POST", "", {}, body).prompt
    count = int(m[1]) if (m := re.search(r"exactly (\d+)", prompt)) else 3
    cluster = m[1] if (m := re.search(r'cluster "([^"]+)"', prompt)) else "the topic"
    ideas = [
        {
            "title": f"Idea {n} about {cluster}",
            "intro": f"An article about {cluster}.",
            "sections": ["Getting Started", "Key Techniques", "Common Mistakes"],
            "content_type": "guide",
            "content_structure": "guide",
            "target_keywords": [cluster.lower()],
        }
        for n in range(1, count + 1)
    ]
    return {"ideas": ideas}


def _content_answer(body: dict[str, Any]) -> dict[str, Any]:
    prompt = RecordedRequest("POST", "", {}, body).prompt
    title = m[1] if (m := re.search(r'titled "([^"]+)"', prompt)) else "A Fake Article"
    html = (
        "<p>An introduction to the topic.</p><h2>Getting Started</h2><p>Start here.</p>"
        "<h2>Key Techniques</h2><p>Technique details.</p><h2>Frequently Asked Questions</h2>"
        "<h3>Is this fake?</h3><p>Yes, it comes from the fake server.</p>"
    )
    return {
        "title": title,
        "html": html,
        "excerpt": "An introduction to the topic.",
        "meta_title": title,
        "meta_description": (
            "A fake article from the fake OpenAI server, long enough to look like a real meta description "
            "for a search result page."
        ),
        "primary_keyword": "fake topic",
        "tags": ["fake", "topic"],
        "categories": ["Testing"],
    }


def _image_prompts_answer(body: dict[str, Any]) -> dict[str, Any]:
    prompt = RecordedRequest("POST", "", {}, body).prompt
    count = int(m[1]) if (m := re.search(r"exactly (\d+) in-article", prompt)) else 2
    prompts = [{"kind": "featured", "position": 0, "prompt": "A featured scene."}]
    prompts += [
        {"kind": "in_article", "position": n, "prompt": f"An in-article scene {n}."} for n in range(1, count + 1)
    ]
    return {"prompts": prompts}


DEFAULT_RESPONSES: dict[str, Content] = {
    "cluster_keywords": _cluster_answer,
    "generate_ideas": _ideas_answer,
    "generate_content": _content_answer,
    "generate_image_prompts": _image_prompts_answer,
}


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running FakeOpenAI, stopped after the test."""
    with FakeOpenAI() as server:
        yield server
