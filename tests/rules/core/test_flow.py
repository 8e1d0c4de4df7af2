"""The control-flow planner as a pure function: records in, what to do next out."""

from __future__ import annotations

from typing import Any

from rules.core.flow import Limits, Plan, Record, fill_placeholders, is_flow, iter_entries, plan, with_ids

CONTEXT = {"object": {"id": 7, "volume": 1500, "words": 600}, "payload": {}, "event": {"name": "keyword.created"}}


class Run:
    """A run's records, moved on the way the engine does: apply a plan, finish leaves, plan again."""

    def __init__(self, actions: list[dict[str, Any]], context: dict[str, Any] = CONTEXT, **limits: int) -> None:
        self.program = with_ids(actions)
        self.context, self.limits = context, Limits(**limits)
        self.records: dict[str, Record] = {}
        self.params: dict[str, dict[str, Any]] = {}
        self.last = self.step()

    def step(self) -> Plan:
        result = plan(self.program, self.records, self.context, self.limits)
        for new in result.create:
            self.records[new.key] = Record(new.status, new.result, new.error)
            self.params[new.key] = new.params
        for key, (status, res, error) in result.update.items():
            self.records[key] = Record(status, res, error)
        self.last = result
        return result

    def finish(
        self, key: str, status: str = "completed", output: dict[str, Any] | None = None, error: str = ""
    ) -> Plan:
        assert self.records[key].status in ("pending", "running", "waiting"), key
        self.records[key] = Record(status, {"output": output or {}}, error)
        return self.step()

    def pending(self) -> list[str]:
        return [key for key, record in self.records.items() if record.status == "pending"]


def action(step_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "type": "log", "params": {"message": step_id}, **extra}


def test_a_plain_list_needs_no_flow_engine_and_entries_get_ids() -> None:
    plain = [{"type": "log"}, {"type": "notify"}]
    assert not is_flow(plain)
    assert is_flow([{"type": "log", "if": {"==": [1, 1]}}])
    nested = with_ids([{"type": "if", "condition": True, "then": [{"type": "log"}], "else": [{"type": "log"}]}])
    assert [e["id"] for _p, e, _d in iter_entries(nested)] == ["step-1", "step-1-then-1", "step-1-else-1"]
    assert [p for p, _e, _d in iter_entries(nested)] == ["actions/0", "actions/0/then/0", "actions/0/else/0"]


def test_if_takes_the_branch_its_condition_decides_and_records_the_trace() -> None:
    run = Run(
        [
            {"id": "short", "type": "if", "condition": {"<": [{"var": "object.words"}, 800]},
             "then": [action("optimize")], "else": [action("publish")]},
            action("after"),
        ]
    )  # fmt: skip
    assert run.records["short"].result["branch"] == "then"
    assert run.records["short"].result["trace"], "the decision keeps the condition's trace"
    assert run.pending() == ["optimize"] and "publish" not in run.records
    run.finish("optimize")
    assert run.records["short"].status == "completed" and run.pending() == ["after"]
    assert run.finish("after").finished == "completed"


def test_a_false_if_on_an_entry_skips_it_with_the_clause_that_was_false() -> None:
    run = Run([action("big", **{"if": {">": [{"var": "object.volume"}, 5000]}}), action("next")])
    skipped = run.records["big"]
    assert skipped.status == "skipped" and skipped.result["skip_reason"] == "its condition was false"
    assert any(entry.get("result") is False for entry in skipped.result["trace"])
    assert run.pending() == ["next"]


def test_switch_takes_the_first_true_case_else_default() -> None:
    cases = [{"condition": {">": [{"var": "object.volume"}, 5000]}, "do": [action("huge")]},
             {"condition": {">": [{"var": "object.volume"}, 1000]}, "do": [action("big")]}]  # fmt: skip
    run = Run([{"id": "size", "type": "switch", "cases": cases, "default": [action("small")]}])
    assert run.records["size"].result["branch"] == "cases.1" and run.pending() == ["big"]
    run = Run([{"id": "size", "type": "switch", "cases": cases[:1], "default": [action("small")]}])
    assert run.records["size"].result["branch"] == "default" and run.pending() == ["small"]


def test_for_each_runs_its_items_with_bounded_concurrency_and_shows_progress() -> None:
    loop = {"id": "loop", "type": "for_each", "items": {"var": "payload.ids"}, "as": "kw", "concurrency": 4,
            "do": [action("gen", params={"message": "{kw} #{item_index}"})]}  # fmt: skip
    run = Run([loop, action("after")], context={**CONTEXT, "payload": {"ids": list(range(10, 20))}})
    assert run.pending() == ["gen@0", "gen@1", "gen@2", "gen@3"], "four at once"
    assert run.params["gen@2"]["message"] == "12 #2", "the item and its index are in the step's params"
    run.finish("gen@1")
    assert run.pending() == ["gen@0", "gen@2", "gen@3", "gen@4"]
    assert run.records["loop"].result["items_done"] == 1
    for i in range(10):
        if run.records.get(f"gen@{i}") and run.records[f"gen@{i}"].status == "pending":
            run.finish(f"gen@{i}")
    while any(run.records.get(f"gen@{i}") is None or run.records[f"gen@{i}"].status == "pending" for i in range(10)):
        run.finish(run.pending()[0])
    assert run.records["loop"].status == "completed" and run.records["loop"].result["items_done"] == 10
    assert run.pending() == ["after"]


def test_steps_inside_an_iteration_read_that_iterations_outputs() -> None:
    loop = {"id": "loop", "type": "for_each", "items": [1, 2], "do": [
        action("a"), {"id": "check", "type": "if", "condition": {"==": [{"var": "steps.a.output.n"}, {"var": "item"}]},
                      "then": [action("same")], "else": [action("other")]}]}  # fmt: skip
    run = Run([loop])
    run.finish("a@0", output={"n": 1})
    assert run.records["check@0"].result["branch"] == "then"
    run.finish("same@0")
    run.finish("a@1", output={"n": 5})
    assert run.records["check@1"].result["branch"] == "else"


def test_a_loop_over_too_many_items_fails_naming_the_limit() -> None:
    run = Run([{"id": "loop", "type": "for_each", "items": {"var": "payload.ids"}, "do": [action("x")]}],
              context={**CONTEXT, "payload": {"ids": list(range(401))}})  # fmt: skip
    assert run.last.finished == "failed" and "AUTOMATION_MAX_FOREACH_ITEMS" in run.last.message


def test_parallel_join_all_fails_when_a_branch_fails_and_any_completes_on_the_first() -> None:
    branches = [[action("a1"), action("a2")], [action("b1")]]
    run = Run([{"id": "par", "type": "parallel", "branches": branches}])
    assert sorted(run.pending()) == ["a1", "b1"], "both branches start at once"
    plan_after = run.finish("b1", status="failed", error="boom")
    assert plan_after.finished == "failed" and "a branch failed" in plan_after.message
    run = Run([{"id": "par", "type": "parallel", "join": "any", "branches": branches}, action("after")])
    run.finish("b1")
    assert run.records["par"].status == "completed" and "after" in run.pending()


def test_on_error_continue_ends_the_run_completed_with_errors() -> None:
    run = Run([action("hook", on_error="continue"), action("next")])
    run.finish("hook", status="failed", error="503")
    assert run.pending() == ["next"]
    assert run.finish("next").finished == "completed_with_errors"


def test_stop_ends_the_run_with_its_status_and_message() -> None:
    run = Run([{"id": "guard", "type": "if", "condition": {"<": [{"var": "object.volume"}, 10]},
                "then": [{"type": "stop", "status": "failed", "message": "too small"}]},
               {"type": "stop", "status": "completed", "message": "nothing to do"}, action("never")])  # fmt: skip
    assert run.last.finished == "completed" and run.last.message == "nothing to do"
    assert "never" not in run.records


def test_later_steps_read_earlier_outputs_in_conditions_and_placeholders() -> None:
    run = Run(
        [
            action("approve"),
            action(
                "notify",
                params={"message": "decided: {steps.approve.output.decision}"},
                **{"if": {"==": [{"var": "steps.approve.output.decision"}, "approved"]}},
            ),
        ]
    )
    run.finish("approve", output={"decision": "approved"})
    assert run.params["notify"]["message"] == "decided: approved"


def test_items_from_a_step_output_become_the_steps_ids() -> None:
    run = Run([action("cluster"), {"id": "ideas", "type": "generate_ideas",
                                  "params": {"items": {"var": "steps.cluster.output.ids"}}}])  # fmt: skip
    run.finish("cluster", output={"ids": [4, 5]})
    assert run.params["ideas"]["items"] == [4, 5]


def test_the_run_step_limit_fails_the_run_naming_it() -> None:
    loop = {"id": "loop", "type": "for_each", "items": list(range(50)), "concurrency": 16, "do": [action("x")]}
    run = Run([loop], max_steps=10)
    assert run.last.finished == "failed" and "AUTOMATION_MAX_RUN_STEPS" in run.last.message


def test_fill_placeholders_leaves_unknown_ones_for_the_action() -> None:
    filled = fill_placeholders({"a": "{object.text} {item.name}", "b": ["{steps.x.output.n}"]},
                               {"x": {"output": {"n": 3}}}, {"item": {"name": "kw"}})  # fmt: skip
    assert filled == {"a": "{object.text} kw", "b": [3]}


def test_a_string_that_is_one_placeholder_becomes_the_value_itself() -> None:
    assert fill_placeholders({"n": "{item}", "ids": "{steps.a.output.ids}"}, {"a": {"output": {"ids": [4]}}},
                             {"item": 12}) == {"n": 12, "ids": [4]}  # fmt: skip


def test_generated_ids_of_cases_and_branches_name_their_list() -> None:
    program = with_ids(
        [
            {"id": "sw", "type": "switch", "cases": [{"condition": True, "do": [{"type": "log"}]}],
             "default": [{"type": "log"}]},
            {"id": "par", "type": "parallel", "branches": [[{"type": "log"}], [{"type": "log"}, {"type": "log"}]]},
        ]
    )  # fmt: skip
    ids = [entry["id"] for _p, entry, _d in iter_entries(program)]
    assert ids[:3] == ["sw", "sw-cases-1-1", "sw-default-1"]
    assert ids[3:] == ["par", "par-branches-1-1", "par-branches-2-1", "par-branches-2-2"]


def test_a_plain_list_reading_an_earlier_steps_output_runs_as_a_program() -> None:
    assert is_flow([{"type": "log"}, {"type": "log", "params": {"message": "{steps.step-1.output.ids}"}}])
    assert is_flow([{"type": "log"}, {"type": "generate_ideas", "params": {"items": {"var": "steps.a.output.ids"}}}])
