"""`/api/v1/automation/scheduled-tasks/`: the seeds' ScheduledTask list (upcoming fires and past scheduled runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.dateparse import parse_datetime

from rules.models import AutomationRule, AutomationRun
from rules.scheduler import schedule_claim_due

URL = "/api/v1/automation/scheduled-tasks/"
HOURLY = {"type": "schedule", "cron": "0 * * * *", "timezone": "UTC"}
SEEDS_FIELDS = {"id", "automation_rule", "scheduled_at", "executed_at", "status", "result", "error_message"}


def schedule_rule(client, name: str = "hourly", trigger: dict | None = None, **extra) -> dict:
    body = {"name": name, "trigger": trigger or HOURLY, "actions": [{"type": "log", "params": {"message": "tick"}}]}
    response = client.post("/api/v1/automation/rules/", {**body, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def fire(rule_id: int) -> AutomationRun:
    """Let the scheduler fire the rule's next time (as if the clock had reached it); return the run."""
    due = AutomationRule.objects.get(pk=rule_id).next_run_at
    schedule_claim_due(now=due + timedelta(seconds=1))
    return AutomationRun.objects.get(rule_id=rule_id, trigger_payload__payload__scheduled_for=due.isoformat())


def unix(value: str) -> int:
    return int(parse_datetime(value).timestamp())


def test_it_lists_the_next_fires_of_active_schedule_rules(api):
    hourly = schedule_rule(api)
    schedule_rule(api, "paused", is_active=False)
    schedule_rule(api, "by hand", trigger={"type": "manual"})
    body = api.get(URL).json()
    assert body["count"] == 5 and len(body["results"]) == 5
    expected = hourly["schedule"]["next_fire_times"]
    assert [unix(t["scheduled_at"]) for t in body["results"]] == [unix(t) for t in expected]
    first = body["results"][0]
    assert SEEDS_FIELDS <= set(first) and first["status"] == "pending" and first["automation_rule"] == hourly["id"]
    assert first["id"] == f"{hourly['id']}:{unix(expected[0])}"
    assert (first["executed_at"], first["result"], first["error_message"], first["run_id"]) == (None, None, None, None)


def test_it_lists_past_scheduled_runs_with_their_outcome(api, eager):
    hourly = schedule_rule(api)
    run = fire(hourly["id"])
    run.refresh_from_db()
    body = api.get(f"{URL}?status=completed").json()
    assert body["count"] == 1
    past = body["results"][0]
    assert (past["id"], past["run_id"], past["automation_rule"], past["status"]) == (
        run.run_id,
        run.run_id,
        hourly["id"],
        "completed",
    )
    assert parse_datetime(past["scheduled_at"]) == parse_datetime(run.trigger_payload["payload"]["scheduled_for"])
    assert parse_datetime(past["executed_at"]) == run.started_at and past["error_message"] is None
    assert past["result"][0]["step"] == 1 and past["result"][0]["status"] == "completed"
    upcoming = api.get(f"{URL}?status=pending").json()["results"]
    assert parse_datetime(upcoming[0]["scheduled_at"]) == AutomationRule.objects.get(pk=hourly["id"]).next_run_at
    assert all(parse_datetime(t["scheduled_at"]) > parse_datetime(past["scheduled_at"]) for t in upcoming)


def test_it_shows_a_failed_scheduled_run_with_its_error(api, eager):
    failing = schedule_rule(api, "failing", actions=[{"type": "test_flaky", "params": {"permanent": True}}])
    run = fire(failing["id"])
    task = api.get(f"{URL}{run.run_id}/").json()
    assert task["status"] == "failed" and "never work" in task["error_message"]
    assert task["result"][0]["error"] == "bad input that will never work"


def test_it_filters_by_rule_and_status(api, eager):
    # Every 29 February: never due when the scheduler fires `first`'s next hour, whatever the date today.
    first, second = schedule_rule(api, "first"), schedule_rule(api, "second", trigger={**HOURLY, "cron": "0 0 29 2 *"})
    fire(first["id"])
    mine = api.get(f"{URL}?automation_rule={second['id']}").json()
    assert mine["count"] == 5 and {t["automation_rule"] for t in mine["results"]} == {second["id"]}
    assert api.get(f"{URL}?status=pending").json()["count"] == 10
    assert api.get(f"{URL}?status=completed&automation_rule={first['id']}").json()["count"] == 1
    assert api.get(f"{URL}?status=failed").json()["count"] == 0
    assert api.get(URL).json()["count"] == 11
    bad_status = api.get(f"{URL}?status=done")
    assert bad_status.status_code == 400 and "pending" in bad_status.json()["status"][0]
    bad_rule = api.get(f"{URL}?automation_rule=first")
    assert bad_rule.status_code == 400 and "automation_rule" in bad_rule.json()


def test_it_paginates_like_other_lists(api, eager):
    hourly = schedule_rule(api)
    runs = [fire(hourly["id"]) for _ in range(2)]
    page_one = api.get(f"{URL}?page_size=4").json()
    assert page_one["count"] == 7 and len(page_one["results"]) == 4 and page_one["next"]
    page_two = api.get(f"{URL}?page_size=4&page=2").json()
    ids = [t["id"] for t in page_one["results"] + page_two["results"]]
    assert len(ids) == len(set(ids)) == 7
    assert ids[5:] == [runs[1].run_id, runs[0].run_id]  # after the 5 upcoming fires, the newest run first


def test_it_shows_one_scheduled_task_and_keeps_an_upcoming_id_after_it_fires(api, eager):
    hourly = schedule_rule(api)
    upcoming = api.get(URL).json()["results"][0]
    assert api.get(f"{URL}{upcoming['id']}/").json() == upcoming
    later = hourly["schedule"]["next_fire_times"][4]
    assert api.get(f"{URL}{hourly['id']}:{unix(later)}/").status_code == 200
    assert api.get(f"{URL}{hourly['id']}:{unix(later) + 60}/").status_code == 404  # not a time the cron fires
    run = fire(hourly["id"])
    fired = api.get(f"{URL}{upcoming['id']}/").json()
    assert fired["run_id"] == run.run_id and fired["status"] == "completed"


def test_it_answers_404_for_ids_that_are_not_scheduled_tasks(api, eager):
    manual = api.post(
        "/api/v1/automation/rules/",
        {"name": "m", "trigger": {"type": "manual"}, "actions": [{"type": "log", "params": {"message": "x"}}]},
        format="json",
    ).json()
    run_id = api.post(f"/api/v1/automation/rules/{manual['id']}/execute/", {}, format="json").json()["run_id"]
    hourly = schedule_rule(api)
    past = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
    for task_id in (run_id, f"{manual['id']}:{past}", f"{hourly['id']}:{past}", "1:abc", "x:1", "1:" + "9" * 30):
        assert api.get(f"{URL}{task_id}/").status_code == 404, task_id


@pytest.fixture
def alices_tasks(alice, api, eager):
    hourly = schedule_rule(api, "alice's hourly")
    run = fire(hourly["id"])
    return hourly, run, api.get(URL).json()["results"][0]["id"]


def test_it_answers_404_to_charlie_for_alices_scheduled_tasks(alices_tasks, bob, charlie):
    _, run, upcoming_id = alices_tasks
    for task_id in (upcoming_id, run.run_id):
        assert charlie.client().get(f"{URL}{task_id}/").status_code == 404
        assert bob.client().get(f"{URL}{task_id}/").status_code == 200  # the control: Alice's teammate sees it


def test_it_lists_none_of_alices_scheduled_tasks_to_charlie(alices_tasks, bob, charlie):
    hourly, run, _ = alices_tasks
    for query in ("", f"?automation_rule={hourly['id']}", "?status=pending", "?status=completed"):
        body = charlie.client().get(f"{URL}{query}").json()
        assert body["count"] == 0 and body["results"] == [], query
    teammate = bob.client().get(URL).json()
    assert teammate["count"] == 6 and run.run_id in {t["id"] for t in teammate["results"]}
