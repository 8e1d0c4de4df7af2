"""Rule conditions: normalize to JSONLogic, validate once, compile, evaluate many times.

Conditions arrive either as a JSONLogic object or in the seed's list form
(``[{"field": "object.status", "operator": "equals", "value": "draft"}, ...]``,
all items combined with AND); ``normalize_conditions`` turns both into JSONLogic.
``None``, ``{}`` and ``[]`` mean "no conditions": the rule always triggers.

Paths. Every error and trace entry names a place in the rule, rooted at ``conditions``:

* list form: ``conditions/<i>`` is item ``i``; ``conditions/<i>/field`` (or ``/operator``,
  ``/value``) is one of its keys.
* JSONLogic: ``conditions`` is the root operation; the ``i``-th argument of an operation at
  ``P`` with operator ``op`` lives at ``P/op/i`` (``conditions/and/0/>/1``). A problem *with*
  an operation (unknown operator, wrong arity, failed evaluation) points at its operator key,
  ``P/op`` (``conditions/and/1/>``); an unresolved ``var`` points at ``P/var``.
  List-form item ``i`` becomes ``conditions/and/i`` after normalization.
* the evaluation context: ``context/object/created_at`` names a value in the context.

Evaluation. ``CompiledCondition.evaluate`` is the fast path: it checks that every ``var``
without a default resolves in the context, then lets datalogic evaluate the whole rule and
returns an empty trace. ``evaluate_many`` gives the same results for many conditions against one
context (the dispatcher's path: one event, every listening rule), parsing the context once into a
datalogic ``DataHandle`` and evaluating all the rules in one native call. A condition that cannot
be evaluated is never a silent ``False``: on a missing ``var`` or any datalogic error the fast
path re-runs the rule through the tracing walker of ``explain``, which short-circuits
``and``/``or``/``if`` like datalogic does (so a guarded ``var`` that is never reached is not an
error) and reports the exact path of the failure in ``ConditionResult.error``. Evaluation never
raises for a bad context; only normalization and compilation raise ``ConditionError``.

The context must hold JSON values only (str, int, float, bool, None, list, dict with str
keys): serialize datetimes and Decimals before evaluating.

Limits (no condition can exhaust CPU or memory). Validation refuses a condition nested deeper than
``MAX_DEPTH``, larger than ``max_bytes`` of compact JSON, or whose worst case (``condition_cost``)
exceeds ``max_operations`` operations or builds a value larger than ``max_value_size``; the error
names the limit and the costliest operation's path. The worst case holds for contexts that
``context_error`` accepts: call it once per context before evaluating (``explain`` does).
"""

from rules.core.conditions.cache import clear_compiled_cache, compiled_for
from rules.core.conditions.context import context_error, event_context_error
from rules.core.conditions.errors import CONTEXT_ROOT, ROOT, ConditionError, ConditionResult
from rules.core.conditions.evaluate import (
    CompiledCondition,
    ConditionSet,
    compile_conditions,
    evaluate_many,
    var_paths,
)
from rules.core.conditions.listform import LIST_OPERATORS, MAX_BYTES, ListOperator, normalize_conditions
from rules.core.conditions.validation import validate_conditions

__all__ = [
    "CONTEXT_ROOT",
    "LIST_OPERATORS",
    "MAX_BYTES",
    "ROOT",
    "CompiledCondition",
    "ConditionSet",
    "ConditionError",
    "ConditionResult",
    "ListOperator",
    "clear_compiled_cache",
    "compile_conditions",
    "compiled_for",
    "context_error",
    "evaluate_many",
    "event_context_error",
    "normalize_conditions",
    "validate_conditions",
    "var_paths",
]
