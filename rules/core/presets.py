"""Preset rules an app ships (the seven-stage pipeline): how the app keeps their shape and estimates their runs.

The engine knows no preset; an app registers one `Preset` for its `preset_key`, and the engine applies it to
every change of such a rule (whichever screen makes it) and to every run's credit reservation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rules.core.registry import Registry

Fields = dict[str, Any]
Actions = list[dict[str, Any]]


def _no_errors(fields: Fields) -> dict[str, list[str]]:
    return {}


def _unchanged(actions: Actions) -> Actions:
    return actions


@dataclass(frozen=True)
class Preset:
    key: str
    # (the rule's fields after a change) -> errors by path, empty when the shape holds
    check: Callable[[Fields], dict[str, list[str]]] = _no_errors
    # actions -> the same actions with what follows from them filled in
    normalize: Callable[[Actions], Actions] = _unchanged
    # why a rule of this preset cannot be deleted ('' when it can)
    undeletable_because: str = ""
    # site id -> the credits a run reserves (a whole run's projection); None: the sum of its steps' estimates
    estimate: Callable[[int | None], Decimal] | None = None


presets: Registry[Preset] = Registry("preset")


def preset_for(preset_key: str) -> Preset | None:
    return presets.find(preset_key) if preset_key else None
