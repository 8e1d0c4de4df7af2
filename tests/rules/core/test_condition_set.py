"""Many conditions against one context (the dispatcher's path): the same results as one at a time, and the
quick walk over a context that judges it exactly as the full one."""

from __future__ import annotations

from typing import Any

import pytest

from bench.conditions import RULES as BENCH_RULES
from bench.conditions import _contexts as bench_contexts
from rules.core.conditions import (
    CompiledCondition,
    ConditionResult,
    ConditionSet,
    compile_conditions,
    context_error,
    evaluate_many,
    event_context_error,
    normalize_conditions,
)
from rules.core.conditions.context import _first_error, _within_bounds
from rules.core.conditions.cost import MAX_CONTEXT_CHARS, MAX_CONTEXT_DEPTH, MAX_CONTEXT_ITEMS, MAX_CONTEXT_SIZE

# Conditions whose evaluation takes every path: plain true/false, a missing var reached or never reached,
# a default, a type error, a result that is not a boolean, scoped vars, `missing`, list indexes, a path
# segment the native guard leaves to Python, and no conditions at all.
EDGE_RULES: tuple[Any, ...] = (
    None,
    {"and": [{"==": [{"var": "event.name"}, "keyword.updated"]}, {">": [{"var": "event.changes.volume.new"}, 1]}]},
    {"or": [{"missing": ["object.author"]}, {"==": [{"var": "object.author.name"}, "alice"]}]},
    {">": [{"var": "object.author.name"}, 1]},
    {"==": [{"var": ["object.author", "nobody"]}, "nobody"]},
    {">": [{"var": "object.text"}, 1000]},
    {"var": "object.text"},
    {"cat": [{"var": "object.status"}, ""]},
    {"some": [{"var": "object.tags"}, {"==": [{"var": ""}, "seo"]}]},
    {"==": [{"var": "object.tags.1"}, "ai"]},
    {"==": [{"var": "object.tags.7"}, "ai"]},
    {"==": [{"var": "object.naïve key"}, 1]},
    {"if": [{"var": "object.disabled"}, {"var": "object.nowhere"}, True]},
    {"!!": [{"var": "object.cluster"}]},
)


def contexts() -> list[dict[str, Any]]:
    extra = [
        {"event": {"name": "keyword.updated", "changes": {}}, "object": {"text": "a", "tags": ["seo", "ai"]}},
        {"event": {"name": "keyword.created", "changes": {}}, "object": {"author": {"name": "alice"}, "text": ""}},
        {"object": {"naïve key": 1, "disabled": True, "tags": [], "status": None}},
        {},
    ]
    return bench_contexts(30) + extra


def outcome(result: ConditionResult) -> tuple[bool, dict[str, str] | None]:
    return result.triggered, result.error.to_dict() if result.error else None


def compiled_rules() -> list[CompiledCondition]:
    return [compile_conditions(normalize_conditions(rule)) for rule in (*BENCH_RULES, *EDGE_RULES)]


def test_it_evaluates_a_condition_set_as_each_condition_alone() -> None:
    conditions = compiled_rules()
    together = ConditionSet(conditions)

    for context in contexts():
        alone = [outcome(condition.evaluate(context)) for condition in conditions]
        assert [outcome(result) for result in together.evaluate(context)] == alone
        assert [outcome(result) for result in evaluate_many(conditions, context)] == alone


def test_conditions_compiled_together_give_what_each_gives_alone() -> None:
    """Every condition native (none empty, no path checked in Python): one array rule for all of them, and when
    one throws (a missing var), one by one."""
    conditions = [c for c in compiled_rules() if c.logic is not None and not c._required]
    together = ConditionSet(conditions)
    assert together._together is not None

    for context in contexts():
        alone = [outcome(condition.evaluate(context)) for condition in conditions]
        assert [outcome(result) for result in together.evaluate(context)] == alone


def test_it_gives_the_results_the_tracing_walker_gives() -> None:
    """The native guard on missing vars decides as `explain` does: an error only for a var the rule reaches."""
    conditions = compiled_rules()

    for context in contexts():
        for condition, result in zip(conditions, ConditionSet(conditions).evaluate(context), strict=True):
            assert outcome(result) == outcome(condition.explain(context)), condition.logic
            assert result.trace == []


def test_it_reports_a_missing_var_only_where_it_is_read() -> None:
    reached = compile_conditions({">": [{"var": "object.volume"}, 10]})
    guarded = compile_conditions({"and": [False, {">": [{"var": "object.volume"}, 10]}]})

    results = ConditionSet([reached, guarded]).evaluate({"object": {}})

    assert results[0].error is not None
    assert (results[0].error.path, results[0].error.message) == (
        "conditions/>/0/var",
        "object.volume is not in the context",
    )
    assert results[1] == ConditionResult(False)


def test_it_names_the_parts_of_the_context_a_condition_reads() -> None:
    assert compile_conditions({"==": [{"var": "site.timezone"}, "UTC"]}).roots == {"site"}
    assert compile_conditions({"missing": ["object.a", "payload.b"]}).roots == {"object", "payload"}
    assert compile_conditions({"==": [{"var": ""}, 1]}).roots is None  # the whole context
    assert compile_conditions(None).roots == frozenset()
    assert ConditionSet([compile_conditions({"var": "object.a"}), compile_conditions({"var": "now"})]).roots == {
        "object",
        "now",
    }


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth - 1):
        value = [value]
    return value


class Text(str):
    pass


# (context, accepted by the quick walk, accepted at all)
EDGE_CONTEXTS: tuple[tuple[Any, bool, bool], ...] = (
    ({"object": {"a": 1, "b": [1, "x", None, True, 2.5], "c": {"d": {"e": []}}}}, True, True),
    ({"list": list(range(MAX_CONTEXT_ITEMS))}, True, True),
    ({"list": list(range(MAX_CONTEXT_ITEMS + 1))}, False, False),
    ({"text": "x" * MAX_CONTEXT_CHARS}, True, True),
    ({"text": "x" * (MAX_CONTEXT_CHARS + 1)}, False, False),
    ({"deep": nested(MAX_CONTEXT_DEPTH)}, True, True),
    ({"deep": nested(MAX_CONTEXT_DEPTH + 1)}, False, False),
    ({"texts": ["x" * 60_000] * 16}, True, True),
    ({"texts": ["x" * 60_000] * 17}, False, False),
    ({1: "int key"}, False, False),
    ({"subclass": Text("a str subclass")}, False, True),  # left to the full walk, which accepts it
    ({"tuple": (1, 2, "three")}, True, True),
    ({"bytes": b"not json"}, False, False),
    ([1, 2, {"a": None}], True, True),
    ("a lone string", True, True),
    (None, True, True),
)
BOUNDS = (MAX_CONTEXT_ITEMS, MAX_CONTEXT_CHARS, MAX_CONTEXT_SIZE, MAX_CONTEXT_DEPTH)


@pytest.mark.parametrize(("context", "quick", "accepted"), EDGE_CONTEXTS, ids=range(len(EDGE_CONTEXTS)))
def test_it_judges_a_context_on_the_quick_walk_as_on_the_full_one(context: Any, quick: bool, accepted: bool) -> None:
    assert _within_bounds(context, *BOUNDS) is quick
    assert (_first_error(context, "context", *BOUNDS) is None) is accepted
    assert (context_error(context) is None) is accepted


def test_it_accepts_a_dispatcher_context_on_the_quick_walk() -> None:
    for context in bench_contexts(20):
        assert _within_bounds(context, *BOUNDS)
        assert event_context_error(context) is None


@pytest.mark.parametrize("part", ["object", "payload"])
@pytest.mark.parametrize(("context", "quick", "accepted"), EDGE_CONTEXTS, ids=range(len(EDGE_CONTEXTS)))
def test_the_dispatchers_check_judges_what_comes_from_outside_as_the_full_walk(
    part: str, context: Any, quick: bool, accepted: bool
) -> None:
    """The dispatcher walks only the event, the object and the payload of its own contexts; whatever is in
    them, it accepts what the full walk accepts and names the same problem."""
    event_context = {**bench_contexts(1)[0], part: context}

    ours, full = event_context_error(event_context), context_error(event_context)
    assert (ours and ours.to_dict()) == (full and full.to_dict())


def test_the_dispatchers_check_walks_the_events_changes() -> None:
    context = bench_contexts(1)[0]
    context["event"] = {"name": "keyword.updated", "changes": {"text": {"new": "x" * (MAX_CONTEXT_CHARS + 1)}}}

    error = event_context_error(context)

    assert error is not None and error.path == "context/event/changes/text/new"
