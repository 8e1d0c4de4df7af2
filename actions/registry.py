"""The action registry: one place that maps an action type (`key`) to its class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from actions.base import Action


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
        """(path, message) for every way `params` violates the action's JSON Schema; paths use the names sent."""
        validator = self._validators[key]
        errors = sorted(validator.iter_errors(params), key=lambda e: list(e.absolute_path))
        renamed = sent_as or {}
        return [
            ("/".join(str(renamed.get(p, p) if i == 0 else p) for i, p in enumerate(e.absolute_path)), e.message)
            for e in errors
        ]

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


def param_names(cls: type[Action]) -> list[str]:
    """The params an action accepts: its schema's properties, then the aliases it takes for them (seeds' names)."""
    return [*cls.params_schema.get("properties", {}), *cls.param_aliases]


registry = ActionRegistry()
