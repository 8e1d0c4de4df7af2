"""A program's run through its lifecycle (tasks inline): retry inside a loop, cancel while waiting, the run's
graph from the version it used, completed_with_errors in the lists."""

from __future__ import annotations

from rules.lifecycle import rule_execute, run_cancel, run_retry
from rules.models import AutomationRule, AutomationRun, RunStep


def steps_of(run: AutomationRun) -> dict[str, RunStep]:
    return {step.key: step for step in RunStep.objects.filter(run=run)}


def reload(run: AutomationRun) -> AutomationRun:
    return AutomationRun.objects.get(pk=run.pk)


def test_retry_takes_up_the_failed_step_inside_a_loop_and_keeps_what_was_done(make_rule, eager):
    rule = make_rule(
        actions=[
            {"id": "loop", "type": "for_each", "items": [1, 2, 3], "do": [
                {"id": "work", "type": "test_flaky", "params": {"succeed_on_attempt": 2},
                 "if": {"==": [{"var": "item"}, 2]}},
                {"id": "after", "type": "log", "params": {"message": "item {item} done"}},
            ]},
        ]
    )  # fmt: skip
    run = reload(rule_execute(rule=rule).run)
    steps = steps_of(run)
    assert run.status == "failed" and "at item_index 1" in run.error_message
    assert steps["work@0"].status == "skipped" and steps["after@0"].status == "completed"
    assert steps["work@1"].status == "failed" and "after@1" not in steps

    run = reload(run_retry(run))
    steps = steps_of(run)
    assert run.status == "completed", run.error_message
    assert steps["work@1"].status == "completed" and steps["work@1"].attempts == 2
    assert steps["after@0"].attempts == 1, "what was done is not done again"
    assert steps["loop"].result["items_done"] == 3


def test_cancelling_a_run_that_waits_for_approval_cancels_the_wait(make_rule, eager, api):
    rule = make_rule(actions=[{"id": "ok", "type": "wait", "for": "approval", "prompt": "Go?"}])
    run = rule_execute(rule=rule).run
    assert steps_of(run)["ok"].status == "waiting"
    run_cancel(reload(run))
    assert steps_of(run)["ok"].status == "cancelled"
    url = f"/api/v1/automation/executions/{run.run_id}/approve/"
    assert api.post(url, {"step": "ok", "decision": "approved"}, format="json").status_code == 409


def test_a_runs_graph_comes_from_the_version_it_used_after_the_rule_changed_or_went(make_rule, eager, api):
    first = [{"id": "check", "type": "if", "condition": True, "then": [{"type": "log", "params": {"message": "a"}}]}]
    rule = make_rule(actions=first)
    run = rule_execute(rule=rule).run
    AutomationRule.objects.filter(pk=rule.pk).update(actions=[{"type": "log", "params": {"message": "b"}}])
    detail = api.get(f"/api/v1/automation/executions/{run.run_id}/").json()
    assert detail["program"][0]["type"] == "if" and detail["program"][0]["then"][0]["id"] == "check-then-1"
    AutomationRule.objects.filter(pk=rule.pk).delete()
    detail = api.get(f"/api/v1/automation/executions/{run.run_id}/").json()
    assert detail["program"][0]["id"] == "check" and detail["status"] == "completed"


def test_a_plain_run_whose_failed_step_let_it_go_on_is_completed_with_errors_in_the_lists(make_rule, eager, api):
    rule = make_rule(
        actions=[
            {"type": "test_flaky", "params": {"permanent": True}, "on_error": "continue"},
            {"type": "log", "params": {"message": "still here"}},
        ]
    )
    run = rule_execute(rule=rule).run
    assert reload(run).status == "completed_with_errors"
    listing = api.get("/api/v1/automation/executions/?status=completed_with_errors").json()
    assert [item["run_id"] for item in listing["results"]] == [run.run_id]
    detail = api.get(f"/api/v1/automation/executions/{run.run_id}/").json()
    assert [entry["id"] for entry in detail["program"]] == ["step-1", "step-2"]


def test_pause_and_resume_inside_a_loop_charge_each_item_once(make_rule, eager):
    from rules.lifecycle import run_resume

    rule = make_rule(
        actions=[
            {"id": "loop", "type": "for_each", "items": [1, 0], "do": [
                {"id": "charge", "type": "test_charge",
                 "params": {"items": 2, "cost": 1, "pause_run_after": "{item}", "first_object": "{item_index}0"}},
            ]},
        ]
    )  # fmt: skip
    run = reload(rule_execute(rule=rule).run)
    assert run.status == "paused"
    assert steps_of(run)["charge@0"].status == "pending" and "charge@1" not in steps_of(run)

    run = reload(run_resume(run))
    steps = steps_of(run)
    assert run.status == "completed", run.error_message
    assert [steps[key].credits_used for key in ("charge@0", "charge@1")] == [2, 2]
    assert run.total_credits_used == 4, "the item charged before the pause is not charged again"
