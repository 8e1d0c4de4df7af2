from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from rules.lifecycle import rule_execute
from rules.models import AutomationRun
from rules.retention import history_prune


def _rule(api, **extra):
    body = {"name": "r", "trigger": {"type": "manual"}, "actions": [{"type": "log", "params": {"message": "m"}}]}
    return api.post("/api/v1/automation/rules/", {**body, **extra}, format="json").json()


def test_it_executes_a_rule_and_shows_the_run_with_steps_and_log(api, eager):
    rule = _rule(api)
    started = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {"payload": {"a": 1}}, format="json")
    assert started.status_code == 202
    run_id = started.json()["run_id"]
    assert run_id.startswith("run_") and run_id.split("_")[3] == "manual"
    detail = api.get(f"/api/v1/automation/executions/{run_id}/").json()
    assert detail["status"] == "completed" and detail["steps"][0]["status"] == "completed"
    assert detail["trigger_payload"] == {"payload": {"a": 1}}
    logs = api.get(f"/api/v1/automation/executions/{run_id}/logs/").json()
    assert "m" in [line["message"] for line in logs]
    listing = api.get(f"/api/v1/automation/executions/?rule={rule['id']}&status=completed").json()
    assert listing["count"] == 1 and listing["results"][0]["steps_completed"] == 1
    progress = api.get(f"/api/v1/automation/rules/{rule['id']}/progress/").json()
    assert progress == {"status": "idle"}  # finished: no active run (tests/rules/test_seeds_api.py for one)
    listed = {r["id"]: r for r in api.get("/api/v1/automation/rules/").json()["results"]}
    assert listed[rule["id"]]["last_run"]["status"] == "completed"


def test_it_answers_409_when_mode_single_drops_a_trigger(api, django_capture_on_commit_callbacks):
    rule = _rule(api)
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json").status_code == 202
        second = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json")
    assert second.status_code == 409 and "mode single" in second.json()["detail"]
    why = api.get(f"/api/v1/automation/rules/{rule['id']}/triggers/?outcome=dropped").json()
    assert why["results"][0]["outcome"] == "dropped_mode"


def test_it_answers_402_with_amounts_when_credits_are_short(charlie):
    client = charlie.client()
    rule = _rule(client, actions=[{"type": "test_charge", "params": {"estimate": 999}}])
    response = client.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json")
    assert response.status_code == 402
    assert response.json()["needed"] == "999" and response.json()["available"] == "50.00"


def test_it_controls_runs_and_refuses_impossible_transitions(api, django_capture_on_commit_callbacks):
    rule = _rule(api)
    with django_capture_on_commit_callbacks(execute=False):
        run_id = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json").json()["run_id"]
        base = f"/api/v1/automation/executions/{run_id}/"
        assert api.post(base + "resume/").status_code == 409
        assert api.post(base + "pause/").json()["status"] == "paused"
        assert api.post(base + "resume/").json()["status"] == "running"
        assert api.post(base + "cancel/").json()["status"] == "cancelled"
        assert api.post(base + "retry/", {"from_start": True}, format="json").json()["attempt"] == 2


def test_it_hides_another_accounts_runs(api, charlie, django_capture_on_commit_callbacks):
    rule = _rule(api)
    with django_capture_on_commit_callbacks(execute=False):
        run_id = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json").json()["run_id"]
    client = charlie.client()
    for suffix, method in [("", "get"), ("logs/", "get"), ("cancel/", "post"), ("pause/", "post"), ("retry/", "post")]:
        assert getattr(client, method)(f"/api/v1/automation/executions/{run_id}/{suffix}").status_code == 404
    assert AutomationRun.objects.get(run_id=run_id).status == "running"


def test_it_reruns_a_finished_run_as_a_new_run_of_the_same_rule(alice, api, make_rule, eager):
    rule = make_rule(actions=[{"type": "log", "params": {"message": "again {payload.who}"}}])
    first = api.post(f"/api/v1/automation/rules/{rule.pk}/execute/", {"payload": {"who": "me"}}, format="json")
    run_id = first.json()["run_id"]
    again = api.post(f"/api/v1/automation/executions/{run_id}/rerun/")
    assert again.status_code == 202 and again.json()["run_id"] != run_id
    new = AutomationRun.objects.get(run_id=again.json()["run_id"])
    assert new.rule_id == rule.pk and new.status == "completed"
    assert new.trigger_payload == AutomationRun.objects.get(run_id=run_id).trigger_payload
    assert new.logs.filter(message="again me").exists()


def test_it_refuses_to_rerun_an_active_run_or_another_accounts(
    alice, api, charlie, make_rule, django_capture_on_commit_callbacks
):
    rule = make_rule(actions=[{"type": "log", "params": {"message": "x"}}])
    with django_capture_on_commit_callbacks(execute=False):
        run_id = api.post(f"/api/v1/automation/rules/{rule.pk}/execute/", {}, format="json").json()["run_id"]
    answer = api.post(f"/api/v1/automation/executions/{run_id}/rerun/")
    assert answer.status_code == 409 and "only a finished run" in answer.json()["detail"]
    assert charlie.client().post(f"/api/v1/automation/executions/{run_id}/rerun/").status_code == 404


LIST_QUERIES = 4  # token, the account's counters, the page, its step counts: none counts the history


def test_it_counts_the_accounts_runs_from_counters_through_pruning_and_deleted_rules(
    alice, api, charlie, make_rule, eager, django_assert_num_queries
):
    first, second = make_rule(name="first"), make_rule(name="second")
    for rule in (first, first, first, second, second, make_rule(name="theirs", account_id=charlie.account.id)):
        rule_execute(rule=rule)

    def listing(query: str = "") -> dict:
        body = api.get(f"/api/v1/automation/executions/{query}").json()
        assert body["count"] == len(body["results"])  # one page holds them all: the count is what is listed
        return body

    assert listing()["count"] == 5
    oldest = AutomationRun.objects.filter(rule=first).order_by("created_at")[:2]
    AutomationRun.objects.filter(pk__in=[run.pk for run in oldest]).update(
        completed_at=timezone.now() - timedelta(days=60)
    )
    assert history_prune(older_than=timezone.now() - timedelta(days=30))["runs"] == 2
    assert listing()["count"] == 3
    second.delete()  # its runs stay, without a rule
    assert listing()["count"] == 3 and listing(f"?rule={first.pk}")["count"] == 1
    assert listing("?status=completed")["count"] == 3 and listing("?status=failed")["count"] == 0  # counted rows
    assert api.get("/api/v1/automation/executions/?rule=x").status_code == 400
    with django_assert_num_queries(LIST_QUERIES) as queries:
        assert len(listing()["results"]) == 3
    counts = [q["sql"] for q in queries.captured_queries if re.search(r'COUNT\(.*FROM "rules_automationrun"', q["sql"])]
    assert counts and all('"rule_id" IS NULL' in sql for sql in counts)  # only the runs of deleted rules are counted
    assert api.get("/api/v1/automation/executions/?page_size=2&page=2").json()["count"] == 3
