from __future__ import annotations

import datetime
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rules.core.conditions import (
    ConditionError,
    ConditionResult,
    clear_compiled_cache,
    compile_conditions,
    compiled_for,
    normalize_conditions,
    validate_conditions,
    var_paths,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


def item(operator: str, value: Any, field: str = "object.f") -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value}


def run_list_form(operator: str, field_value: Any, value: Any) -> ConditionResult:
    compiled = compile_conditions(normalize_conditions([item(operator, value)]))
    return compiled.evaluate({"object": {"f": field_value}})


def error_of(raw: Any) -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        compile_conditions(normalize_conditions(raw))
    return caught.value


ARTICLE = {"object": {"volume": 2000, "status": "published", "title": "A guide to X", "tags": ["seo", "ai"]}}


# ---------------------------------------------------------------- list form


@pytest.mark.parametrize(
    ("operator", "field_value", "value", "expected"),
    [
        ("equals", "draft", "draft", True),
        ("equals", "published", "draft", False),
        ("equals", None, None, True),
        ("equals", 3, 3, True),
        ("not_equals", "published", "draft", True),
        ("not_equals", "draft", "draft", False),
        ("contains", "A guide to X", "guide", True),
        ("contains", "A tutorial", "guide", False),
        ("contains", ["seo", "ai"], "seo", True),
        ("contains", ["seo", "ai"], "se", False),
        ("contains", None, "guide", False),
        ("greater_than", 2000, 1000, True),
        ("greater_than", 1000, 1000, False),
        ("greater_than", 999.5, 1000, False),
        ("less_than", 999, 1000, True),
        ("less_than", 1000, 1000, False),
        ("in", "draft", ["draft", "pending"], True),
        ("in", "published", ["draft", "pending"], False),
        ("in", "draft", [], False),
        ("not_in", "published", ["archived"], True),
        ("not_in", "archived", ["archived"], False),
    ],
)
def test_it_evaluates_every_seed_operator(operator: str, field_value: Any, value: Any, expected: bool) -> None:
    result = run_list_form(operator, field_value, value)

    assert result == ConditionResult(triggered=expected)


@pytest.mark.parametrize(
    ("condition", "jsonlogic"),
    [
        (item("equals", "draft"), {"==": [{"var": "object.f"}, "draft"]}),
        (item("not_equals", "draft"), {"!=": [{"var": "object.f"}, "draft"]}),
        (item("contains", "guide"), {"in": ["guide", {"var": "object.f"}]}),
        (item("greater_than", 1000), {">": [{"var": "object.f"}, 1000]}),
        (item("less_than", 5000), {"<": [{"var": "object.f"}, 5000]}),
        (item("in", ["draft", "pending"]), {"in": [{"var": "object.f"}, ["draft", "pending"]]}),
        (item("not_in", ["archived"]), {"!": [{"in": [{"var": "object.f"}, ["archived"]]}]}),
    ],
)
def test_it_translates_the_list_form_to_jsonlogic(condition: dict[str, Any], jsonlogic: dict[str, Any]) -> None:
    assert normalize_conditions([condition]) == {"and": [jsonlogic]}


def test_it_combines_list_items_with_and() -> None:
    raw = [item("equals", "published", "object.status"), item("greater_than", 5000, "object.volume")]

    compiled = compile_conditions(normalize_conditions(raw))

    assert compiled.evaluate(ARTICLE).triggered is False
    assert compiled.evaluate({"object": {"status": "published", "volume": 6000}}).triggered is True


@pytest.mark.parametrize("raw", [None, {}, []])
def test_it_treats_empty_conditions_as_always(raw: Any) -> None:
    compiled = compile_conditions(normalize_conditions(raw))

    assert normalize_conditions(raw) is None
    assert compiled.evaluate({}) == ConditionResult(triggered=True)
    assert compiled.explain({}) == ConditionResult(triggered=True)


def test_it_passes_valid_jsonlogic_through() -> None:
    logic = {"and": [{">": [{"var": "object.volume"}, 1000]}]}

    assert normalize_conditions(logic) == logic


@pytest.mark.parametrize(
    ("raw", "path", "message"),
    [
        ([item("like", "x")], "conditions/0/operator", "unknown operator 'like' (allowed: equals, not_equals"),
        ([item("greater_than_or_equal", 1)], "conditions/0/operator", "unknown operator 'greater_than_or_equal'"),
        ([item("equals", 1), "status = draft"], "conditions/1", "must be an object with field, operator and value"),
        ([{"operator": "equals", "value": 1}], "conditions/0/field", "'field' is required"),
        ([{"field": "object.f", "operator": "equals"}], "conditions/0/value", "'value' is required"),
        ([item("equals", 1, field="")], "conditions/0/field", "field must be a non-empty dotted path"),
        ([item("equals", 1, field="object..f")], "conditions/0/field", "field 'object..f' has an empty segment"),
        ([{**item("equals", 1), "negate": True}], "conditions/0/negate", "unknown key 'negate'"),
        ([item("greater_than", "1000")], "conditions/0/value", "'greater_than' needs a number, got a string"),
        ([item("less_than", True)], "conditions/0/value", "'less_than' needs a number, got a boolean"),
        ([item("in", "draft")], "conditions/0/value", "'in' needs a list of strings"),
        ([item("not_in", [{"var": "x"}])], "conditions/0/value", "'not_in' needs a list of strings"),
        ([item("contains", None)], "conditions/0/value", "'contains' needs a string, number or boolean, got null"),
        ([item("equals", {"var": "secret"})], "conditions/0/value", "got an object"),
        ("status = draft", "conditions", "must be a JSONLogic object or a list of conditions, got a string"),
    ],
)
def test_it_rejects_bad_list_items_with_their_path(raw: Any, path: str, message: str) -> None:
    error = error_of(raw)

    assert error.path == path
    assert message in error.message


# ---------------------------------------------------------------- JSONLogic validation


@pytest.mark.parametrize(
    ("logic", "path", "message"),
    [
        ({"and": [{">": [1, 2]}, {"foo": [1]}]}, "conditions/and/1/foo", "unknown operator 'foo'"),
        ({"not": [True]}, "conditions/not", "unknown operator 'not'; use '!' for negation"),
        ({"now": []}, "conditions/now", "unknown operator 'now'"),
        ({"and": [True, {">": [1]}]}, "conditions/and/1/>", "'>' takes 2 to 3 arguments, got 1"),
        ({">": [1, 2, 3, 4]}, "conditions/>", "'>' takes 2 to 3 arguments, got 4"),
        ({"!": [1, 2]}, "conditions/!", "'!' takes exactly 1 argument, got 2"),
        ({"==": [1]}, "conditions/==", "'==' takes exactly 2 arguments, got 1"),
        ({"and": []}, "conditions/and", "'and' takes at least 1 argument, got 0"),
        ({"if": [True, 1]}, "conditions/if", "'if' takes an odd number of arguments, at least 3"),
        ({"if": [True, 1, False, 2]}, "conditions/if", "got 4"),
        ({"var": {"var": "key"}}, "conditions/var", "var needs a dotted path string or a number, got an object"),
        ({"==": [{"var": True}, 1]}, "conditions/==/0/var", "got a boolean"),
        ({"==": [1, 1], "or": [1]}, "conditions", "exactly one operator key, got '==', 'or'"),
        ({"or": [{}]}, "conditions/or/0", "exactly one operator key, got none"),
        ({"field": "a", "operator": "equals"}, "conditions", "go inside a list"),
        ({"in": ["a", [{"bogus": 1}]]}, "conditions/in/1/0/bogus", "unknown operator 'bogus'"),
        ({"==": [{"var": "x"}, datetime.date(2024, 1, 1)]}, "conditions/==/1", "date is not a JSON value"),
    ],
)
def test_it_rejects_bad_jsonlogic_with_its_path(logic: dict[str, Any], path: str, message: str) -> None:
    error = error_of(logic)

    assert error.path == path
    assert message in error.message


def test_it_refuses_a_non_object_rule() -> None:
    with pytest.raises(ConditionError) as caught:
        validate_conditions([{"==": [1, 1]}])

    assert caught.value.to_dict() == {
        "path": "conditions",
        "message": "a JSONLogic rule must be an object, got a list",
    }


def test_it_formats_and_pickles_condition_errors() -> None:
    error = ConditionError("conditions/and/1/>", "'>' takes 2 to 3 arguments, got 1")

    copy = pickle.loads(pickle.dumps(error))

    assert str(error) == "conditions/and/1/>: '>' takes 2 to 3 arguments, got 1"
    assert (copy.path, copy.message) == (error.path, error.message)


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("logic", "triggered"),
    [
        (
            {"if": [{">": [{"var": "object.volume"}, 5000]}, False, {"==": [{"var": "object.status"}, "published"]}]},
            True,
        ),
        ({"?:": [{"var": "object.tags"}, True, False]}, True),
        ({"<": [1000, {"var": "object.volume"}, 3000]}, True),
        ({"<": [1000, {"var": "object.volume"}, 1500]}, False),
        ({"!!": [{"var": "object.tags"}]}, True),
        ({"some": [{"var": "object.tags"}, {"==": [{"var": ""}, "ai"]}]}, True),
        ({"all": [{"var": "object.tags"}, {"in": [{"var": ""}, ["seo"]]}]}, False),
        ({"missing": ["object.volume", "object.author"]}, True),
        ({"==": [{"var": "object.tags.1"}, "ai"]}, True),
        ({"==": [{"cat": [{"var": "object.status"}, "!"]}, "published!"]}, True),
        ({">": [{"+": [{"var": "object.volume"}, 1]}, 2000]}, True),
        ({"in": [{"var": "object.status"}, [{"var": "object.status"}, "x"]]}, True),
        ({"==": [{"var": ["object.author", "nobody"]}, "nobody"]}, True),
    ],
)
def test_it_evaluates_jsonlogic_the_same_on_fast_and_traced_paths(logic: dict[str, Any], triggered: bool) -> None:
    compiled = compile_conditions(logic)

    fast, traced = compiled.evaluate(ARTICLE), compiled.explain(ARTICLE)

    assert fast == ConditionResult(triggered=triggered)
    assert (traced.triggered, traced.error) == (triggered, None)


def test_it_reports_a_var_missing_from_the_context_as_an_error() -> None:
    compiled = compile_conditions(normalize_conditions([item("greater_than", 1000, "object.volume")]))

    result = compiled.evaluate({"object": {"status": "draft"}})

    assert result.triggered is False
    assert result.trace == []
    assert result.error is not None
    assert result.error.to_dict() == {
        "path": "conditions/and/0/>/0/var",
        "message": "object.volume is not in the context",
    }


def test_it_reports_a_missing_intermediate_object_as_an_error() -> None:
    compiled = compile_conditions({"==": [{"var": "object.author.name"}, "alice"]})

    result = compiled.evaluate({"object": {"author": "alice"}})

    assert result.error is not None
    assert (result.error.path, result.error.message) == (
        "conditions/==/0/var",
        "object.author.name is not in the context",
    )


def test_it_accepts_a_var_that_is_present_but_null() -> None:
    compiled = compile_conditions({"==": [{"var": "object.published_at"}, None]})

    assert compiled.evaluate({"object": {"published_at": None}}) == ConditionResult(triggered=True)


def test_it_does_not_fail_on_a_guarded_var_that_is_never_read() -> None:
    compiled = compile_conditions({"or": [{"missing": ["object.volume"]}, {">": [{"var": "object.volume"}, 10]}]})

    assert compiled.evaluate({"object": {}}) == ConditionResult(triggered=True)
    assert compiled.evaluate({"object": {"volume": 5}}) == ConditionResult(triggered=False)


def test_it_reports_a_type_error_with_the_operator_path() -> None:
    compiled = compile_conditions(normalize_conditions([item("greater_than", 1000, "object.title")]))

    result = compiled.evaluate(ARTICLE)

    assert result.triggered is False
    assert result.error is not None
    assert result.error.path == "conditions/and/0/>"
    assert result.error.message == "'>' cannot be evaluated with [\"A guide to X\", 1000]: an argument is not a number"


def test_it_reports_a_context_value_that_is_not_json() -> None:
    compiled = compile_conditions({"==": [{"var": "object.status"}, "draft"]})
    context = {"object": {"status": "draft", "created_at": datetime.datetime(2024, 1, 1)}}

    result = compiled.evaluate(context)

    assert result.error is not None
    assert result.error.path == "context/object/created_at"
    assert "datetime is not a JSON value" in result.error.message


NESTED = {
    "and": [
        {">": [{"var": "object.volume"}, 1000]},
        {"or": [{"==": [{"var": "object.status"}, "draft"]}, {"in": ["guide", {"var": "object.title"}]}]},
    ]
}


def test_it_explains_a_nested_and_or_node_by_node() -> None:
    result = compile_conditions(NESTED).explain(ARTICLE)

    assert (result.triggered, result.error) == (True, None)
    assert result.trace == [
        {"path": "conditions/and/0", "op": ">", "args": [2000, 1000], "result": True},
        {"path": "conditions/and/1/or/0", "op": "==", "args": ["published", "draft"], "result": False},
        {"path": "conditions/and/1/or/1", "op": "in", "args": ["guide", "A guide to X"], "result": True},
        {"path": "conditions/and/1", "op": "or", "args": [False, True], "result": True},
        {"path": "conditions", "op": "and", "args": [True, True], "result": True},
    ]


def test_it_stops_the_trace_where_and_short_circuits() -> None:
    result = compile_conditions(NESTED).explain({"object": {"volume": 10}})

    assert result == ConditionResult(
        triggered=False,
        trace=[
            {"path": "conditions/and/0", "op": ">", "args": [10, 1000], "result": False},
            {"path": "conditions", "op": "and", "args": [False], "result": False},
        ],
    )


def test_it_traces_the_failing_node() -> None:
    result = compile_conditions(NESTED).explain({"object": {"volume": 2000, "title": "A guide"}})

    assert result.error is not None
    assert result.error.path == "conditions/and/1/or/0/==/0/var"
    assert result.trace[-1] == {
        "path": "conditions/and/1/or/0/==/0",
        "op": "var",
        "args": ["object.status"],
        "error": "object.status is not in the context",
    }


def test_it_keeps_the_fast_path_trace_empty() -> None:
    assert compile_conditions(NESTED).evaluate(ARTICLE) == ConditionResult(triggered=True, error=None, trace=[])


def test_it_serializes_results() -> None:
    result = compile_conditions({"==": [{"var": "object.x"}, 1]}).evaluate({})

    assert result.to_dict() == {
        "triggered": False,
        "error": {"path": "conditions/==/0/var", "message": "object.x is not in the context"},
        "trace": [],
    }


def test_it_is_unaffected_by_later_changes_to_the_rule_dict() -> None:
    logic: dict[str, Any] = {"==": [{"var": "object.status"}, "published"]}
    compiled = compile_conditions(logic)

    logic["=="][1] = "draft"

    assert compiled.evaluate(ARTICLE).triggered is True


# ---------------------------------------------------------------- cache and helpers


def test_it_compiles_a_rule_version_once() -> None:
    clear_compiled_cache()
    conditions = [item("equals", "published", "object.status")]

    first = compiled_for(7, 1, conditions)
    again = compiled_for(7, 1, conditions)
    next_version = compiled_for(7, 2, [item("equals", "draft", "object.status")])

    assert again is first
    assert compiled_for(7, 1, [item("like", "never compiled")]) is first
    assert next_version is not first
    assert (first.evaluate(ARTICLE).triggered, next_version.evaluate(ARTICLE).triggered) == (True, False)


def test_it_does_not_cache_invalid_conditions() -> None:
    clear_compiled_cache()

    with pytest.raises(ConditionError):
        compiled_for(8, 1, [item("like", "x")])

    assert compiled_for(8, 1, [item("equals", "x")]).evaluate({"object": {"f": "x"}}).triggered is True


def test_it_lists_the_context_paths_a_rule_reads() -> None:
    logic = {
        "and": [
            NESTED,
            {"==": [{"var": ["object.author", "nobody"]}, "nobody"]},
            {"some": [{"var": "object.tags"}, {"==": [{"var": "name"}, {"var": ""}]}]},
        ]
    }

    assert var_paths(logic) == {"object.volume", "object.status", "object.title", "object.author", "object.tags"}
    assert var_paths(None) == set()


def test_the_core_imports_no_django_or_celery() -> None:
    """Every module of rules.core, imported at run time (the import contracts check the source; this, what runs)."""
    code = (
        "import importlib, pkgutil, sys, rules.core as core; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(core.__path__, 'rules.core.')]; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery', 'kombu', 'rest_framework')))"
    )

    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
