"""The action registry: one place that maps an action type (`key`) to its class."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from actions.base import Action


class UnknownAction(KeyError):
    pass


class ActionRegistry:
    def __init__(self) -> None:
        self._actions: dict[str, type[Action]] = {}
        self._validators: dict[str, Draft202012Validator] = {}

    def register(self, cls: type[Action]) -> type[Action]:
        """Class decorator: add an action; its params schema is checked once here."""
        if cls.key in self._actions:
            raise ValueError(f"action {cls.key!r} is registered twice")
        Draft202012Validator.check_schema(cls.params_schema)
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

    def params_errors(self, key: str, params: Any) -> list[tuple[str, str]]:
        """(path, message) for every way `params` violates the action's JSON Schema."""
        validator = self._validators[key]
        errors = sorted(validator.iter_errors(params), key=lambda e: list(e.absolute_path))
        return [("/".join(str(p) for p in e.absolute_path), e.message) for e in errors]

    def catalog(self) -> list[dict[str, Any]]:
        return [
            {
                "type": cls.key,
                "name": cls.name,
                "description": cls.description,
                "queue": cls.queue,
                "params_schema": cls.params_schema,
                "cost": cls.cost_note,
            }
            for cls in (self._actions[k] for k in self.keys())
        ]


registry = ActionRegistry()
