"""Trigger types and registries: one class per trigger type, one registration per plugin (pure)."""

from __future__ import annotations

import pytest

from rules.core.registry import Registry, Unknown
from rules.core.triggers import Errors, clean_trigger, run_trigger_type, trigger_summary, trigger_types


def test_every_trigger_type_is_registered_with_the_name_its_runs_get():
    assert trigger_types.keys() == ["manual", "webhook", "schedule", "event"]
    assert [run_trigger_type(key) for key in trigger_types.keys()] == ["manual", "webhook", "scheduled", "event"]


def test_it_cleans_a_schedule_filling_the_default_time_zone():
    errors = Errors()
    clean = clean_trigger({"type": "schedule", "cron": "0 2 * * *"}, errors, default_timezone="Europe/Paris")
    assert errors.items == {}
    assert clean == {"type": "schedule", "cron": "0 2 * * *", "timezone": "Europe/Paris", "catch_up": "latest"}
    assert trigger_summary(clean) == "At 02:00 AM (Europe/Paris)"


def test_it_names_each_bad_key_by_its_path():
    errors = Errors()
    clean_trigger({"type": "event", "event": "keyword.created", "fields": ["colour"], "when": 1}, errors)
    assert set(errors.items) == {"trigger.when", "trigger.fields"}
    errors = Errors()
    clean_trigger({"type": "sometimes"}, errors)
    assert errors.items["trigger.type"] == ["must be one of manual, webhook, schedule, event; got 'sometimes'"]


def test_an_event_trigger_summarises_the_fields_it_watches():
    trigger = {"type": "event", "event": "keyword.updated", "fields": ["volume"]}
    assert trigger_summary(trigger) == "on keyword.updated when volume changes"


def test_a_registry_refuses_a_key_twice_and_names_the_known_ones():
    things: Registry[int] = Registry("thing")
    things.register("one", 1)
    with pytest.raises(ValueError, match="thing 'one' is registered twice"):
        things.register("one", 2)
    with pytest.raises(Unknown, match="unknown thing 'two'; known: one"):
        things.get("two")
    assert things.find("two") is None and list(things) == [1]
