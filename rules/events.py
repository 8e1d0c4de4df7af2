"""The event catalog: which events exist and which fields each one carries.

Domain models emit `<name>.created`, `<name>.updated`, `<name>.deleted` and, when their status
changes, `<name>.status_changed`. Runs emit `run.completed` and `run.failed`; the `emit_event`
action emits `custom.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass

# model label -> (event prefix, fields carried in `object`)
DOMAIN_MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "planner.keyword": (
        "keyword",
        ("id", "site", "text", "volume", "difficulty", "intent", "status", "cluster", "disabled"),
    ),
    "planner.cluster": ("cluster", ("id", "site", "name", "description", "status")),
    "planner.contentidea": ("idea", ("id", "site", "title", "content_type", "content_structure", "cluster", "status")),
    "writer.task": ("task", ("id", "site", "title", "idea", "cluster", "status", "target_word_count")),
    "writer.content": (
        "content",
        (
            "id",
            "site",
            "title",
            "slug",
            "status",
            "word_count",
            "seo_score",
            "primary_keyword",
            "external_id",
            "external_url",
        ),
    ),
    "writer.image": ("image", ("id", "site", "content", "kind", "position", "status")),
}
RUN_FIELDS = ("run_id", "rule", "site", "status", "trigger_type", "total_credits_used", "error_message")
CUSTOM_PREFIX = "custom."


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    fields: tuple[str, ...]
    status_field: bool = False

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "fields": [f"object.{f}" for f in self.fields]
            + ["event.name", "event.changes", "site.id", "site.domain", "account.id", "now"],
        }


def _catalog() -> dict[str, EventType]:
    events: dict[str, EventType] = {}
    for prefix, fields in DOMAIN_MODELS.values():
        events[f"{prefix}.created"] = EventType(f"{prefix}.created", f"A {prefix} was created.", fields)
        events[f"{prefix}.updated"] = EventType(f"{prefix}.updated", f"A {prefix} was changed.", fields)
        events[f"{prefix}.deleted"] = EventType(f"{prefix}.deleted", f"A {prefix} was deleted.", fields)
        if "status" in fields:
            events[f"{prefix}.status_changed"] = EventType(
                f"{prefix}.status_changed",
                f"The status of a {prefix} changed (event.changes.status has old and new).",
                fields,
                status_field=True,
            )
    events["run.completed"] = EventType("run.completed", "A rule run completed.", RUN_FIELDS)
    events["run.failed"] = EventType("run.failed", "A rule run failed.", RUN_FIELDS)
    return events


CATALOG: dict[str, EventType] = _catalog()


def is_known_event(name: str) -> bool:
    """Catalog events and any `custom.<name>` event."""
    return name in CATALOG or (name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX))


def event_fields(name: str) -> tuple[str, ...]:
    return CATALOG[name].fields if name in CATALOG else ()
