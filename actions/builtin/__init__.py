"""Built-in actions. Every module here registers one action; list new modules explicitly."""

from actions.builtin import delay, emit_event, log, notify, update_fields, webhook  # noqa: F401
