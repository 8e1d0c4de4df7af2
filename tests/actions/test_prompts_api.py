from __future__ import annotations

from actions.ai.models import PromptTemplate
from backend.planner.models import Keyword
from tests.support.fake_openai import FakeOpenAI


def test_it_lists_defaults_and_the_accounts_overrides(api, alice):
    PromptTemplate.objects.create(account=alice.account, function="generate_ideas", template="Ideas for $cluster_name")
    rows = {r["function"]: r for r in api.get("/api/v1/prompts/").json()}
    assert rows["generate_ideas"]["override"] == "Ideas for $cluster_name"
    assert rows["cluster_keywords"]["override"] is None and rows["cluster_keywords"]["default"]
    assert "keywords" in rows["cluster_keywords"]["variables"]


def test_it_rejects_an_unknown_placeholder_naming_the_field(api):
    response = api.put("/api/v1/prompts/generate_ideas/", {"template": "Ideas for $nonsense"}, format="json")
    assert response.status_code == 400 and "template" in response.json()
    assert not PromptTemplate.objects.exists()


def test_it_uses_the_override_in_the_provider_request_and_falls_back_after_delete(api, alice, settings, eager):
    Keyword.objects.create(site=alice.site, text="coffee beans")
    api.put("/api/v1/prompts/cluster_keywords/", {"template": "MARKER-7 group: $keywords"}, format="json")
    rule = api.post(
        "/api/v1/automation/rules/",
        {"name": "c", "site": alice.site.pk, "trigger": {"type": "manual"}, "actions": [{"type": "cluster_keywords"}]},
        format="json",
    ).json()
    with FakeOpenAI() as server:
        settings.AI_PROVIDER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "openai", server.base_url, "sk"
        api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json")
        assert "MARKER-7 group:" in server.requests_to("/v1/chat/completions")[0].prompt
        assert api.delete("/api/v1/prompts/cluster_keywords/").status_code == 204
        Keyword.objects.create(site=alice.site, text="coffee grinder")
        api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json")
        assert "MARKER-7" not in server.requests_to("/v1/chat/completions")[1].prompt


def test_it_shows_the_cost_table(api):
    rows = {r["action"]: r for r in api.get("/api/v1/credits/costs/").json()}
    assert rows["generate_ideas"]["credits"] == "2" and rows["cluster_keywords"]["note"] == "1 per 5 keywords"
