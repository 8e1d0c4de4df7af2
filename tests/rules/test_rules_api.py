"""The rules API: create, validate, version, catalogs, test endpoint, tenancy."""

from __future__ import annotations

import pytest

from backend.planner.models import Keyword
from rules.models import AutomationRule

BIG_KEYWORDS = {
    "name": "Big keywords",
    "is_active": True,
    "mode": "queued",
    "trigger": {"type": "event", "event": "keyword.created"},
    "conditions": {">": [{"var": "object.volume"}, 1000]},
    "actions": [
        {"type": "log", "params": {"message": "big keyword"}},
        {"type": "webhook", "params": {"url": "http://127.0.0.1:9000/hook"}, "on_error": "continue"},
    ],
}


def test_it_creates_the_rule_of_the_issue(alice, api):
    response = api.post("/api/v1/automation/rules/", {**BIG_KEYWORDS, "site": alice.site.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["trigger_summary"] == "on keyword.created"
    assert body["conditions"] == {">": [{"var": "object.volume"}, 1000]}
    assert [a["type"] for a in body["actions"]] == ["log", "webhook"]
    assert body["actions"][1]["on_error"] == "continue"


def test_it_stores_the_seed_list_form_as_jsonlogic(alice, api):
    rule = {
        **BIG_KEYWORDS,
        "conditions": [
            {"field": "object.volume", "operator": "greater_than", "value": 1000},
            {"field": "object.intent", "operator": "in", "value": ["commercial", "transactional"]},
        ],
    }
    body = api.post("/api/v1/automation/rules/", rule, format="json").json()
    assert body["conditions"] == {
        "and": [
            {">": [{"var": "object.volume"}, 1000]},
            {"in": [{"var": "object.intent"}, ["commercial", "transactional"]]},
        ]
    }


@pytest.mark.parametrize(
    "change,path,fragment",
    [
        ({"actions": [{"type": "teleport", "params": {}}]}, "actions.0.type", "unknown action type 'teleport'"),
        ({"actions": [{"type": "webhook", "params": {"url": 5}}]}, "actions.0.params.url", "must be text"),
        (
            {"actions": [{"type": "log", "params": {"message": "x", "colour": "red"}}]},
            "actions.0.params.colour",
            "unknown param",
        ),
        (
            {"actions": [{"type": "log", "params": {"message": "x"}, "retry": {"max": 99}}]},
            "actions.0.retry.max",
            "0 to 10",
        ),
        ({"conditions": {"frobnicate": [1, 2]}}, "conditions", "conditions/frobnicate"),
        ({"conditions": {">": [1]}}, "conditions", "conditions/>"),
        ({"trigger": {"type": "schedule", "cron": "0 2 * *", "timezone": "UTC"}}, "trigger.cron", "5 fields"),
        ({"trigger": {"type": "schedule", "cron": "0 2 * * *", "timezone": "Mars/Base"}}, "trigger.timezone", "Mars"),
        ({"trigger": {"type": "event", "event": "keyword.exploded"}}, "trigger.event", "unknown event"),
        ({"trigger": {"type": "event", "event": "keyword.updated", "fields": ["colour"]}}, "trigger.fields", "colour"),
        ({"trigger": {"type": "sometimes"}}, "trigger.type", "must be one of"),
        ({"mode": "whenever"}, "mode", ""),
        ({"actions": [{"id": "Bad Id", "type": "log", "params": {"message": "x"}}]}, "actions.0.id", "lower-case"),
        (
            {
                "actions": [
                    {"type": "log", "params": {"message": "x"}},
                    {"id": "step-1", "type": "delay", "params": {"seconds": 1}},
                ]
            },
            "actions.1.id",
            "'step-1' is the id of another step",
        ),
    ],
)
def test_it_rejects_bad_rules_naming_the_path_and_saves_nothing(api, change, path, fragment):
    response = api.post("/api/v1/automation/rules/", {**BIG_KEYWORDS, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert path in body, body
    assert fragment in " ".join(body[path]), body[path]
    assert not AutomationRule.objects.filter(preset_key="").exists()  # only the site's preset rule


def test_it_bumps_the_version_on_every_change_and_restores(alice, api):
    rule = api.post("/api/v1/automation/rules/", BIG_KEYWORDS, format="json").json()
    url = f"/api/v1/automation/rules/{rule['id']}/"
    assert api.patch(url, {"name": "Huge keywords"}, format="json").json()["version"] == 2
    assert api.patch(url, {"name": "Huge keywords"}, format="json").json()["version"] == 2  # no change, no bump
    api.patch(url, {"conditions": {">": [{"var": "object.volume"}, 5000]}}, format="json")
    versions = api.get(url + "versions/").json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    restored = api.post(url + "restore/", {"version": 1}, format="json").json()
    assert restored["version"] == 4 and restored["name"] == "Big keywords"
    assert restored["conditions"] == {">": [{"var": "object.volume"}, 1000]}


def test_it_describes_a_schedule_with_the_next_five_fire_times(api):
    rule = {**BIG_KEYWORDS, "trigger": {"type": "schedule", "cron": "0 2 * * *", "timezone": "Europe/Berlin"}}
    body = api.post("/api/v1/automation/rules/", rule, format="json").json()
    assert body["schedule"]["description"] == "At 02:00 AM"
    times = body["schedule"]["next_fire_times"]
    assert len(times) == 5 and all("T02:00:00+0" in t for t in times)
    assert body["next_run_at"] is not None


def test_it_shows_the_webhook_secret_once(api):
    body = api.post("/api/v1/automation/rules/", {**BIG_KEYWORDS, "trigger": {"type": "webhook"}}, format="json").json()
    rule = AutomationRule.objects.get(pk=body["id"])
    assert body["webhook_url"].endswith(f"/api/v1/automation/hooks/{rule.webhook_token}/")
    assert len(body["webhook_secret"]) > 30
    again = api.get(f"/api/v1/automation/rules/{body['id']}/").json()
    assert "webhook_secret" not in again
    stored = AutomationRule.objects.values_list("webhook_secret", flat=True).get(pk=body["id"])
    assert stored == body["webhook_secret"]  # decrypted in Python …
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM rules_automationrule WHERE id = %s", [body["id"]])
        assert cursor.fetchone()[0] != body["webhook_secret"]  # … ciphertext at rest


def test_it_lists_the_action_and_trigger_catalogs(api):
    actions = {a["type"]: a for a in api.get("/api/v1/automation/rules/action-types/").json()}
    assert {"log", "webhook", "update_fields", "notify", "emit_event", "delay"} <= set(actions)
    assert actions["webhook"]["params_schema"]["required"] == ["url"]
    events = {e["name"]: e for e in api.get("/api/v1/automation/rules/trigger-types/").json()["events"]}
    assert {"keyword.created", "content.status_changed", "run.completed", "run.failed"} <= set(events)
    assert "object.volume" in events["keyword.created"]["fields"]


def test_it_tests_conditions_against_a_sample_with_a_trace(api):
    rule = api.post("/api/v1/automation/rules/", BIG_KEYWORDS, format="json").json()
    url = f"/api/v1/automation/rules/{rule['id']}/test/"
    yes = api.post(url, {"sample": {"object": {"volume": 2000}}}, format="json").json()
    assert yes["result"] is True and yes["error"] is None
    assert yes["trace"][0]["op"] == ">" and yes["trace"][0]["args"] == [2000, 1000]
    no = api.post(url, {"sample": {"object": {"volume": 10}}}, format="json").json()
    assert no["result"] is False
    broken = api.post(url, {"sample": {"object": {}}}, format="json").json()
    assert broken["result"] is False and "object.volume" in broken["error"]["message"]


def test_it_tests_conditions_against_a_real_object(alice, api):
    keyword = Keyword.objects.create(site=alice.site, text="cold brew", volume=2400)
    rule = api.post("/api/v1/automation/rules/", BIG_KEYWORDS, format="json").json()
    body = api.post(f"/api/v1/automation/rules/{rule['id']}/test/", {"object_id": keyword.pk}, format="json").json()
    assert body["result"] is True and body["context"]["object"]["text"] == "cold brew"


def test_it_hides_another_accounts_rules(alice, api, charlie):
    rule = api.post("/api/v1/automation/rules/", BIG_KEYWORDS, format="json").json()
    client = charlie.client()
    for method, suffix in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "execute/"),
        ("post", "test/"),
        ("get", "versions/"),
        ("post", "duplicate/"),
    ]:
        response = getattr(client, method)(f"/api/v1/automation/rules/{rule['id']}/{suffix}", {}, format="json")
        assert response.status_code == 404, (method, suffix)
    listed = client.get("/api/v1/automation/rules/").json()["results"]
    assert [r["preset_key"] for r in listed] == ["seven_stage"]  # only Charlie's own preset


def test_it_reports_field_and_rule_errors_in_one_answer(api):
    response = api.post(
        "/api/v1/automation/rules/",
        {**BIG_KEYWORDS, "name": "", "trigger": {"type": "schedule", "cron": "61 * * * *"}},
        format="json",
    )
    assert response.status_code == 400 and {"name", "trigger.cron"} <= set(response.json())


def test_it_types_the_fields_each_event_carries(api):
    events = {e["name"]: e for e in api.get("/api/v1/automation/rules/trigger-types/").json()["events"]}
    types = events["keyword.created"]["field_types"]
    assert (types["object.volume"], types["object.text"], types["object.disabled"]) == ("integer", "string", "boolean")
    assert events["run.failed"]["field_types"]["object.total_credits_used"] == "number"


def test_it_answers_idle_for_the_progress_of_a_rule_that_never_ran(api):
    rule = api.post("/api/v1/automation/rules/", BIG_KEYWORDS, format="json").json()
    response = api.get(f"/api/v1/automation/rules/{rule['id']}/progress/")
    assert response.status_code == 200 and response.json() == {"status": "idle"}  # the seeds' get_progress


def test_it_addresses_run_steps_by_their_id_and_path(api, django_capture_on_commit_callbacks):
    actions = [
        {"id": "announce", "type": "log", "params": {"message": "a"}},
        {"type": "log", "params": {"message": "b"}},
    ]
    rule = api.post("/api/v1/automation/rules/", {**BIG_KEYWORDS, "actions": actions}, format="json").json()
    assert rule["actions"][0]["id"] == "announce"
    with django_capture_on_commit_callbacks(execute=False):
        run_id = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json").json()["run_id"]
    steps = api.get(f"/api/v1/automation/executions/{run_id}/").json()["steps"]
    assert [(s["index"], s["key"], s["path"]) for s in steps] == [
        (0, "announce", "actions/0"),
        (1, "step-2", "actions/1"),
    ]
