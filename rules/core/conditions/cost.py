"""The worst-case cost of a JSONLogic condition, computed from its text before it ever runs.

A tenant's condition runs inside the web process (``test/``) and the workers (every event), so a
condition that could exhaust CPU or memory is refused when it is saved. ``condition_cost`` walks the
rule once and returns sound upper bounds, given a context that ``context_error`` accepted (arrays
and objects of at most ``MAX_CONTEXT_ITEMS`` items, strings of at most ``MAX_CONTEXT_CHARS``
characters, at most ``MAX_CONTEXT_SIZE`` characters of JSON in all):

* ``operations``: every operation node counts one each time it runs; ``map``, ``filter``, ``all``,
  ``some``, ``none`` and ``reduce`` run their body once per item of their array, and work that
  visits every item (``in`` over an array, ``merge``, a single array argument that ``+``, ``cat``,
  ``max``... spread) counts one per item. Characters of built values that an operation reads or
  writes count one per ``CHARS_PER_OPERATION``; the context's do not (a body sees one item at a
  time, so over all iterations one operation reads at most the whole context).
* ``max_value_size``: the largest value the condition builds (``cat``, ``merge``, ``map``...), in
  characters of JSON (items and strings alike). Values read from the context or written in the
  condition are not built, so they do not count.

Every value is abstracted as a ``Bound``: how many items it iterates as, its JSON size, the part of
it the condition built, and the bound of its items. ``reduce`` follows its accumulator one iteration
at a time until it stops changing (a sum), grows by the same step (it is extrapolated), or has run
``_SIMULATED_STEPS`` iterations (the accumulator is then taken as unbounded), so a body that
concatenates the accumulator k >= 2 times is seen to grow as k**n without computing k**n: every
number saturates at ``CAP``. Nesting deeper than ``MAX_DEPTH`` is refused by an iterative check
before anything recurses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

__all__ = [
    "CAP",
    "CHARS_PER_OPERATION",
    "MAX_CONTEXT_CHARS",
    "MAX_CONTEXT_DEPTH",
    "MAX_CONTEXT_ITEMS",
    "MAX_CONTEXT_SIZE",
    "MAX_DEPTH",
    "MAX_OPERATIONS",
    "MAX_VALUE_SIZE",
    "Bound",
    "ConditionCost",
    "ConditionTooDeep",
    "condition_cost",
    "nesting_path",
]

MAX_OPERATIONS = 100_000  # the default of settings.AUTOMATION_MAX_CONDITION_OPERATIONS
MAX_VALUE_SIZE = 10_000_000  # characters of JSON one value may take (ten contexts of MAX_CONTEXT_SIZE)
CHARS_PER_OPERATION = 1_000  # characters of built values read or written that count as one operation
MAX_DEPTH = 64  # JSON nesting of one condition
MAX_CONTEXT_ITEMS = 1_000  # items of one array (or keys of one object) in an evaluation context
MAX_CONTEXT_CHARS = 65_536  # characters of one string in a context: as long as an accepted event payload
MAX_CONTEXT_SIZE = 1_000_000  # characters of JSON of a whole context
MAX_CONTEXT_DEPTH = 64  # JSON nesting of a context (deeper data crashes the evaluator's native code)
CAP = 10**18  # every count saturates here: "more than anyone would allow"

_SIMULATED_STEPS = 64  # reduce iterations followed one by one before the accumulator is taken as unbounded
_ANALYSIS_STEPS = 50_000  # operation nodes analysed (with their scope) before a condition is "too complex"
_NUMBER_SIZE = 24  # characters of the longest JSON number ("-1.7976931348623157e+308")


@dataclass(frozen=True)
class Bound:
    """Upper bounds on one value: the items it iterates as, its JSON size, the built part of it, its items."""

    items: int
    size: int
    fresh: int = 0
    elem: Bound | None = None  # None: every value nested in it has the same bounds (a context, a scalar)


@dataclass(frozen=True)
class ConditionCost:
    """Worst-case cost of one condition and the operations that make it so."""

    operations: int
    max_value_size: int
    path_of_worst: str  # the operation that multiplies the work most
    path_of_largest: str  # the operation that builds the largest value


class ConditionTooDeep(ValueError):
    """A condition nested deeper than ``MAX_DEPTH``: ``path`` names the first container too deep."""

    def __init__(self, path: str, max_depth: int) -> None:
        super().__init__(f"{path}: nested more than {max_depth} levels deep")
        self.path = path
        self.max_depth = max_depth


@dataclass(frozen=True)
class _ReduceScope:
    current: Bound
    accumulator: Bound


_Scope: TypeAlias = Bound | _ReduceScope
T = TypeVar("T")


class _TooComplex(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


NULL = Bound(1, 5)
NUMBER = Bound(1, _NUMBER_SIZE)
CONTEXT = Bound(MAX_CONTEXT_ITEMS, MAX_CONTEXT_SIZE)
TOP = Bound(CAP, CAP, CAP)
_ITERATING = frozenset({"map", "filter", "all", "some", "none"})
_BOOLEAN = frozenset({"==", "===", "!=", "!==", "!", "!!", ">", ">=", "<", "<="})
_SPREADING = frozenset({"+", "-", "*", "/", "%", "max", "min"})  # a single array argument is spread
_READING = (_BOOLEAN - {"!", "!!"}) | _SPREADING | {"in", "cat", "substr", "merge"}  # read their arguments' characters


def _sat(value: int) -> int:
    return min(value, CAP)


def _item(bound: Bound) -> Bound:
    """The bound of one item (or nested value) of ``bound``."""
    return bound.elem if bound.elem is not None else bound


def _join(a: Bound, b: Bound) -> Bound:
    """The least bound above both ``a`` and ``b`` (the chains of ``elem`` are finite, so this ends)."""
    if a == b:
        return a
    elem = None if a.elem is None and b.elem is None else _join(_item(a), _item(b))
    return Bound(max(a.items, b.items), max(a.size, b.size), max(a.fresh, b.fresh), elem)


def _join_all(bounds: list[Bound], empty: Bound) -> Bound:
    result = bounds[0] if bounds else empty
    for bound in bounds[1:]:
        result = _join(result, bound)
    return result


def _scalar(value: object) -> Bound:
    return Bound(1, len(value) + 2) if isinstance(value, str) else NUMBER


def nesting_path(value: object, *, root: str = "conditions", max_depth: int = MAX_DEPTH) -> str | None:
    """Return the path of the first object or list nested deeper than ``max_depth``, else None (no recursion)."""
    stack: list[tuple[object, str, int]] = [(value, root, 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict | list) and depth > max_depth:
            return path
        if isinstance(node, dict):
            stack.extend((child, f"{path}/{key}", depth + 1) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, f"{path}/{i}", depth + 1) for i, child in reversed(list(enumerate(node))))
    return None


def condition_cost(logic: object, *, root: str = "conditions") -> ConditionCost:
    """Return the worst-case cost of ``logic``; raise ConditionTooDeep if it is nested too deep.

    A condition too intricate to analyse in ``_ANALYSIS_STEPS`` steps costs ``CAP`` operations.
    """
    deep = nesting_path(logic, root=root)
    if deep is not None:
        raise ConditionTooDeep(deep, MAX_DEPTH)
    analyzer = _Analyzer(root)
    try:
        operations, _ = analyzer.value(logic, root, CONTEXT)
    except _TooComplex as exc:
        return ConditionCost(CAP, 0, exc.path, exc.path)
    return ConditionCost(_sat(operations), analyzer.largest[0], analyzer.worst[-1], analyzer.largest[-1])


class _Analyzer:
    """Abstract evaluation: each node gives (operations, Bound) for a scope (what its ``var``s read)."""

    def __init__(self, root: str) -> None:
        self.steps = 0
        self.memo: dict[tuple[int, _Scope], tuple[int, Bound]] = {}
        self.literals: dict[int, Bound | None] = {}
        # (amount, -depth, -order, path): the largest amount wins, then the outermost node, then the first.
        self.worst: tuple[int, int, int, str] = (0, 0, 0, root)
        self.largest: tuple[int, int, int, str] = (0, 0, 0, root)

    def value(self, node: object, path: str, scope: _Scope) -> tuple[int, Bound]:
        if isinstance(node, dict):
            return self.operation(node, path, scope)
        if isinstance(node, list):
            literal = self.literal(node)
            return (0, literal) if literal is not None else self.array(node, path, scope)
        return 0, _scalar(node)

    def literal(self, node: list[Any]) -> Bound | None:
        """The bound of a list with no operation in it (computed once), else None."""
        key = id(node)
        if key not in self.literals:
            bounds: list[Bound] = []
            for item in node:
                bound = (
                    None if isinstance(item, dict) else self.literal(item) if isinstance(item, list) else _scalar(item)
                )
                if bound is None:
                    break
                bounds.append(bound)
            else:
                size = _sat(2 + sum(bound.size + 1 for bound in bounds))
                self.literals[key] = Bound(len(bounds), size, 0, _join_all(bounds, NULL))
            self.literals.setdefault(key, None)
        return self.literals[key]

    def array(self, node: list[Any], path: str, scope: _Scope) -> tuple[int, Bound]:
        results = [self.value(item, f"{path}/{i}", scope) for i, item in enumerate(node)]
        bounds = [bound for _, bound in results]
        size = 2 + sum(bound.size + 1 for bound in bounds)
        fresh = 2 + len(bounds) + sum(bound.fresh for bound in bounds)
        bound = Bound(len(bounds), _sat(size), _sat(fresh), _join_all(bounds, NULL))
        return _sat(sum(ops for ops, _ in results)), bound

    def operation(self, node: dict[Any, Any], path: str, scope: _Scope) -> tuple[int, Bound]:
        key = (id(node), scope)
        if key in self.memo:
            return self.memo[key]
        if len(node) != 1:  # not an operation validation would accept: bound it by the worst
            ops = sum(self.value(v, f"{path}/{k}", scope)[0] for k, v in node.items())
            return _sat(1 + ops), TOP
        op, raw_args = next(iter(node.items()))
        op_path = f"{path}/{op}"
        self.steps += 1
        if self.steps > _ANALYSIS_STEPS:
            raise _TooComplex(op_path)
        args = raw_args if isinstance(raw_args, list) else [raw_args]
        ops, own, bound = self.dispatch(str(op), args, op_path, scope)
        ops, bound = _sat(ops), _capped(bound)
        own = CAP if ops >= CAP else own  # past the cap differences are meaningless: the outermost is the worst
        rank = (-op_path.count("/"), -self.steps)  # ties: the outermost node, then the first one
        self.worst = max(self.worst, (_sat(own), *rank, op_path))
        self.largest = max(self.largest, (bound.fresh, *rank, op_path))
        self.memo[key] = (ops, bound)
        return ops, bound

    def dispatch(self, op: str, args: list[Any], path: str, scope: _Scope) -> tuple[int, int, Bound]:
        """Return (operations, the node's own share of them, Bound) for one operation."""
        if op == "var":
            return self.var(args, path, scope)
        if op in _ITERATING:
            return self.iterate(op, args, path, scope)
        if op == "reduce":
            return self.reduce(args, path, scope)
        results = [self.value(arg, f"{path}/{i}", scope) for i, arg in enumerate(args)]
        bounds = [bound for _, bound in results]
        own, bound = _work(op, bounds)
        if op in _READING:  # characters of built values, which (unlike the context's) can repeat without bound
            own += (
                sum(arg.fresh for arg in bounds) + (bound.fresh if op in ("cat", "substr") else 0)
            ) // CHARS_PER_OPERATION
        return sum(arg_ops for arg_ops, _ in results) + own, own, bound

    def var(self, args: list[Any], path: str, scope: _Scope) -> tuple[int, int, Bound]:
        name = args[0] if args else ""
        ops = 1
        if isinstance(name, dict | list):  # a computed name can reach any value in scope
            name_ops, _ = self.value(name, f"{path}/0", scope)
            ops += name_ops
            found = _anywhere(_scope_bound(scope))
        else:
            found = _lookup(scope, "" if name is None else str(name))
        if len(args) > 1:
            default_ops, default = self.value(args[1], f"{path}/1", scope)
            ops += default_ops
            found = _join(found, default)
        return ops, 1, found

    def iterate(self, op: str, args: list[Any], path: str, scope: _Scope) -> tuple[int, int, Bound]:
        array_ops, array = self.value(args[0], f"{path}/0", scope)
        body_ops, body = self.value(args[1], f"{path}/1", _item(array)) if len(args) > 1 else (0, NULL)
        n = array.items
        ops = 1 + array_ops + n * (1 + body_ops)
        own = ops - array_ops - body_ops
        if op == "map":
            size, fresh = 2 + n * (body.size + 1), 2 + n * (body.fresh + 1)
            return ops, own, Bound(n, _sat(size), _sat(fresh), body)
        if op == "filter":
            return ops, own, Bound(n, _sat(array.size + 2), _sat(2 + n + _items_fresh(array)), _item(array))
        return ops, own, NULL

    def reduce(self, args: list[Any], path: str, scope: _Scope) -> tuple[int, int, Bound]:
        array_ops, array = self.value(args[0], f"{path}/0", scope)
        init_ops, init = self.value(args[2], f"{path}/2", scope) if len(args) > 2 else (0, NULL)
        body_ops, first_ops, result = self.accumulate(args[1], f"{path}/1", _item(array), init, array.items)
        ops = 1 + array_ops + init_ops + body_ops
        return ops, ops - array_ops - init_ops - first_ops, result

    def accumulate(self, body: object, path: str, current: Bound, acc: Bound, n: int) -> tuple[int, int, Bound]:
        """Run a reduce body abstractly over ``n`` items: (operations, first iteration's, bound of any result)."""
        total, first, result = 0, 0, acc
        seen: list[tuple[Bound, int]] = []  # (accumulator in, operations of the iteration)
        for i in range(1, n + 1):
            body_ops, new = self.value(body, path, _ReduceScope(current, acc))
            step, left = 1 + body_ops, n - i
            first = body_ops if i == 1 else first
            total, result = _sat(total + step), _join(result, new)
            seen = [*seen[-3:], (acc, step)]
            if left == 0:
                break
            if new == acc:  # the accumulator stopped changing: every later iteration repeats this one
                return _sat(total + step * left), first, result
            linear = _linear(seen, new, left)
            if linear is not None:
                return _sat(total + linear[0]), first, _join(result, linear[1])
            if i == _SIMULATED_STEPS:  # neither steady nor linear: assume the accumulator unbounded
                top_ops, top = self.value(body, path, _ReduceScope(current, TOP))
                return _sat(total + (1 + top_ops) * left), first, _join(result, _join(top, TOP))
            acc = new
        return total, first, result


def _linear(seen: list[tuple[Bound, int]], new: Bound, left: int) -> tuple[int, Bound] | None:
    """Extrapolate ``left`` more iterations when the last three grew the accumulator by the same step.

    The transfer of one iteration is a maximum of sums with whole coefficients, so once a slope-one
    branch has led for three iterations no steeper branch can take over (it would have already).
    """
    if len(seen) < 3:
        return None
    accs = [acc for acc, _ in seen[-3:]] + [new]
    steps = [step for _, step in seen[-3:]]
    deltas = {tuple(b - a for a, b in zip(_numbers(x), _numbers(y), strict=True)) for x, y in _pairs(accs)}
    step_deltas = {b - a for a, b in _pairs(steps)}
    if len(deltas) != 1 or len(step_deltas) != 1 or len({acc.elem for acc in accs}) != 1:
        return None
    (delta,), (step_delta,) = deltas, step_deltas
    if min(*delta, step_delta) < 0:
        return None
    ops = left * steps[-1] + step_delta * left * (left + 1) // 2
    items, size, fresh = (_sat(value + left * d) for value, d in zip(_numbers(new), delta, strict=True))
    return _sat(ops), Bound(items, size, fresh, new.elem)


def _work(op: str, bounds: list[Bound]) -> tuple[int, Bound]:
    """The operations one plain operation does itself (one, plus one per item it visits) and its result."""
    spread = bounds[0].items if len(bounds) == 1 else 0  # `{"+": [[1, 2]]}` adds up the list
    if op in _BOOLEAN:
        return 1, NULL
    if op in _SPREADING:
        return 1 + spread, NUMBER
    if op in ("and", "or"):
        return 1, _join_all(bounds, NULL)
    if op in ("if", "?:"):
        return 1, _join_all(bounds[1::2] + bounds[-1:] if len(bounds) % 2 else bounds[1::2], NULL)
    if op == "in":
        return 1 + (bounds[1].items if len(bounds) > 1 else 0), NULL
    if op in ("cat", "substr"):
        size = _sat(2 + sum(bound.size for bound in (bounds if op == "cat" else bounds[:1])))
        return 1 + spread, Bound(1, size, size)
    if op in ("merge", "missing", "missing_some"):
        # merge flattens one level; missing and missing_some return some of the names they are given
        names = bounds[1:] if op == "missing_some" else bounds
        items = _sat(sum(bound.items for bound in names))
        size = _sat(2 + sum(bound.size + 1 for bound in names))
        fresh = _sat(2 + items + sum(_items_fresh(bound) for bound in names))
        return 1 + items, Bound(items, size, fresh, _join_all([_item(bound) for bound in names], NULL))
    return 1 + sum(bound.items for bound in bounds), TOP  # an operator validation refuses: assume the worst


def _pairs(values: list[T]) -> list[tuple[T, T]]:
    return list(zip(values, values[1:], strict=False))


def _numbers(bound: Bound) -> tuple[int, int, int]:
    return bound.items, bound.size, bound.fresh


def _items_fresh(bound: Bound) -> int:
    """What the items of ``bound`` were built with: a new list of them copies references, not items."""
    return min(bound.fresh, _sat(bound.items * _item(bound).fresh))


def _capped(bound: Bound) -> Bound:
    if max(bound.items, bound.size, bound.fresh) <= CAP:
        return bound
    return Bound(_sat(bound.items), _sat(bound.size), _sat(bound.fresh), bound.elem)


def _scope_bound(scope: _Scope) -> Bound:
    if isinstance(scope, Bound):
        return scope
    current, acc = scope.current, scope.accumulator
    return Bound(2, _sat(current.size + acc.size + 30), _sat(current.fresh + acc.fresh), _join(current, acc))


def _lookup(scope: _Scope, name: str) -> Bound:
    """The bound of ``{"var": name}`` in ``scope`` (a reduce body sees only ``current`` and ``accumulator``)."""
    segments = name.split(".") if name else []
    if isinstance(scope, _ReduceScope):
        if not segments:
            return _scope_bound(scope)
        first, segments = segments[0], segments[1:]
        if first not in ("current", "accumulator"):
            return NULL
        bound = scope.current if first == "current" else scope.accumulator
    else:
        bound = scope
    for _ in segments:
        bound = _item(bound)
    return bound


def _anywhere(bound: Bound) -> Bound:
    """A bound above every value nested anywhere in ``bound``."""
    result = bound
    while bound.elem is not None:
        bound = bound.elem
        result = _join(result, bound)
    return result
