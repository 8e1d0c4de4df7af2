"""No cross-account access: Charlie gets a 404 for each of Alice's ids, on every route and method.

The cases are generated from the URLconf (tests/security/routes.py): every pattern under /api/v1/ with a
path parameter, and every `?site_id=` / `?run_id=` endpoint, is called by Charlie with Alice's id for
each of its methods. A new route this module cannot fill with one of Alice's objects fails here, so
coverage cannot shrink silently; the few parameters that are not an account's id (a webhook token,
an AI function name) are listed in routes.NOT_ACCOUNT_SCOPED and have tests of their own.
"""

from __future__ import annotations

import io
import json
import time
from types import SimpleNamespace

import pytest
from django.apps import apps
from rest_framework.relations import ManyRelatedField, RelatedField

from tests.security.routes import (
    COLLECTION_ACTIONS,
    NO_OBJECT_ID,
    NOT_ACCOUNT_SCOPED,
    Route,
    api_routes,
    format_twin,
    view_class,
)

MARKER = "alice-only-7f3a"  # in a text field of everything Alice owns; never in an answer to Charlie
ROUTES = api_routes()
ID_ROUTES = [r for r in ROUTES if r.kind in ("path", "site_query", "run_query") and r.name not in NOT_ACCOUNT_SCOPED]


def _with_twin(route: Route) -> list[Route | None]:
    """The route itself (None) and its `<…>.json` format-suffix twin, when the router makes one."""
    twin = format_twin(route)
    return [None, twin] if twin else [None]


# (route, method, twin): each of Alice's ids through each route and method (and through a `.json` twin).
ID_CASES = [
    pytest.param(r, m, twin, id=f"{m.upper()} {(twin or r).label}")
    for r in ID_ROUTES
    for twin in _with_twin(r)
    for m in r.methods
]
LIST_CASES = [
    pytest.param(r, id=r.label)
    for r in ROUTES
    if r.kind == "collection" and COLLECTION_ACTIONS.get(r.actions.get("get", "")) == "listed"
]
BODY_CASES = [pytest.param(r, id=f"POST {r.label}") for r in ROUTES if r.kind == "collection" and "post" in r.actions]
NO_ID_GETS = [
    pytest.param(r, twin, id=f"GET {(twin or r).label}")
    for r in ROUTES
    if "get" in r.methods and r.kind in ("no_id", "collection", "site_query", "run_query")
    for twin in (_with_twin(r) if r.kind == "collection" else [None])
]

# Bodies for the POST actions (valid for the owner, so a missing ownership check would show as a change).
ACTION_BODIES = {
    "execute": {"payload": {"who": "charlie"}},
    "test": {"sample": {}},
    "restore": {"version": 1},
    "retry": {"from_start": False},
    "reject": {"note": "charlie was here"},
    "publish": {"post_status": "draft"},
}
QUERY_BODIES = {method: {"is_enabled": True, "ideas_per_cluster": 7} for method in ("put", "post")}
NO_RELATIONS = {"site-list"}  # create routes whose body names no other object
# Query parameters that name another object in list filters.
FILTERS = {
    "site": "accounts.Site",
    "sector": "accounts.Sector",
    "cluster": "planner.Cluster",
    "idea": "planner.ContentIdea",
    "task": "writer.Task",
    "content": "writer.Content",
    "rule": "rules.AutomationRule",
}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Nothing leaves the process: Celery tasks are recorded and dropped, outbound HTTP is refused."""
    from celery.app.task import Task
    from requests.adapters import HTTPAdapter
    from requests.exceptions import ConnectionError as RequestsConnectionError

    def refuse(self, request, *args, **kwargs):
        raise RequestsConnectionError(f"outbound HTTP is off in this test: {request.url}")

    sent: list[str] = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *a, **k: sent.append(self.name) or SimpleNamespace(id="x"))
    monkeypatch.setattr(HTTPAdapter, "send", refuse)
    return sent


class World:
    """Alice's objects of every kind (by model label), plus the runs the query endpoints name."""

    def __init__(self, alice, charlie, capture):
        from django.utils import timezone

        from actions.ai.models import PromptTemplate
        from backend.accounts.models import Sector, Site
        from backend.automation import services as automation
        from backend.integrations.services import integration_create
        from backend.planner.models import Cluster, ContentIdea, Keyword
        from backend.writer.models import Content, Image, Task
        from rules.lifecycle import rule_execute
        from rules.models import EventRecord, RunLog
        from rules.services import rule_create
        from rules.validation import validate_rule

        site = alice.site
        Site.objects.filter(pk=site.pk).update(name=f"Alice Co {MARKER}")
        site.refresh_from_db()
        sector = Sector.objects.create(site=site, name=f"sector {MARKER}")
        cluster = Cluster.objects.create(site=site, name=f"cluster {MARKER}")
        keyword = Keyword.objects.create(site=site, sector=sector, text=f"keyword {MARKER}", cluster=cluster)
        idea = ContentIdea.objects.create(site=site, title=f"idea {MARKER}", cluster=cluster)
        task = Task.objects.create(site=site, title=f"task {MARKER}", idea=idea, cluster=cluster)
        content = Content.objects.create(
            site=site, title=f"content {MARKER}", task=task, html_content="<p>hi</p>", status=Content.Status.REVIEW
        )
        image = Image.objects.create(site=site, content=content, kind="featured", prompt=f"image {MARKER}")
        integration = integration_create(
            site=site,
            kind="wordpress",
            url="http://127.0.0.1:9",
            username=MARKER,
            application_password="abcd efgh ijkl mnop",
        )

        def rule(**fields):
            fields.update(validate_rule({k: fields[k] for k in ("trigger", "actions")}))
            return rule_create(account_id=alice.account.id, user=alice.user, **fields)

        self.rule, _ = rule(
            name=f"rule {MARKER}",
            trigger={"type": "manual"},
            mode="parallel",
            actions=[{"type": "log", "params": {"message": "one"}}, {"type": "log", "params": {"message": "two"}}],
        )
        self.hook_rule, self.hook_secret = rule(
            name=f"hook {MARKER}",
            trigger={"type": "webhook"},
            mode="parallel",
            actions=[{"type": "log", "params": {"message": "hook"}}],
        )
        self.prompt = PromptTemplate.objects.create(
            account=alice.account, function="generate_ideas", template=f"{MARKER} {{cluster_name}}"
        )
        with capture(execute=False):  # runs are created and started; nothing executes
            self.run = rule_execute(rule=self.rule, payload={"who": MARKER}, site_id=site.id).run
            self.pipeline_run = automation.run_now(site=site).run
            self.charlie_run = automation.run_now(site=charlie.site).run
        assert self.run.steps.count() == 2 and self.pipeline_run.steps.exists()
        for run in (self.run, self.pipeline_run):
            RunLog.objects.create(run=run, message=f"log {MARKER}")
        self.config = automation.config_for(site)
        self.site = site
        event = EventRecord.objects.create(  # the journal is written after commit: none in this test's transaction
            account=alice.account, site_id=site.pk, name="keyword.created", object_type="keyword",
            object_id=keyword.pk, object={"id": keyword.pk, "text": f"keyword {MARKER}"}, at=timezone.now(),
        )  # fmt: skip
        owned = [site, sector, cluster, keyword, idea, task, content, image, integration, self.rule, self.run, event]
        self.owned = {type(obj)._meta.label: obj for obj in owned}

    def of(self, model_label: str):
        if model_label not in self.owned:
            pytest.fail(f"Alice has no {model_label}: add one to World so its routes can be checked")
        return self.owned[model_label]

    def url(self, route: Route, twin: Route | None = None) -> str:
        """The route (or its `.json` twin) filled with Alice's id, or a failure naming what is missing."""
        if route.kind in ("site_query", "run_query"):
            value = self.site.pk if route.kind == "site_query" else self.pipeline_run.run_id
            return f"{route.url({})}?{route.kind.removesuffix('_query')}_id={value}"
        model = route.model()
        if route.kind != "path" or model is None:
            pytest.fail(
                f"{route.label}: no way to fill {route.params} with one of Alice's ids; teach "
                "tests/security/routes.py (or allow-list it in NOT_ACCOUNT_SCOPED with a test of its own)"
            )
        kwarg, attribute = route.lookup()
        if set(route.params) != {kwarg}:
            pytest.fail(f"{route.label}: parameters {route.params}, but the view looks objects up by {kwarg!r}")
        values = {kwarg: str(getattr(self.of(model._meta.label), attribute))}
        return twin.url({**values, "format": "json"}) if twin else route.url(values)

    def body(self, route: Route, method: str, owner_client) -> dict:
        if route.kind in ("site_query", "run_query"):
            return QUERY_BODIES.get(method, {})
        if method == "post":
            return ACTION_BODIES.get(route.actions["post"], {})
        if method in ("put", "patch"):
            shown = owner_client.get(self.url(route))
            data = shown.json() if shown.status_code == 200 else {}
            changed = {k: "charlie was here" for k, v in data.items() if isinstance(v, str) and MARKER in v}
            return {**data, **changed} if method == "put" else changed
        return {}


@pytest.fixture
def world(alice, bob, charlie, django_capture_on_commit_callbacks) -> World:
    return World(alice, charlie, django_capture_on_commit_callbacks)


BOOKKEEPING = {"last_used_at", "last_login"}  # the caller's own token and login times may move


def database() -> dict[str, list[dict]]:
    """Every row of every table: what a refused request must leave exactly as it was."""
    return {
        m._meta.label: [
            {k: v for k, v in row.items() if k not in BOOKKEEPING} for row in m.objects.order_by("pk").values()
        ]
        for m in apps.get_models()
    }


def call(client, method: str, url: str, body: dict | None = None):
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, body or {}, format="json")


def text(response) -> str:
    """The body as text, a streamed one (the ledger's CSV) too: read once, kept."""
    if not hasattr(response, "body_text"):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        response.body_text = body.decode(errors="replace")
    return response.body_text


def shown(method: str, url: str, body, response) -> str:
    return f"{method.upper()} {url} body={json.dumps(body)} -> {response.status_code} {text(response)[:400]}"


# --- the generated test ----------------------------------------------------------------------


def test_it_knows_how_to_fill_every_route():
    unknown = [f"{r.label} ({r.name})" for r in ROUTES if r.kind is None]
    assert not unknown, (
        "routes this module cannot call with another account's id; teach tests/security/routes.py "
        f"about them: {unknown}"
    )
    names = {r.name for r in ROUTES}
    assert not (set(NOT_ACCOUNT_SCOPED) | NO_OBJECT_ID) - names, "allow-listed routes that no longer exist"
    assert len(ID_CASES) >= 60, f"only {len(ID_CASES)} (route, method) cases: the URLconf walk lost routes"


@pytest.mark.parametrize(("route", "method", "twin"), ID_CASES)
def test_it_answers_404_to_another_accounts_id(route, method, twin, world, alice, bob, charlie):
    url = world.url(route, twin)
    body = world.body(route, method, alice.client())
    before = database()
    response = call(charlie.client(), method, url, body)
    assert response.status_code == 404, "Charlie did not get a 404: " + shown(method, url, body, response)
    assert MARKER not in text(response), "Charlie saw Alice's data: " + shown(method, url, body, response)
    assert database() == before, f"{method.upper()} {url} as Charlie changed the database"
    # The control: Bob, on Alice's team, reaches the same object through the same URL and body.
    response = call(bob.client(), method, url, body)
    assert response.status_code != 404 and response.status_code < 500, "teammate: " + shown(method, url, body, response)


# --- lists and routes without ids -----------------------------------------------------------------


LISTED_MODELS = {"execution_history": "rules.AutomationRun"}  # list actions serving another model than their viewset


def _ids(data, key: str) -> set[str]:
    rows = data.get("results", data) if isinstance(data, dict) else data
    return {str(row[key]) for row in rows if isinstance(row, dict) and key in row}


@pytest.mark.parametrize("route", LIST_CASES)
def test_it_lists_none_of_another_accounts_objects(route, world, bob, charlie):
    model = LISTED_MODELS.get(route.actions["get"]) or route.model()._meta.label
    attribute = "run_id" if model == "rules.AutomationRun" else "pk"
    key = "id" if attribute == "pk" else attribute
    alices = str(getattr(world.of(model), attribute))
    urls = [route.url({})] + [f"{route.url({})}?{name}={world.of(label).pk}" for name, label in FILTERS.items()]
    for url in urls:
        response = charlie.client().get(url)
        assert response.status_code in (200, 400), shown("get", url, None, response)
        assert MARKER not in text(response), "Charlie saw Alice's data: " + shown("get", url, None, response)
        if response.status_code == 200:
            assert alices not in _ids(response.json(), key), shown("get", url, None, response)
    teammate = bob.client().get(route.url({}))
    assert teammate.status_code == 200 and alices in _ids(teammate.json(), key), "the control: Bob sees Alice's object"


@pytest.mark.parametrize(("route", "twin"), NO_ID_GETS)
def test_it_shows_charlie_nothing_of_alice_without_ids(route, twin, world, charlie):
    """Lists, catalogs, the caller's profile and credits, and the query endpoints on Charlie's own site and run."""
    query = {"site_query": f"?site_id={charlie.site.pk}", "run_query": f"?run_id={world.charlie_run.run_id}"}
    url = (twin.url({"format": "json"}) if twin else route.url({})) + query.get(route.kind, "")
    response = charlie.client().get(url)
    assert response.status_code < 500, shown("get", url, None, response)
    assert MARKER not in text(response), "Charlie saw Alice's data: " + shown("get", url, None, response)


# --- ids of Alice's objects inside Charlie's request bodies ----------------------------------------


INTEGRATION = "integrations.Integration"
MANUAL_LOG = {"trigger": {"type": "manual"}, "actions": [{"type": "log", "params": {"message": "m"}}]}


def _reference_bodies(route: Route, world: World) -> list[tuple[str, dict]]:
    """(field, body) pairs naming one of Alice's objects, for each relation the route's serializer accepts."""
    action = route.actions["post"]
    site, content = world.site.pk, world.of("writer.Content").pk
    explicit = {
        "bulk_create": [("site", {"site": site, "keywords": [{"text": "charlie"}]})],
        "import_csv": [("site", {"site": site})],
        "bulk_approve": [("ids", {"ids": [content]})],
        "bulk_update": [("ids", {"ids": [world.of("planner.Keyword").pk], "disabled": True})],
        "bulk_delete": [("ids", {"ids": [world.of("planner.Keyword").pk]})],
        "bulk_reject": [("ids", {"ids": [content], "note": "charlie"})],
        "bulk_publish": [("ids", {"ids": [content]})],
        "import_rules": [("rules.0.site", {"rules": [{"name": "mine", "site": site, **MANUAL_LOG}]})],
        "backtest": [
            ("rule.site", {"rule": {"name": "mine", "site": site, **MANUAL_LOG}, "since": "2026-01-01T00:00Z"})
        ],
        "test_unsaved": [
            ("integration", {"url": "https://x.example.com", "username": "c", "integration": world.of(INTEGRATION).pk})
        ],
    }
    if action in explicit:
        return explicit[action]
    assert action == "create", f"{route.label}: add the bodies for POST {action} to _reference_bodies"
    view = view_class(route.callback)(action="create", request=None, format_kwarg=None)
    pairs = []
    for name, field in view.get_serializer_class()().fields.items():
        related = field.child_relation if isinstance(field, ManyRelatedField) else field
        if field.read_only or not isinstance(related, RelatedField) or related.queryset is None:
            continue
        label = related.queryset.model._meta.label
        if label in world.owned:
            pk = world.owned[label].pk
            pairs.append((name, {name: [pk] if isinstance(field, ManyRelatedField) else pk}))
    return pairs


@pytest.mark.parametrize("route", BODY_CASES)
def test_it_refuses_another_accounts_ids_in_a_body(route, world, charlie):
    pairs = _reference_bodies(route, world)
    if not pairs:
        assert route.name in NO_RELATIONS, f"{route.label}: its serializer names none of Alice's kinds of object"
    for field, body in pairs:
        before = database()
        if route.actions["post"] == "import_csv":
            body = {**body, "file": io.BytesIO(b"keyword\ncharlie\n")}
            response = charlie.client().post(route.url({}), body, format="multipart")
        else:
            response = charlie.client().post(route.url({}), body, format="json")
        assert response.status_code == 400 and field in response.json(), shown(
            "post", route.url({}), str(body), response
        )
        assert MARKER not in text(response)
        assert database() == before


def test_it_refuses_to_run_charlies_rule_on_alices_site(world, alice, charlie):
    from rules.services import rule_create
    from rules.validation import validate_rule

    fields = validate_rule({"trigger": {"type": "manual"}, "actions": [{"type": "log", "params": {"message": "x"}}]})
    rule, _ = rule_create(account_id=charlie.account.id, name="charlie's", mode="parallel", **fields)
    before = database()
    response = charlie.client().post(
        f"/api/v1/automation/rules/{rule.pk}/execute/", {"site": alice.site.pk}, format="json"
    )
    assert response.status_code == 400 and "site" in response.json(), text(response)
    assert database() == before


def test_it_refuses_to_test_charlies_rule_against_alices_object(world, charlie):
    from rules.services import rule_create
    from rules.validation import validate_rule

    fields = validate_rule(
        {
            "trigger": {"type": "event", "event": "keyword.created"},
            "actions": [{"type": "log", "params": {"message": "x"}}],
        }
    )
    rule, _ = rule_create(account_id=charlie.account.id, name="charlie's", mode="parallel", **fields)
    keyword = world.of("planner.Keyword")
    response = charlie.client().post(
        f"/api/v1/automation/rules/{rule.pk}/test/", {"object_id": keyword.pk}, format="json"
    )
    assert response.status_code == 400 and "object_id" in response.json(), text(response)
    assert MARKER not in text(response)


def test_it_refuses_to_move_charlies_objects_onto_alices(world, charlie):
    from backend.planner.models import Keyword

    mine = Keyword.objects.create(site=charlie.site, text="charlie's")
    for field, value in (
        ("cluster", world.of("planner.Cluster").pk),
        ("sector", world.of("accounts.Sector").pk),
        ("site", world.site.pk),
    ):
        response = charlie.client().patch(f"/api/v1/keywords/{mine.pk}/", {field: value}, format="json")
        assert response.status_code == 400 and field in response.json(), text(response)
    mine.refresh_from_db()
    assert (mine.site_id, mine.cluster_id, mine.sector_id) == (charlie.site.pk, None, None)


# --- parameters that are not an account's id --------------------------------------------------------


def test_it_answers_a_hook_only_with_its_token_and_signature(world, charlie):
    from rest_framework.test import APIClient

    from rules.models import AutomationRun

    token = world.hook_rule.webhook_token
    runs = AutomationRun.objects.count()
    raw, now = b"{}", str(int(time.time()))
    for client in (APIClient(), charlie.client()):  # unauthenticated by design: a token header changes nothing
        unknown = client.post(
            "/api/v1/automation/hooks/no-such-token/",
            raw,
            content_type="application/json",
            HTTP_X_IGNY8_TIMESTAMP=now,
            HTTP_X_IGNY8_SIGNATURE="sha256=" + "0" * 64,
        )
        assert unknown.status_code == 404, text(unknown)
        bad = client.post(
            f"/api/v1/automation/hooks/{token}/",
            raw,
            content_type="application/json",
            HTTP_X_IGNY8_TIMESTAMP=now,
            HTTP_X_IGNY8_SIGNATURE="sha256=" + "0" * 64,
        )
        assert bad.status_code == 401, text(bad)
        unsigned = client.post(f"/api/v1/automation/hooks/{token}/", raw, content_type="application/json")
        assert unsigned.status_code == 401, text(unsigned)
        for response in (unknown, bad, unsigned):
            assert MARKER not in text(response)
    assert AutomationRun.objects.count() == runs


def test_it_keeps_prompt_overrides_per_account(world, alice, charlie):
    from actions.ai.models import PromptTemplate

    url = "/api/v1/prompts/generate_ideas/"
    client = charlie.client()
    assert client.get(url).json()["override"] is None
    assert MARKER not in text(client.get("/api/v1/prompts/"))
    put = client.put(url, {"template": "charlie's {cluster_name}"}, format="json")
    assert put.status_code == 200 and put.json()["override"] == "charlie's {cluster_name}"
    alices = PromptTemplate.objects.get(account=alice.account, function="generate_ideas")
    assert alices.template == world.prompt.template
    assert PromptTemplate.objects.filter(account=charlie.account, function="generate_ideas").exists()
    assert client.delete(url).status_code == 204
    assert not PromptTemplate.objects.filter(account=charlie.account).exists()
    assert alice.client().get(url).json()["override"] == world.prompt.template
