"""Preset rules an app ships (the seven-stage pipeline): how the app keeps their shape.

The engine knows no preset; an app registers a guard for its `preset_key`, and the rules API applies it
to every change of such a rule, whichever screen makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PresetGuard:
    # (the rule's fields after the change) -> errors by path, empty when the shape holds
    check: Callable[[dict[str, Any]], dict[str, list[str]]]
    # actions -> the same actions with what follows from them filled in
    normalize: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
    # why the rule cannot be deleted
    undeletable_because: str


PRESETS: dict[str, PresetGuard] = {}


def preset_guard(preset_key: str) -> PresetGuard | None:
    return PRESETS.get(preset_key) if preset_key else None
