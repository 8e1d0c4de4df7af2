"""A loopback HTTP server that records every request it gets and answers with scripted statuses."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ipv6_loopback_available() -> bool:
    """True when this machine can listen on ::1."""
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


class HttpSink:
    """Listens on `host` (127.0.0.1 by default; "::1" and other loopback addresses work too).

    Each request is recorded in `received` as {"method", "path", "headers", "body" (raw bytes), "json"}.
    Answers pop `statuses` in order (200 when empty) with `reply_body`; with `redirect_to` set, every
    request is answered 307 to that URL instead.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []  # answered in order; 200 when empty
        self.reply_body = b"{}"
        self.redirect_to: str | None = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    parsed = json.loads(body or b"null")
                except ValueError:
                    parsed = None
                sink.received.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "json": parsed,
                    }
                )
                if sink.redirect_to is not None:
                    self.send_response(307)
                    self.send_header("Location", sink.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                code = sink.statuses.pop(0) if sink.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", str(len(sink.reply_body)))
                self.end_headers()
                self.wfile.write(sink.reply_body)

            do_GET = do_POST = do_PUT = _record  # noqa: N815

            def log_message(self, *args):
                pass

        server_class = ThreadingHTTPServer
        if ":" in host:
            server_class = type("ThreadingHTTPServerV6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        self.server = server_class((host, 0), Handler)
        self.host, self.port = host, self.server.server_address[1]
        self.origin = f"http://{f'[{host}]' if ':' in host else host}:{self.port}"
        self.url = f"{self.origin}/hook"

    def __enter__(self) -> HttpSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
