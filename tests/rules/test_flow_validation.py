"""The rule language's control blocks are validated on save, every error at its path inside the rule."""

from __future__ import annotations

import pytest

from rules.models import AutomationRule
from rules.validation import RuleValidationError, validate_rule

pytestmark = pytest.mark.django_db


def errors_of(actions: list) -> dict[str, list[str]]:
    with pytest.raises(RuleValidationError) as caught:
        validate_rule({"actions": actions})
    return caught.value.errors


LOG = {"type": "log", "params": {"message": "m"}}


def test_every_block_of_the_language_saves() -> None:
    actions = [
        {"id": "big", "type": "if", "condition": {">": [{"var": "object.volume"}, 1000]},
         "then": [{"type": "log", "params": {"message": "big"}}], "else": [{"type": "stop", "message": "small"}]},
        {"type": "switch", "cases": [{"condition": {"==": [1, 1]}, "do": [LOG]}], "default": []},
        {"id": "loop", "type": "for_each", "items": {"var": "steps.big.output.ids"}, "as": "kw", "concurrency": 4,
         "do": [{"type": "log", "params": {"message": "{kw}"}, "if": {"var": "kw"}}]},
        {"type": "parallel", "join": "any", "branches": [[LOG], [LOG]]},
        {"type": "wait", "for": "duration", "seconds": 60},
        {"type": "wait", "for": "event", "event": "content.updated", "timeout": 3600,
         "condition": {"==": [{"var": "object.status"}, "review"]}},
        {"id": "ok", "type": "wait", "for": "approval", "prompt": "Publish?", "timeout": 86400},
        {"type": "call_rule", "rule": 12, "payload": {"a": 1}, "wait": True},
        {"type": "stop", "status": "failed", "message": "done"},
    ]  # fmt: skip
    clean = validate_rule({"actions": actions})["actions"]
    assert clean[0]["then"][0]["type"] == "log" and clean[2]["concurrency"] == 4
    assert clean[3]["join"] == "any" and clean[6]["prompt"] == "Publish?"


def test_errors_name_their_path_inside_blocks_all_at_once() -> None:
    errors = errors_of(
        [
            {"type": "if", "condition": {"nope": [1]},
             "then": [{"type": "webhook", "params": {"url": 5}}], "else": [{"type": "unknown_action"}]},
            {"type": "for_each", "items": {"var": "x"}, "concurrency": 40, "do": []},
            {"type": "parallel", "branches": [[{"type": "log", "params": {"message": "m"}}]], "join": "some"},
            {"type": "wait", "for": "approval", "seconds": 5},
            {"type": "stop", "status": "paused"},
        ]
    )  # fmt: skip
    assert "actions.0.condition" in errors
    assert any(key.startswith("actions.0.then.0.params") for key in errors)
    assert "actions.0.else.0.type" in errors
    assert "actions.1.concurrency" in errors and "actions.1.do" in errors
    assert "actions.2.branches" in errors and "actions.2.join" in errors
    assert "actions.3.seconds" in errors and "actions.4.status" in errors


def test_ids_are_unique_in_the_whole_tree() -> None:
    errors = errors_of(
        [
            {"id": "a", "type": "log", "params": {"message": "m"}},
            {"type": "if", "condition": True, "then": [{"id": "a", "type": "log", "params": {"message": "m"}}]},
        ]
    )
    assert "actions.1.then.0.id" in errors


def test_nesting_and_size_limits_name_their_settings(settings) -> None:
    settings.AUTOMATION_MAX_FLOW_DEPTH = 2
    deep = [
        {
            "type": "if",
            "condition": True,
            "then": [{"type": "if", "condition": True, "then": [{"type": "log", "params": {"message": "m"}}]}],
        }
    ]
    errors = errors_of(deep)
    assert "AUTOMATION_MAX_FLOW_DEPTH" in errors["actions.0.then.0.then.0"][0]
    settings.AUTOMATION_MAX_RULE_STEPS = 3
    errors = errors_of(
        [
            {
                "type": "parallel",
                "branches": [
                    [{"type": "log", "params": {"message": "m"}}],
                    [{"type": "log", "params": {"message": "m"}}, {"type": "log", "params": {"message": "m"}}],
                ],
            }
        ]
    )
    assert "AUTOMATION_MAX_RULE_STEPS" in errors["actions"][0]


def test_control_type_names_are_reserved_for_blocks() -> None:
    from rules.core.contract import Action
    from rules.core.registry import registry

    class Wait(Action):
        key = "wait"

    with pytest.raises(ValueError, match="reserved"):
        registry.register(Wait)


def test_a_bad_block_through_the_api_is_a_400_naming_the_path_and_saves_nothing(api, alice) -> None:
    response = api.post(
        "/api/v1/automation/rules/",
        {"name": "flow", "site": alice.site.pk, "trigger": {"type": "manual"},
         "actions": [{"type": "if", "condition": {"==": [1, 1]}, "then": [{"type": "webhook", "params": {}}]}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert any(key.startswith("actions.0.then.0.params") for key in response.json())
    assert not AutomationRule.objects.filter(name="flow").exists()


def test_a_condition_on_a_field_the_triggers_object_lacks_saves_with_a_warning(api, alice) -> None:
    body = {
        "name": "typo",
        "site": alice.site.pk,
        "trigger": {"type": "event", "event": "keyword.created"},
        "conditions": {">": [{"var": "object.wordcount"}, 10]},
        "actions": [
            {"type": "if", "condition": {"==": [{"var": "object.volume"}, 1]}, "then": [LOG]},
            {**LOG, "if": {"var": "object.colour"}},
        ],
    }
    response = api.post("/api/v1/automation/rules/", body, format="json")
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert "object.wordcount: keyword.created events carry no such field" in warnings["conditions"][0]
    assert list(warnings) == ["conditions", "actions.1.if"], "object.volume is a keyword's field"
