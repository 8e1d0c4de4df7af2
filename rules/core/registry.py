"""Registries: one per pluggable kind. Each plugin registers itself in its own module (Sentry's
workflow_engine pattern), and one `apps.ready()` imports the modules that list them.

- `registry`: the actions (by `key`), with their params validated against their JSON Schema;
- `Registry[T]`: the generic one the other kinds use (trigger types in rules.core.triggers, event sources in
  rules.core.events, AI providers in actions.ai, presets in rules.core.presets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from jsonschema import Draft202012Validator

from rules.core.contract import Action
from rules.core.flow import CONTROL_TYPES

T = TypeVar("T")


class Unknown(KeyError):
    """No plugin of that kind is registered under that key."""


class Registry(Generic[T]):
    """Plugins of one kind by key, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    @overload
    def register(self, key: str, item: T) -> T: ...

    @overload
    def register(self, key: str) -> Callable[[T], T]: ...

    def register(self, key: str, item: T | None = None) -> T | Callable[[T], T]:
        """Add `item` under `key` (or decorate it); a key registered twice is a programming error."""

        def add(value: T) -> T:
            if key in self._items:
                raise ValueError(f"{self.kind} {key!r} is registered twice")
            self._items[key] = value
            return value

        return add(item) if item is not None else add

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise Unknown(f"unknown {self.kind} {key!r}; known: {', '.join(self._items)}") from None

    def find(self, key: str) -> T | None:
        return self._items.get(key)

    def keys(self) -> list[str]:
        return list(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def unregister(self, key: str) -> None:
        """Forget a plugin (tests that register their own)."""
        self._items.pop(key, None)


class UnknownAction(KeyError):
    pass


@dataclass
class CanonicalParams:
    """Params with aliases renamed to their canonical names, what was renamed, and refused names with why."""

    params: dict[str, Any]
    sent_as: dict[str, str] = field(default_factory=dict)  # canonical name -> the alias the client sent
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name as sent, reason)


class ActionRegistry:
    def __init__(self) -> None:
        self._actions: dict[str, type[Action]] = {}
        self._validators: dict[str, Draft202012Validator] = {}

    def register(self, cls: type[Action]) -> type[Action]:
        """Class decorator: add an action; its params schema is checked once here."""
        if cls.key in self._actions:
            raise ValueError(f"action {cls.key!r} is registered twice")
        if cls.key in CONTROL_TYPES:
            raise ValueError(f"action {cls.key!r}: the name is reserved for a control block of the rule language")
        Draft202012Validator.check_schema(cls.params_schema)
        properties = set(cls.params_schema.get("properties", {}))
        wrong = sorted(set(cls.param_aliases.values()) - properties) + sorted(set(cls.param_aliases) & properties)
        if wrong:
            raise ValueError(f"action {cls.key!r}: aliases must name a param of its schema and not be one: {wrong}")
        self._actions[cls.key] = cls
        self._validators[cls.key] = Draft202012Validator(cls.params_schema)
        return cls

    def get(self, key: str) -> Action:
        try:
            return self._actions[key]()
        except KeyError:
            raise UnknownAction(key) from None

    def keys(self) -> list[str]:
        return sorted(self._actions)

    def canonical_params(self, key: str, params: dict[str, Any]) -> CanonicalParams:
        """Rename the action's aliases (the seeds' names) to canonical params; an alias beside its target is refused."""
        cls = self._actions[key]
        clean = CanonicalParams(params=dict(params))
        for alias, canonical in cls.param_aliases.items():
            if alias not in params:
                continue
            if canonical in params:
                clean.refused.append((alias, f"'{alias}' is another name for '{canonical}': give one of them"))
                continue
            clean.params[canonical] = clean.params.pop(alias)
            clean.sent_as[canonical] = alias
        for name, reason in cls.refused_params.items():
            if name in params:
                clean.refused.append((name, reason))
                clean.params.pop(name)
        return clean

    def params_errors(self, key: str, params: Any, sent_as: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """(path, message) for every way `params` violates the action's JSON Schema, worded for people and placed
        at the param concerned (a missing or unknown param at its own name); paths use the names sent."""
        validator = self._validators[key]
        errors = sorted(validator.iter_errors(params), key=lambda e: list(e.absolute_path))
        renamed = sent_as or {}
        found = []
        for error in errors:
            for path, message in _worded(error):
                found.append(("/".join(str(renamed.get(p, p) if i == 0 else p) for i, p in enumerate(path)), message))
        if not found and isinstance(params, dict):
            found += self._actions[key].check_params(params)
        return found

    def catalog(self) -> list[dict[str, Any]]:
        """Each action: type, name, description, queue, params_schema, cost, and `params` (names it accepts)."""
        return [
            {
                "type": cls.key,
                "name": cls.name,
                "description": cls.description,
                "queue": cls.queue,
                "params_schema": cls.params_schema,
                "params": param_names(cls),
                "cost": cls.cost_note,
            }
            for cls in (self._actions[k] for k in self.keys())
        ]


_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "empty",
}


def _worded(error: Any) -> list[tuple[list[Any], str]]:
    """A JSON Schema error as people read it: where (path segments) and what, in plain words."""
    path, value, kind = list(error.absolute_path), error.validator_value, error.validator
    if isinstance(error.schema, dict) and error.schema.get("errorMessage"):  # the schema's own words for it
        return [(path, str(error.schema["errorMessage"]))]
    if kind == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return [([*path, name], "required") for name in missing]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        return [([*path, name], f"unknown param; known: {', '.join(known)}") for name in extra]
    if kind == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        return [(path, "must be " + " or ".join(_TYPES.get(t, t) for t in wanted))]
    words = {
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "exclusiveMinimum": f"must be more than {value}",
        "exclusiveMaximum": f"must be less than {value}",
        "minLength": "must not be empty" if value == 1 else f"must be at least {value} characters",
        "maxLength": f"must be at most {value} characters",
        "minItems": f"must have at least {value} item{'s' if value != 1 else ''}",
        "maxItems": f"must have at most {value} items",
        "enum": "must be one of: " + ", ".join(str(v) for v in value) if isinstance(value, list) else "",
        "const": f"must be {value!r}",
        "pattern": "must be an http:// or https:// URL"
        if str(value).startswith("^https?")
        else "is not in the expected form",
        "format": f"must be a valid {value}",
        "oneOf": "matches none of the accepted forms",
        "anyOf": "matches none of the accepted forms",
        "uniqueItems": "must not repeat an item",
    }
    return [(path, words.get(kind) or error.message)]


def param_names(cls: type[Action]) -> list[str]:
    """The params an action accepts: its schema's properties, then the aliases it takes for them (seeds' names)."""
    return [*cls.params_schema.get("properties", {}), *cls.param_aliases]


registry = ActionRegistry()
