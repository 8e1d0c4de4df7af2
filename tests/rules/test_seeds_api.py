"""The seeds' API client (automation.api.ts) unchanged: execute with `context`, the progress poll, action types
with `params`, and rules written with the seeds' parameter names (aliases) that run and do what they say."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.app.task import Task as CeleryTask
from django.core.files.base import ContentFile

from actions.ai.models import AICall
from backend.accounts.models import Sector, Site
from backend.integrations.models import Integration, PublishedPost
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task
from rules import executor, lifecycle
from rules.models import AutomationRule, AutomationRun
from tests.support.fake_openai import FakeOpenAI
from tests.support.wordpress import WordPressSite, wordpress  # noqa: F401

RULES = "/api/v1/automation/rules/"
SEEDS_PARAMS = {  # the seeds' action-types table
    "cluster_keywords": ["keyword_ids", "sector_id"],
    "generate_ideas": ["cluster_ids"],
    "generate_content": ["task_ids"],
    "generate_images": ["content_id", "provider"],
    "optimize_content": ["content_ids"],
    "publish_to_wordpress": ["content_ids", "integration_id"],
}


@pytest.fixture(autouse=True)
def local_provider(settings, tmp_path):
    settings.AI_PROVIDER = "local"
    settings.MEDIA_ROOT = str(tmp_path / "media")


def rule(client, actions: list[dict], **extra) -> dict:
    body = {"name": "seeds", "trigger": {"type": "manual"}, "mode": "parallel", "actions": actions, **extra}
    response = client.post(RULES, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def run_rule(client, site, actions: list[dict]) -> AutomationRun:
    """Save a rule on the site with these steps, execute it the seeds' way, return the finished run."""
    created = rule(client, actions, site=site.pk)
    started = client.post(f"{RULES}{created['id']}/execute/", {"context": {}}, format="json")
    assert started.status_code == 202, started.json()
    return AutomationRun.objects.get(run_id=started.json()["run_id"])


# --- execute with `context` ------------------------------------------------------------------------


def test_it_executes_with_the_seeds_context_as_the_payload(api, alice, eager):
    created = rule(api, [{"type": "log", "params": {"message": "hi {payload.who}"}}])
    started = api.post(f"{RULES}{created['id']}/execute/", {"context": {"who": "seeds"}}, format="json")
    assert started.status_code == 202, started.json()
    run = AutomationRun.objects.get(run_id=started.json()["run_id"])
    assert run.trigger_payload == {"payload": {"who": "seeds"}} and run.status == "completed"
    null = api.post(f"{RULES}{created['id']}/execute/", {"context": None, "site": alice.site.pk}, format="json")
    assert null.status_code == 202, null.json()
    run = AutomationRun.objects.get(run_id=null.json()["run_id"])
    assert run.trigger_payload == {"payload": {}} and run.site_id == alice.site.pk  # `site` still works


def test_it_refuses_context_and_payload_together_and_starts_nothing(api):
    created = rule(api, [{"type": "log", "params": {"message": "m"}}])
    both = api.post(f"{RULES}{created['id']}/execute/", {"context": {"a": 1}, "payload": {"a": 1}}, format="json")
    assert both.status_code == 400 and "payload" in both.json()["context"][0]
    wrong = api.post(f"{RULES}{created['id']}/execute/", {"context": [1]}, format="json")
    assert wrong.status_code == 400 and wrong.json()["context"] == ["must be a JSON object"]
    assert not AutomationRun.objects.exists()


# --- the progress poll ---------------------------------------------------------------------------------


def test_it_answers_idle_progress_without_an_active_run(api, eager):
    created = rule(api, [{"type": "log", "params": {"message": "m"}}])
    never = api.get(f"{RULES}{created['id']}/progress/")
    assert never.status_code == 200 and never.json() == {"status": "idle"}
    assert api.post(f"{RULES}{created['id']}/execute/", {}, format="json").status_code == 202
    assert AutomationRun.objects.get().status == "completed"
    assert api.get(f"{RULES}{created['id']}/progress/").json() == {"status": "idle"}


def test_it_reports_status_progress_phase_and_results_of_the_active_run(api, eager):
    created = rule(
        api,
        [
            {"type": "log", "params": {"message": "first"}},
            {"type": "test_charge", "params": {"items": 4, "cost": 1, "pause_run_after": 2}},
            {"type": "log", "params": {"message": "last"}},
        ],
    )
    run_id = api.post(f"{RULES}{created['id']}/execute/", {}, format="json").json()["run_id"]
    body = api.get(f"{RULES}{created['id']}/progress/").json()
    assert (body["status"], body["run_id"]) == ("paused", run_id)  # paused by the step after 2 of 4 items
    assert body["progress"] == 33 and body["phase"] == "step 2 (test_charge)"
    assert [(r["step"], r["action_type"], r["status"]) for r in body["result"]][0] == (1, "log", "completed")
    lifecycle.run_resume(AutomationRun.objects.get(run_id=run_id))
    assert api.get(f"{RULES}{created['id']}/progress/").json() == {"status": "idle"}


def test_it_names_the_pipeline_stage_in_the_phase(alice, api, transactional_db, monkeypatch):
    sent: list = []  # step tasks are recorded, not run: this test runs the first three stages itself
    monkeypatch.setattr(CeleryTask, "apply_async", lambda self, *a, **k: sent.append(a) or SimpleNamespace(id="x"))
    no_wait = api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", {"between_stage_delay": 0}, format="json")
    assert no_wait.status_code == 200, no_wait.json()
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    run = AutomationRun.objects.get(run_id=run_id)
    url = f"{RULES}{run.rule_id}/progress/"
    assert api.get(url).json()["phase"] == "stage 1 (cluster_keywords)"
    for index in range(3):  # nothing to do on an empty site: each stage finishes at once
        executor.execute_step(run.steps.get(index=index).pk)
    body = api.get(url).json()
    assert body["status"] == "running" and body["phase"] == "stage 4 (generate_content)"
    assert body["progress"] == 42 and [r["step"] for r in body["result"]] == [1, 2, 3]  # 3 of 7 stages done


# --- action types ------------------------------------------------------------------------------------


def test_it_lists_each_action_types_param_names_with_the_seeds_aliases(api):
    types = {t["type"]: t for t in api.get(f"{RULES}action-types/").json()}
    for action_type, names in SEEDS_PARAMS.items():
        params = types[action_type]["params"]
        assert set(names) <= set(params), (action_type, params)
        assert set(types[action_type]["params_schema"]["properties"]) <= set(params)
    assert types["log"]["params"] == list(types["log"]["params_schema"]["properties"])
    assert "integration_id" not in types["optimize_content"]["params"]


# --- the seeds' parameter names at save ----------------------------------------------------------------


def test_it_stores_the_seeds_names_under_the_canonical_params(api):
    created = rule(api, [{"type": "generate_content", "params": {"task_ids": [3, 4]}}])
    assert created["actions"][0]["params"] == {"ids": [3, 4]}
    assert AutomationRule.objects.get(pk=created["id"]).actions[0]["params"] == {"ids": [3, 4]}


@pytest.mark.parametrize(
    ("step", "path", "says"),
    [
        ({"type": "generate_content", "params": {"task_ids": [1], "ids": [2]}}, "task_ids", "give one of them"),
        ({"type": "generate_content", "params": {"task_ids": ["x"]}}, "task_ids.0", "must be a whole number"),
        ({"type": "cluster_keywords", "params": {"keyword_ids": "1,2"}}, "keyword_ids", "must be a list"),
        ({"type": "generate_images", "params": {"provider": "dall-e"}}, "provider", "must be one of"),
        ({"type": "generate_images", "params": {"content_id": 0}}, "content_id", "must be at least 1"),
        ({"type": "optimize_content", "params": {"integration_id": 1}}, "integration_id", "publishes nothing"),
        ({"type": "publish_to_wordpress", "params": {"integration_id": "7"}}, "integration_id", "a whole number"),
    ],
)
def test_it_refuses_bad_seeds_params_at_the_path_the_client_sent(api, step, path, says):
    before = AutomationRule.objects.count()
    body = {"name": "bad", "trigger": {"type": "manual"}, "actions": [step]}
    response = api.post(RULES, body, format="json")
    errors = response.json()
    assert response.status_code == 400 and says in " ".join(errors.get(f"actions.0.params.{path}", [])), errors
    assert AutomationRule.objects.count() == before


# --- rules with the seeds' names run and do what they say --------------------------------------------------


def test_it_clusters_only_the_named_keywords(alice, api, eager):
    keywords = [Keyword.objects.create(site=alice.site, text=f"coffee grinder {i}") for i in range(4)]
    run = run_rule(
        api, alice.site, [{"type": "cluster_keywords", "params": {"keyword_ids": [k.pk for k in keywords[:2]]}}]
    )
    assert run.status == "completed"
    assert set(Keyword.objects.filter(status="mapped").values_list("pk", flat=True)) == {k.pk for k in keywords[:2]}


def test_it_clusters_only_the_keywords_of_the_sector(alice, api, eager):
    coffee, tea = (Sector.objects.create(site=alice.site, name=name) for name in ("coffee", "tea"))
    for i in range(3):
        Keyword.objects.create(site=alice.site, sector=coffee, text=f"coffee beans {i}")
        Keyword.objects.create(site=alice.site, sector=tea, text=f"green tea {i}")
    run = run_rule(api, alice.site, [{"type": "cluster_keywords", "params": {"sector_id": coffee.pk, "drain": True}}])
    assert run.status == "completed" and run.steps.get().input_count == 3
    assert set(Keyword.objects.filter(status="mapped").values_list("sector_id", flat=True)) == {coffee.pk}
    assert Keyword.objects.filter(sector=tea, status="new").count() == 3


def test_it_fails_a_step_naming_another_accounts_sector_like_a_missing_one(alice, charlie, eager):
    alices = Sector.objects.create(site=alice.site, name="alice's")
    Keyword.objects.create(site=charlie.site, text="charlie's keyword")
    errors = []
    for sector_id in (alices.pk, 9_000_000):
        run = run_rule(
            charlie.client(), charlie.site, [{"type": "cluster_keywords", "params": {"sector_id": sector_id}}]
        )
        step = run.steps.get()
        assert run.status == "failed" and step.error_kind == "permanent"
        errors.append(step.error.replace(f"sector_id {sector_id}:", "sector_id N:"))
    assert errors[0] == errors[1] and "no such sector" in errors[0]


def test_it_generates_ideas_for_the_named_clusters_only(alice, api, eager):
    named, other = (Cluster.objects.create(site=alice.site, name=name) for name in ("Cold brew", "Espresso"))
    run = run_rule(api, alice.site, [{"type": "generate_ideas", "params": {"cluster_ids": [named.pk]}}])
    assert run.status == "completed"
    assert ContentIdea.objects.filter(cluster=named).exists() and not ContentIdea.objects.filter(cluster=other).exists()


def test_it_writes_content_for_the_named_task_only(alice, api, eager):
    named, other = (Task.objects.create(site=alice.site, title=title) for title in ("Cold brew", "Espresso"))
    run = run_rule(api, alice.site, [{"type": "generate_content", "params": {"task_ids": [named.pk]}}])
    assert run.status == "completed"
    assert Content.objects.filter(task=named).exists() and not Content.objects.filter(task=other).exists()
    other.refresh_from_db()
    assert other.status == "queued"


def _with_pending_images(site, title: str, count: int) -> Content:
    content = Content.objects.create(site=site, title=title, html_content="<p>x</p>")
    for position in range(count):
        Image.objects.create(
            site=site, content=content, kind="in_article", position=position, prompt=f"{title} {position}"
        )
    return content


def test_it_generates_every_pending_image_of_the_content_with_the_chosen_provider(alice, api, eager, settings):
    named, other = _with_pending_images(alice.site, "Cold brew", 3), _with_pending_images(alice.site, "Espresso", 2)
    with FakeOpenAI() as server:
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = server.base_url, "sk-test"
        params = {"content_id": named.pk, "provider": "openai"}
        run = run_rule(api, alice.site, [{"type": "generate_images", "params": params}])
    assert run.status == "completed", run.error_message
    assert set(Image.objects.filter(content=named).values_list("status", flat=True)) == {"generated"}
    assert set(Image.objects.filter(content=other).values_list("status", flat=True)) == {"pending"}
    assert len(server.requests_to("/v1/images/generations")) == 3  # OpenAI, though AI_PROVIDER is local
    assert set(AICall.objects.values_list("provider", flat=True)) == {"openai"}


def test_it_fails_a_step_naming_another_accounts_content_for_images(alice, charlie, eager):
    alices = _with_pending_images(alice.site, "Alice's", 1)
    _with_pending_images(charlie.site, "Charlie's", 1)
    run = run_rule(charlie.client(), charlie.site, [{"type": "generate_images", "params": {"content_id": alices.pk}}])
    assert run.status == "failed" and "no such content" in run.steps.get().error
    assert Image.objects.get(content=alices).status == "pending"


def test_it_optimises_the_named_content_only(alice, api, eager):
    named, other = (
        Content.objects.create(site=alice.site, title=title, html_content="<p>coffee</p>") for title in ("A", "B")
    )
    run = run_rule(api, alice.site, [{"type": "optimize_content", "params": {"content_ids": [named.pk]}}])
    assert run.status == "completed"
    named.refresh_from_db(), other.refresh_from_db()
    assert named.seo_score is not None and other.seo_score is None


def test_it_fails_a_step_naming_another_accounts_integration_like_a_missing_one(alice, charlie, eager):
    alices = Integration.objects.create(
        site=alice.site, url="http://127.0.0.1:9", username="alice", application_password="abcd efgh ijkl mnop"
    )
    Content.objects.create(site=charlie.site, title="Charlie's", status="approved", html_content="<p>x</p>")
    errors = []
    for integration_id in (alices.pk, 9_000_000):
        params = {"integration_id": integration_id}
        run = run_rule(charlie.client(), charlie.site, [{"type": "publish_to_wordpress", "params": params}])
        step = run.steps.get()
        assert run.status == "failed" and step.error_kind == "permanent"
        errors.append(step.error.replace(f"integration_id {integration_id}:", "integration_id N:"))
    assert errors[0] == errors[1] and "no active WordPress integration" in errors[0]
    assert not PublishedPost.objects.exists()


@pytest.mark.wordpress
@pytest.mark.usefixtures("allow_loopback_outbound")
def test_it_publishes_the_named_content_through_the_chosen_integration(alice, api, eager, wordpress):  # noqa: F811
    wp: WordPressSite = wordpress
    elsewhere = Site.objects.create(account=alice.account, name="Alice's blog", domain="blog.example.com")
    chosen = Integration.objects.create(
        site=elsewhere, url=wp.url, username=wp.username, application_password=wp.application_password
    )
    named, other = (
        Content.objects.create(site=alice.site, title=f"Seeds {t}", status="approved", html_content="<p>x</p>")
        for t in ("named", "other")
    )
    cover = Image(site=alice.site, content=named, kind="featured", status="generated", prompt="cover")
    cover.file.save("cover.png", ContentFile(_png()))
    params = {"content_ids": [named.pk], "integration_id": chosen.pk}
    run = run_rule(api, alice.site, [{"type": "publish_to_wordpress", "params": params}])
    assert run.status == "completed", run.error_message  # alice.site has no integration of its own
    named.refresh_from_db(), other.refresh_from_db()
    assert named.status == "published" and other.status == "approved"
    assert PublishedPost.objects.get().integration == chosen


def _png() -> bytes:
    import io

    from PIL import Image as PillowImage

    buffer = io.BytesIO()
    PillowImage.new("RGB", (32, 32), (200, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()
