"""Condition bombs: the worst-case cost of a condition, the limits on it, and the bounds on a context."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.conditions import RULES as BENCH_RULES
from rules.core.conditions import (
    ConditionError,
    compile_conditions,
    compiled_for,
    context_error,
    normalize_conditions,
    validate_conditions,
)
from rules.core.conditions.cost import (
    CAP,
    MAX_CONTEXT_CHARS,
    MAX_CONTEXT_ITEMS,
    MAX_CONTEXT_SIZE,
    ConditionTooDeep,
    condition_cost,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
ITEMS = list(range(150))
SUM = {"+": [{"var": "accumulator"}, {"var": "current"}]}
TAG_IS_AI = {"some": [{"var": "object.tags"}, {"==": [{"var": ""}, "ai"]}]}
TITLE_BANG = {"cat": [{"var": "object.title"}, "!"]}
TITLE_BANG_SIZE = 2 + MAX_CONTEXT_SIZE + 3  # the title may be any context value; "!" is 3 characters of JSON


def nested_reduce(levels: int) -> dict[str, Any]:
    """``levels`` reduces over 150 items, each adding the next one's total: 150**levels iterations."""
    node: dict[str, Any] = {"reduce": [ITEMS, SUM, 0]}
    for _ in range(levels - 1):
        node = {"reduce": [ITEMS, {"+": [{"var": "accumulator"}, node]}, 0]}
    return node


def doubling(times: int) -> dict[str, Any]:
    return {"reduce": [list(range(times)), {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "x"]}


def nested_not(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"var": "object.disabled"}
    for _ in range(levels):
        node = {"!": [node]}
    return node


# ---------------------------------------------------------------- the cost model


@pytest.mark.parametrize(
    ("logic", "operations", "max_value_size"),
    [
        ({">": [{"var": "object.volume"}, 1000]}, 2, 0),
        ({"in": [{"var": "object.intent"}, ["commercial", "transactional"]]}, 2 + 2, 0),
        # a literal array: its length times the body (plus one per iteration)
        ({"map": [[1, 2, 3], {"*": [{"var": ""}, 2]}]}, 1 + 3 * (1 + 2), 2 + 3),
        ({"all": [ITEMS, {">": [{"var": ""}, 0]}]}, 1 + 150 * 3, 0),
        # an array from the context: at most MAX_CONTEXT_ITEMS items
        (TAG_IS_AI, 2 + MAX_CONTEXT_ITEMS * 3, 0),
        ({"map": [{"var": "object.items"}, {"var": "name"}]}, 2 + MAX_CONTEXT_ITEMS * 2, 2 + MAX_CONTEXT_ITEMS),
        ({"filter": [{"var": "object.items"}, {"var": "ok"}]}, 2 + MAX_CONTEXT_ITEMS * 2, 2 + MAX_CONTEXT_ITEMS),
        # the output of map/filter is as long as their input
        ({"some": [{"filter": [ITEMS, {"var": ""}]}, {"var": ""}]}, 1 + (1 + 150 * 2) + 150 * 2, 2 + 150),
        # reduce whose accumulator stays a number: every iteration costs the same
        ({"reduce": [ITEMS, SUM, 0]}, 1 + 150 * 4, 0),
        # merge and cat build values whose sizes add up
        ({"merge": [[1, 2], [3], 4]}, 1 + 4, 2 + 4),
        ({"cat": ["ab", "cd"]}, 1, 2 + 4 + 4),
        # ... and reading or writing built characters costs one operation per CHARS_PER_OPERATION
        (TITLE_BANG, 2 + TITLE_BANG_SIZE // 1_000, TITLE_BANG_SIZE),
        (
            {"==": [TITLE_BANG, TITLE_BANG]},
            (1 + 2 * TITLE_BANG_SIZE // 1_000) + 2 * (2 + TITLE_BANG_SIZE // 1_000),
            TITLE_BANG_SIZE,
        ),
    ],
)
def test_it_bounds_operations_and_built_values(logic: dict[str, Any], operations: int, max_value_size: int) -> None:
    cost = condition_cost(logic)

    assert (cost.operations, cost.max_value_size) == (operations, max_value_size)


def test_it_multiplies_nested_reduces_without_running_them() -> None:
    costs = [condition_cost(nested_reduce(levels)).operations for levels in (1, 2, 3, 4)]

    assert costs[0] == 601
    assert all(after > 150 * before for before, after in zip(costs, costs[1:], strict=False))
    assert costs[3] > 150**4


@pytest.mark.parametrize("n", [3, 10, 200])
def test_it_follows_an_accumulator_that_grows_by_the_same_step(n: int) -> None:
    logic = {"reduce": [list(range(n)), {"merge": [{"var": "accumulator"}, [{"var": "current"}]]}, []]}

    cost = condition_cost(logic)

    # iteration k merges k+1 items: (1 + k+1) for merge, one per var and list, one for the iteration
    assert cost.operations == 1 + sum(k + 5 for k in range(n))
    assert cost.max_value_size == 2 + n  # a list of n references, not n copies


def test_it_sees_a_doubling_accumulator_without_computing_its_size() -> None:
    cost = condition_cost(doubling(150))

    assert cost.max_value_size == CAP
    assert cost.path_of_largest == "conditions/reduce"


def test_it_sees_merge_growth_in_operations_and_size() -> None:
    logic = {"reduce": [list(range(40)), {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}

    cost = condition_cost(logic)

    assert cost.operations > 2**40 and cost.max_value_size > 2**40
    assert cost.path_of_worst == "conditions/reduce"


def test_it_names_the_operation_that_multiplies_the_work() -> None:
    logic = {"and": [{"==": [{"var": "object.status"}, "new"]}, nested_reduce(4), TAG_IS_AI]}

    assert condition_cost(logic).path_of_worst == "conditions/and/1/reduce"


def test_it_refuses_deep_nesting_without_recursing() -> None:
    logic = nested_not(500)

    with pytest.raises(ConditionTooDeep) as deep:
        condition_cost(logic)
    with pytest.raises(ConditionError) as refused:
        validate_conditions(logic)

    assert deep.value.path.count("/!") == 32
    assert refused.value.path == deep.value.path
    assert "more than 64 levels deep" in refused.value.message
    with pytest.raises(ConditionError):
        normalize_conditions([{"field": "object.x", "operator": "in", "value": nested_not(5000)}])


def test_it_refuses_a_condition_too_intricate_to_analyse(monkeypatch: pytest.MonkeyPatch) -> None:
    from rules.core.conditions import cost as module

    monkeypatch.setattr(module, "_ANALYSIS_STEPS", 3)

    cost = condition_cost({"and": [TAG_IS_AI, TAG_IS_AI]})
    with pytest.raises(ConditionError) as refused:
        validate_conditions({"and": [TAG_IS_AI, TAG_IS_AI]})

    assert (cost.operations, cost.path_of_worst) == (CAP, "conditions/and/0/some/1/==")  # where it gave up
    assert refused.value.message.startswith("this condition may take more than 1,000,000,000,000,000,000 operations")


# ---------------------------------------------------------------- validation refuses what is too costly


def test_it_refuses_the_nested_reduce_bomb_naming_the_limit_and_the_path() -> None:
    with pytest.raises(ConditionError) as refused:
        normalize_conditions({"and": [nested_reduce(4), True]})

    assert refused.value.path == "conditions/and/0/reduce"
    assert refused.value.message.startswith("this condition may take up to 2,")
    assert refused.value.message.endswith("the limit is 100,000 (AUTOMATION_MAX_CONDITION_OPERATIONS)")


@pytest.mark.parametrize(("times", "refused"), [(10, False), (18, False), (30, True), (150, True)])
def test_it_refuses_a_reduce_that_doubles_a_string(times: int, refused: bool) -> None:
    if not refused:
        assert compile_conditions(doubling(times)).logic is not None
        return
    with pytest.raises(ConditionError) as error:
        compile_conditions(doubling(times))
    assert error.value.path == "conditions/reduce"
    assert "characters; the limit is 10,000,000 (MAX_VALUE_SIZE)" in error.value.message


def test_it_applies_the_operations_limit_it_is_given() -> None:
    validate_conditions(nested_reduce(2))  # 90,601 operations: under the default

    with pytest.raises(ConditionError) as refused:
        validate_conditions(TAG_IS_AI, max_operations=1_000)

    assert refused.value.to_dict() == {
        "path": "conditions/some",
        "message": "this condition may take up to 3,002 operations; "
        "the limit is 1,000 (AUTOMATION_MAX_CONDITION_OPERATIONS)",
    }
    assert compile_conditions(nested_reduce(3), max_operations=20_000_000).logic is not None


def test_it_refuses_conditions_above_the_byte_limit() -> None:
    big = {"in": [{"var": "object.text"}, ["keyword"] * 2000]}

    with pytest.raises(ConditionError) as refused:
        normalize_conditions(big)

    assert refused.value.path == "conditions"
    assert refused.value.message == (
        "conditions take 20,032 bytes of JSON; the limit is 16,384 (AUTOMATION_MAX_CONDITION_BYTES)"
    )
    assert normalize_conditions(big, max_bytes=None) == big
    with pytest.raises(ConditionError):
        normalize_conditions([{"field": "object.text", "operator": "equals", "value": "x" * 100}], max_bytes=100)


def test_it_refuses_a_stored_bomb_when_compiling_it_for_dispatch() -> None:
    with pytest.raises(ConditionError) as refused:
        compiled_for("bomb", 1, {"and": [nested_reduce(4), True]})

    assert refused.value.path == "conditions/and/0/reduce"


def test_it_allows_every_real_world_condition_with_a_small_cost() -> None:
    from tests.rules.core.test_conditions import ARTICLE, NESTED

    real = [
        *BENCH_RULES,
        NESTED,
        TAG_IS_AI,
        {"some": [{"var": "object.tags"}, {"==": [{"var": "name"}, {"var": ""}]}]},
        {"all": [{"var": "object.tags"}, {"in": [{"var": ""}, ["seo"]]}]},
        {"missing": ["object.volume", "object.author"]},
        {"==": [{"cat": [{"var": "object.status"}, "!"]}, "published!"]},
        {"in": ["ai", {"map": [{"var": "object.items"}, {"var": "name"}]}]},
        {">": [{"reduce": [{"var": "object.tags"}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 3]},
    ]

    for raw in real:
        compiled = compile_conditions(normalize_conditions(raw))
        assert compiled.logic is None or condition_cost(compiled.logic).operations <= 5_000, raw
    assert compile_conditions(normalize_conditions(NESTED)).evaluate(ARTICLE).error is None
    assert normalize_conditions(None) is None  # the preset's conditions


# ---------------------------------------------------------------- bounds on the evaluation context


@pytest.mark.parametrize(
    ("context", "path", "message"),
    [
        ({"object": {"tags": ["x"] * MAX_CONTEXT_ITEMS}}, None, None),
        (
            {"object": {"tags": ["x"] * (MAX_CONTEXT_ITEMS + 1)}},
            "context/object/tags",
            "a list of 1,001 items; the limit is 1,000 (MAX_CONTEXT_ITEMS)",
        ),
        (
            {"payload": {str(i): i for i in range(MAX_CONTEXT_ITEMS + 1)}},
            "context/payload",
            "an object of 1,001 items; the limit is 1,000 (MAX_CONTEXT_ITEMS)",
        ),
        (
            {"object": {"items": [{"text": "ok"}, {"text": "y" * (MAX_CONTEXT_CHARS + 1)}]}},
            "context/object/items/1/text",
            "a string of 65,537 characters; the limit is 65,536 (MAX_CONTEXT_CHARS)",
        ),
        (
            {"a": ["x" * 60_000] * 17},
            "context",
            "the context is more than 1,000,000 characters of JSON; the limit is 1,000,000",
        ),
        ({"object": {7: "seven"}}, "context/object", "key 7 is not a string; the context must be JSON"),
    ],
)
def test_it_finds_the_first_value_beyond_the_context_bounds(
    context: dict[str, Any], path: str | None, message: str | None
) -> None:
    error = context_error(context)

    assert ((error.path, error.message) if error else (None, None)) == (path, message)


def test_it_refuses_a_deeply_nested_context_without_recursing() -> None:
    context: dict[str, Any] = {}
    node = context
    for _ in range(100_000):
        node["a"] = {}
        node = node["a"]

    error = context_error(context, root="sample")

    assert error is not None and error.path == "sample" + "/a" * 64
    assert error.message == "the context is nested more than 64 levels deep"


def test_it_reports_an_oversized_context_as_a_condition_error() -> None:
    compiled = compile_conditions(TAG_IS_AI)
    context = {"object": {"tags": ["seo"] * MAX_CONTEXT_ITEMS + ["ai"]}}

    result = compiled.explain(context)

    assert result.triggered is False
    assert result.error is not None and result.error.path == "context/object/tags"
    assert compiled.explain({"object": {"tags": ["seo", "ai"]}}).triggered is True


def test_it_imports_no_django() -> None:
    code = "import sys, rules.core.conditions.cost; print(sorted(m for m in sys.modules if m.startswith('django')))"

    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
