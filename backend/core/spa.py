"""Serve the built React app (FRONTEND_DIST/index.html, frontend/dist by default) for every non-API path."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

NOT_BUILT = (
    "<!doctype html><title>IGNY8 Automation</title><p>The web app is not built yet: run "
    "<code>make run</code> (or <code>cd frontend && npm ci && npm run build</code>).</p>"
    "<p>The API is at <a href='/api/docs/'>/api/docs/</a>.</p>"
)


@ensure_csrf_cookie
def spa_index(request, *args, **kwargs):
    """The web app's index.html; the client-side router takes the path from there."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(NOT_BUILT, status=503)
    return HttpResponse(index.read_text(encoding="utf-8"))
