"""The event journal: every event of an account appended after its transaction commits, in bulk.

`emit(events)` is the one way an event enters the engine: it journals each event and, for those some rule
listens to or some run waits for (`dispatch=True`), sends them to the dispatcher. Inside a transaction the events
wait for its commit, and the events of one transaction go out together: one INSERT for the journal and one
publish of the dispatch tasks, however many saves made them. An event made inside a savepoint that is rolled back
is neither journaled nor dispatched (it rides on an on_commit callback registered in that savepoint, which Django
discards with it). Outside a transaction (autocommit) the event is written at once.
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from backend.core.batching import current_batch
from rules.models import EventRecord
from rules.queueing import Causation, Event, enqueue_event, publish_events

log = logging.getLogger(__name__)
_PENDING = "_igny8_journal_pending"
CHUNK = 500  # rows per INSERT statement
Row = tuple[Event, Causation, datetime]  # an event as it waits for its transaction's commit


class _Pending:
    """The events of one transaction (at one savepoint depth), written and dispatched once it commits."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.dispatch: list[tuple[Event, Causation]] = []
        self.callback = self.flush  # the bound method on_commit holds: compared by identity in `_pending()`

    def flush(self) -> None:
        rows, dispatch = self.rows, self.dispatch
        self.rows, self.dispatch = [], []
        _send(rows, dispatch)


def _send(rows: list[Row], dispatch: list[tuple[Event, Causation]]) -> None:
    """Journal the committed events, then hand those marked so to the dispatcher (even when the journal's insert
    failed: the data they describe is committed)."""
    try:
        write(rows)
    except DatabaseError:
        log.exception("could not journal %d event(s)", len(rows))
    publish_events(dispatch)


def emit(events: list[tuple[Event, Causation, bool]]) -> None:
    """Journal `(event, causation, dispatch)` triples after commit; dispatch those marked so. A dispatched event
    carries its journal row's id (`journal_id`): its runs are keyed by it, so a replay of the event never starts
    a run its live dispatch started."""
    if not events:
        return
    at = timezone.now()
    rows = [(event, causation, at) for event, causation, _dispatch in events]
    dispatch = [(event, causation) for event, causation, send in events if send]
    batch = current_batch()
    if batch is not None:  # a bulk change: its events go to the dispatcher in chunks when it ends
        for item in dispatch:
            enqueue_event(batch, *item)
        dispatch = []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(rows, dispatch)
        return
    pending = _pending(connection)
    pending.rows += rows
    pending.dispatch += dispatch


def _pending(connection: Any) -> _Pending:
    """This transaction's pending events, when the last on_commit callback registered is theirs at the current
    savepoint (so adding to them is the same as registering a callback of their own right after); else a new set
    with its callback registered now."""
    pending: _Pending | None = getattr(connection, _PENDING, None)
    hooks = connection.run_on_commit
    if (
        pending is not None
        and hooks
        and hooks[-1][1] is pending.callback
        and hooks[-1][0] == set(connection.savepoint_ids)
    ):
        return pending
    pending = _Pending()
    setattr(connection, _PENDING, pending)
    transaction.on_commit(pending.callback)
    return pending


def write(rows: list[Row]) -> None:
    """Insert the rows, CHUNK to a statement (one for the events of almost any transaction); each event gets its
    row's id (`journal_id`) before it is sent to the dispatcher. A plain multi-row INSERT … RETURNING: building a
    model instance per row cost more than the insert itself (make bench: save_overhead)."""
    if not rows:
        return
    connection = connections[router.db_for_write(EventRecord)]
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params: list[Any] = []
            for event, causation, at in chunk:
                obj = event.get("object") or {}
                object_id = event.get("object_id", obj.get("id"))
                params += [
                    event["account_id"],
                    event.get("site_id"),
                    event["name"],
                    event.get("object_type", ""),
                    object_id if type(object_id) is int else None,
                    json.dumps(obj, default=str),
                    json.dumps(event.get("changes") or {}, default=str),
                    json.dumps(causation or {}, default=str),
                    adapt(at),
                ]
            cursor.execute(_insert_sql(connection.alias, len(chunk)), params)
            for (journal_id, *_rest), (event, _causation, _at) in zip(cursor.fetchall(), chunk, strict=True):
                event["journal_id"] = journal_id


@functools.cache
def _insert_sql(alias: str, count: int) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ("account_id", "site_id", "name", "object_type", "object_id", "object", "changes", "causation", "at")
    json_value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    row = "(" + ", ".join(json_value if c in ("object", "changes", "causation") else "%s" for c in columns) + ")"
    return (
        f"INSERT INTO {quote(EventRecord._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {quote('id')}"
    )


def trigger_event(*, account_id: int, site_id: int | None, name: str, rule_id: int, data: dict[str, Any]) -> int | None:
    """Journal a trigger that is not a model event (a webhook delivery, a schedule fire) for the rule it reached;
    its journal id when it was written at once (outside a transaction), else None."""
    event = {
        "name": name,
        "account_id": account_id,
        "site_id": site_id,
        "object_type": name.split(".")[0],
        "object": {"rule": rule_id, **data},
        "object_id": rule_id,
        "changes": {},
    }
    emit([(event, None, False)])
    return event.get("journal_id")
