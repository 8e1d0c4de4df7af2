from __future__ import annotations

import json
import logging

from backend.core.logs import JsonFormatter, RunContextFilter, logging_step


def _line(logger_name: str = "x", **extra) -> dict:
    record = logging.LogRecord(logger_name, logging.INFO, __file__, 1, "hello %s", ("world",), None)
    for key, value in extra.items():
        setattr(record, key, value)
    RunContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_it_writes_one_json_object_per_line_with_the_step_being_run():
    with logging_step(run_id="run_1", step=3, action="generate_content"):
        line = _line()
    assert line["message"] == "hello world" and line["level"] == "info"
    assert (line["run_id"], line["step"], line["action"]) == ("run_1", 3, "generate_content")


def test_it_leaves_run_fields_empty_outside_a_step_and_keeps_explicit_ones():
    assert (_line()["run_id"], _line()["step"]) == ("", None)
    assert _line(run_id="run_9", step=0)["run_id"] == "run_9"


def test_it_logs_worker_lines_as_json_with_run_id(make_rule, eager, caplog):
    from rules.lifecycle import rule_execute

    rule = make_rule(actions=[{"type": "log", "params": {"message": "traced line"}}])
    with caplog.at_level(logging.INFO, logger="actions.run"):
        run = rule_execute(rule=rule).run
    records = [r for r in caplog.records if r.getMessage() == "traced line"]
    assert records and JsonFormatter().format(records[0])
    assert json.loads(JsonFormatter().format(records[0]))["run_id"] == run.run_id
