"""Condition limits through the API: bombs, oversized conditions and oversized samples are 400s."""

from __future__ import annotations

from typing import Any

import pytest

from rules.models import AutomationRule

RULES_URL = "/api/v1/automation/rules/"
TAG_IS_AI = {"some": [{"var": "object.tags"}, {"==": [{"var": ""}, "ai"]}]}
RULE = {
    "name": "Tagged keywords",
    "is_active": True,
    "trigger": {"type": "event", "event": "keyword.created"},
    "conditions": TAG_IS_AI,
    "actions": [{"type": "log", "params": {"message": "tagged"}}],
}
OPERATIONS_LIMIT = "the limit is 100,000 (AUTOMATION_MAX_CONDITION_OPERATIONS)"


def reduce_bomb() -> dict[str, Any]:
    """Four nested reduces over 150 items: about 2 billion operations, 2.3 KB of JSON."""
    items = list(range(150))
    node: dict[str, Any] = {"reduce": [items, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}
    for _ in range(3):
        node = {"reduce": [items, {"+": [{"var": "accumulator"}, node]}, 0]}
    return {"and": [node, True]}


DOUBLING = {"reduce": [list(range(40)), {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "x"]}
BIG = {"in": [{"var": "object.text"}, ["keyword"] * 2500]}  # 25 KB


@pytest.fixture
def rule(api) -> dict[str, Any]:
    response = api.post(RULES_URL, RULE, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_refuses_a_condition_bomb_on_create_naming_the_limit_and_the_path(api):
    response = api.post(RULES_URL, {**RULE, "conditions": reduce_bomb()}, format="json")

    assert response.status_code == 400
    [message] = response.json()["conditions"]
    assert message.startswith("conditions/and/0/reduce: this condition may take up to 2,")
    assert message.endswith(OPERATIONS_LIMIT)
    assert not AutomationRule.objects.filter(preset_key="").exists()


def test_it_refuses_a_condition_bomb_on_update_and_keeps_the_rule(api, rule):
    url = f"{RULES_URL}{rule['id']}/"

    response = api.patch(url, {"conditions": DOUBLING}, format="json")

    assert response.status_code == 400
    [message] = response.json()["conditions"]
    assert message.startswith("conditions/reduce: this condition may build a value of up to ")
    assert message.endswith("the limit is 10,000,000 (MAX_VALUE_SIZE)")
    again = api.get(url).json()
    assert (again["version"], again["conditions"]) == (1, TAG_IS_AI)


def test_it_applies_the_operations_setting(api, settings):
    settings.AUTOMATION_MAX_CONDITION_OPERATIONS = 1_000

    refused = api.post(RULES_URL, RULE, format="json")
    settings.AUTOMATION_MAX_CONDITION_OPERATIONS = 5_000
    created = api.post(RULES_URL, RULE, format="json")

    assert refused.status_code == 400
    assert refused.json()["conditions"] == [
        "conditions/some: this condition may take up to 3,002 operations; "
        "the limit is 1,000 (AUTOMATION_MAX_CONDITION_OPERATIONS)"
    ]
    assert created.status_code == 201


def test_it_refuses_conditions_above_the_byte_setting(api, settings):
    refused = api.post(RULES_URL, {**RULE, "conditions": BIG}, format="json")
    settings.AUTOMATION_MAX_CONDITION_BYTES = 32 * 1024
    created = api.post(RULES_URL, {**RULE, "conditions": BIG}, format="json")

    assert refused.status_code == 400
    assert refused.json()["conditions"] == [
        "conditions: conditions take 25,032 bytes of JSON; the limit is 16,384 (AUTOMATION_MAX_CONDITION_BYTES)"
    ]
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("conditions", "start", "end"),
    [
        (reduce_bomb(), "conditions/and/0/reduce: this condition may take", OPERATIONS_LIMIT),
        (DOUBLING, "conditions/reduce: this condition may build", "(MAX_VALUE_SIZE)"),
        (BIG, "conditions: conditions take 25,032 bytes", "(AUTOMATION_MAX_CONDITION_BYTES)"),
    ],
)
def test_it_refuses_submitted_conditions_on_test_without_evaluating_them(api, rule, conditions, start, end):
    url = f"{RULES_URL}{rule['id']}/test/"

    response = api.post(url, {"sample": {"object": {"tags": ["ai"]}}, "conditions": conditions}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["conditions"]  # no result, no trace: nothing ran
    [message] = response.json()["conditions"]
    assert message.startswith(start) and message.endswith(end)


def test_it_refuses_saved_conditions_above_a_lowered_limit_on_test(api, rule, settings):
    url = f"{RULES_URL}{rule['id']}/test/"
    sample = {"sample": {"object": {"tags": ["seo", "ai"]}}}
    assert api.post(url, sample, format="json").json()["result"] is True

    settings.AUTOMATION_MAX_CONDITION_OPERATIONS = 1_000
    response = api.post(url, sample, format="json")

    assert response.status_code == 400
    assert response.json()["conditions"][0].startswith("conditions/some: this condition may take up to 3,002")


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        (
            {"object": {"tags": ["seo"] * 1_001}},
            "sample/object/tags: a list of 1,001 items; the limit is 1,000 (MAX_CONTEXT_ITEMS)",
        ),
        (
            {"object": {"tags": ["seo", "x" * 65_537]}},
            "sample/object/tags/1: a string of 65,537 characters; the limit is 65,536 (MAX_CONTEXT_CHARS)",
        ),
    ],
)
def test_it_refuses_an_oversized_sample_naming_it(api, rule, sample, message):
    response = api.post(f"{RULES_URL}{rule['id']}/test/", {"sample": sample}, format="json")

    assert response.status_code == 400
    assert response.json() == {"sample": [message]}


def test_it_hides_another_accounts_rule_before_looking_at_its_conditions(rule, charlie):
    body = {"sample": {}, "conditions": reduce_bomb()}

    response = charlie.client().post(f"{RULES_URL}{rule['id']}/test/", body, format="json")

    assert response.status_code == 404
