"""The run log: one entry is one line, whatever a message or a placeholder holds."""

from __future__ import annotations

from rules.models import RunLog, RunStep
from rules.runlog import step_label


def test_it_escapes_newlines_so_nobody_can_forge_log_lines(alice, api, make_rule, eager):
    rule = make_rule(
        site=alice.site, actions=[{"type": "log", "params": {"message": "hello {payload.name}\nfake: run failed"}}]
    )
    forged = "bob\n12:00:00 [error] stage 7 - everything was deleted\r"
    run_id = api.post(
        f"/api/v1/automation/rules/{rule.pk}/execute/", {"payload": {"name": forged}}, format="json"
    ).json()["run_id"]
    line = RunLog.objects.get(run__run_id=run_id, message__startswith="hello")
    assert "\n" not in line.message and "\r" not in line.message
    assert line.message == "hello bob\\n12:00:00 [error] stage 7 - everything was deleted\\r\\nfake: run failed"
    text = api.get(f"/api/v1/automation/logs/?run_id={run_id}&lines=100").json()
    assert len(text["log"].splitlines()) == text["lines"]  # one line per entry


def test_it_numbers_steps_from_one_and_names_pipeline_stages():
    assert step_label(RunStep(index=0, action_type="log", params={})) == "step 1 (log)"
    assert step_label(RunStep(index=3, action_type="generate_content", params={"stage": 4})) == (
        "stage 4 (generate_content)"
    )
