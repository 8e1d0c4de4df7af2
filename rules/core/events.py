"""The event catalog, built from the registered event sources.

An event source is a kind of object whose changes are events: a domain model emits `<prefix>.created`,
`<prefix>.updated`, `<prefix>.deleted` and, when its status changes, `<prefix>.status_changed`; the engine's
runs emit `run.completed` and `run.failed`. Any code may emit `custom.<name>` (the `emit_event` action does).
Sources register themselves (rules/event_sources.py holds the built-in ones); adding one is one registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rules.core.registry import Registry

CUSTOM_PREFIX = "custom."
CONTEXT_FIELDS = {
    "event.name": "string",
    "event.changes": "object",
    "site.id": "integer",
    "site.domain": "string",
    "account.id": "integer",
    "now": "string",
}
LIFECYCLE = ("created", "updated", "deleted")


@dataclass(frozen=True)
class EventSource:
    """A kind of object whose changes are events, and the fields its events carry in `object`."""

    prefix: str  # "keyword": the events are "keyword.created", …
    fields: dict[str, str]  # field name -> JSON type ("string", "integer", "number", "boolean")
    model: str = ""  # the Django model label of a domain model source ("" for the engine's own events)
    events: tuple[str, ...] = LIFECYCLE  # the suffixes it emits ("status_changed" is added for a status field)

    def event_names(self) -> list[str]:
        suffixes = [*self.events, *(["status_changed"] if self.model and "status" in self.fields else [])]
        return [f"{self.prefix}.{suffix}" for suffix in suffixes]


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    source: EventSource = field(repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.source.fields)

    def to_dict(self) -> dict[str, Any]:
        """As the trigger catalog shows it: the fields conditions can read, with their JSON types."""
        return {
            "name": self.name,
            "description": self.description,
            "fields": [f"object.{f}" for f in self.source.fields] + list(CONTEXT_FIELDS),
            "field_types": {**{f"object.{f}": t for f, t in self.source.fields.items()}, **CONTEXT_FIELDS},
        }


event_sources: Registry[EventSource] = Registry("event source")

_DESCRIPTIONS = {
    "created": "A {prefix} was created.",
    "updated": "A {prefix} was changed.",
    "deleted": "A {prefix} was deleted.",
    "status_changed": "The status of a {prefix} changed (event.changes.status has old and new).",
    "completed": "A rule {prefix} completed.",
    "failed": "A rule {prefix} failed.",
}


def catalog() -> dict[str, EventType]:
    """Every known event by name (custom events aside)."""
    events: dict[str, EventType] = {}
    for source in event_sources:
        for name in source.event_names():
            suffix = name.rsplit(".", 1)[1]
            events[name] = EventType(name, _DESCRIPTIONS[suffix].format(prefix=source.prefix), source)
    return events


def is_known_event(name: str) -> bool:
    """Catalog events and any `custom.<name>` event."""
    return name in catalog() or (name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX))


def event_fields(name: str) -> tuple[str, ...]:
    event = catalog().get(name)
    return event.fields if event else ()


def source_of(event_name: str) -> EventSource | None:
    """The source of a catalog event (`keyword.created` → the keyword source)."""
    return event_sources.find(event_name.split(".", 1)[0])
