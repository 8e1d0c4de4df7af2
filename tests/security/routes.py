"""The API's URL patterns, walked from the URLconf and sorted by what they need to be called with.

Every pattern under /api/v1/ lands in exactly one kind:

- ``path``: a path parameter (``<pk>``, ``<run_id>``, …) naming one object;
- ``site_query`` / ``run_query``: the seeds' automation endpoints taking ``?site_id=`` / ``?run_id=``;
- ``collection``: a viewset route without an id (list, create, ``detail=False`` actions);
- ``no_id``: a route about the caller only (auth, credits, catalogs), listed by name in ``NO_OBJECT_ID``;
- ``None``: unknown, which ``test_it_knows_how_to_fill_every_route`` turns into a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from backend.automation.views import RunView, SiteView

API_PREFIX = "api/v1/"
METHODS = ("get", "put", "patch", "post", "delete")

# Path parameters that are not an account's object id; each has a test of its own in test_isolation.py.
NOT_ACCOUNT_SCOPED = {
    "automation-hook": "a webhook token, unauthenticated by design: "
    "test_it_answers_a_hook_only_with_its_token_and_signature",
    "prompt-detail": "an AI function name, per account: test_it_keeps_prompt_overrides_per_account",
    "auth-token-detail": "a token id, per user (a teammate's too is a 404): "
    "tests/backend/accounts/test_tokens.py::test_it_answers_404_for_another_users_token_even_a_teammates",
    "scheduled-task-detail": "a schedule fire '<rule id>:<unix seconds>' or a scheduled run's run_id: "
    "tests/rules/test_scheduled_tasks_api.py::test_it_answers_404_to_charlie_for_alices_scheduled_tasks",
}
# Routes with no object id at all: they answer about the caller (test_it_shows_charlie_nothing_of_alice_without_ids).
NO_OBJECT_ID = {
    "auth-token",
    "auth-csrf",
    "auth-login",
    "auth-logout",
    "auth-me",
    "auth-session",
    "auth-tokens",  # the caller's own tokens
    "credits",
    "credits-budget",
    "credits-ledger",
    "credits-ledger-export",
    "credits-ledger-operations",
    "credits-usage",
    "credit-costs",
    "prompts",
    "api-root",
    # Not a model's rows (computed fires + scheduled runs), so not in test_isolation's lists; its own test:
    # tests/rules/test_scheduled_tasks_api.py::test_it_lists_none_of_alices_scheduled_tasks_to_charlie
    "scheduled-task-list",
}
# Viewset actions without an id, and how test_isolation.py covers each.
COLLECTION_ACTIONS = {
    "list": "listed",
    "execution_history": "listed",
    "create": "body",
    "bulk_create": "body",
    "import_csv": "body",
    "bulk_approve": "body",
    "bulk_update": "body",
    "bulk_delete": "body",
    "bulk_reject": "body",
    "bulk_publish": "body",
    "import_rules": "body",
    "backtest": "body",  # a draft naming Alice's site: 400 at rule.site (Alice's rule id: 404, tests/rules)
    "test_unsaved": "body",  # integrations/test/: values tested before saving (an `integration` names a password)
    "action_types": "catalog",
    "trigger_types": "catalog",
}


def view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


@dataclass(frozen=True)
class Route:
    chain: tuple  # URLResolver/URLPattern objects from the root URLconf down to the URLPattern

    @property
    def pattern(self) -> URLPattern:
        return self.chain[-1]

    @property
    def callback(self):
        return self.pattern.callback

    @property
    def name(self) -> str:
        return self.pattern.name or ""

    @property
    def text(self) -> str:
        return "".join(str(p.pattern) for p in self.chain)

    @cached_property
    def all_params(self) -> tuple[str, ...]:
        names: list[str] = []
        for p in self.chain:
            names += [n for n in p.pattern.regex.groupindex if n not in names]
        return tuple(names)

    @property
    def params(self) -> tuple[str, ...]:
        """Path parameters other than the format suffix."""
        return tuple(n for n in self.all_params if n != "format")

    @property
    def actions(self) -> dict[str, str]:
        """HTTP method -> viewset action (empty for a plain APIView)."""
        return dict(getattr(self.callback, "actions", None) or {})

    @property
    def methods(self) -> tuple[str, ...]:
        if self.actions:
            return tuple(m for m in METHODS if m in self.actions)
        cls = view_class(self.callback)
        return tuple(m for m in METHODS if cls is not None and hasattr(cls, m))

    @property
    def detail(self) -> bool | None:
        return (getattr(self.callback, "initkwargs", None) or {}).get("detail")

    def url(self, values: dict[str, str]) -> str:
        """The URL with `values` put in for the path parameters (named groups of regex patterns too)."""
        parts = []
        for p in self.chain:
            text = str(p.pattern)
            if isinstance(p.pattern, RoutePattern):
                text = re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: values[m[1]], text)
            else:
                text = text.removeprefix("^").removesuffix("$").removesuffix("/?")
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m[1]], text).replace("\\.", ".")
            parts.append(text)
        return "/" + "".join(parts)

    @property
    def label(self) -> str:
        return self.url({n: f"{{{n}}}" for n in self.all_params})

    @property
    def kind(self) -> str | None:
        cls = view_class(self.callback)
        if self.params:
            return "path"
        if cls is not None and issubclass(cls, SiteView):
            return "site_query"
        if cls is not None and issubclass(cls, RunView):
            return "run_query"
        if self.name in NO_OBJECT_ID:
            return "no_id"
        if self.actions and self.detail is False and set(self.actions.values()) <= set(COLLECTION_ACTIONS):
            return "collection"
        return None

    def model(self):
        """The model a viewset route serves (its get_queryset() for a caller of some account), or None."""
        cls = view_class(self.callback)
        if not self.actions or cls is None:
            return None
        view = cls()
        view.action = next(iter(self.actions.values()))
        view.request = Request(APIRequestFactory().get("/"))
        view.request.user = SimpleNamespace(account_id=0, is_authenticated=True, pk=0)
        view.args, view.kwargs, view.format_kwarg = (), {}, None
        return view.get_queryset().model

    def lookup(self) -> tuple[str, str]:
        """(URL kwarg, model attribute) of a detail viewset route."""
        cls = view_class(self.callback)
        return (cls.lookup_url_kwarg or cls.lookup_field, cls.lookup_field)


def _walk(patterns, chain=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, (*chain, p))
        elif isinstance(p, URLPattern):
            yield Route((*chain, p))


def api_routes() -> list[Route]:
    """Every pattern under /api/v1/ except the `.json`-style format-suffix twins (see `format_twin`)."""
    routes = [r for r in _walk(get_resolver().url_patterns) if r.text.startswith(API_PREFIX)]
    return [r for r in routes if "format" not in r.all_params]


def format_twin(route: Route) -> Route | None:
    """The `<…>.json` twin of a route (same view, same parameters plus the format suffix), if there is one."""
    for other in _walk(get_resolver().url_patterns):
        if (
            other.callback is route.callback
            and "format" in other.all_params
            and other.params == route.params
            and other.text.startswith(API_PREFIX)
        ):
            return other
    return None
