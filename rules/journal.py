"""The event journal: every event of an account appended after its transaction commits, in bulk.

`emit(events)` is the one way an event enters the engine: it journals each event and, for those some rule
listens to or some run waits for (`dispatch=True`), sends them to the dispatcher. Inside a transaction the events
wait for its commit, and the events of one transaction go out together: one INSERT for the journal and one
publish of the dispatch tasks, however many saves made them. An event made inside a savepoint that is rolled back
is neither journaled nor dispatched (it rides on an on_commit callback registered in that savepoint, which Django
discards with it). Outside a transaction (autocommit) the event is written at once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.core.batching import current_batch
from rules.models import EventRecord
from rules.queueing import Causation, Event, enqueue_event, publish_events

_PENDING = "_igny8_journal_pending"


class _Pending:
    """The events of one transaction (at one savepoint depth), written and dispatched once it commits."""

    def __init__(self) -> None:
        self.rows: list[tuple[EventRecord, Event]] = []
        self.dispatch: list[tuple[Event, Causation]] = []
        self.callback = self.flush  # the bound method on_commit holds: compared by identity in `_pending()`

    def flush(self) -> None:
        rows, dispatch = self.rows, self.dispatch
        self.rows, self.dispatch = [], []
        write(rows)
        publish_events(dispatch)


def emit(events: list[tuple[Event, Causation, bool]]) -> None:
    """Journal `(event, causation, dispatch)` triples after commit; dispatch those marked so. A dispatched event
    carries its journal row's id (`journal_id`): its runs are keyed by it, so a replay of the event never starts
    a run its live dispatch started."""
    if not events:
        return
    at = timezone.now()
    rows = [(_row(event, causation, at), event) for event, causation, _dispatch in events]
    dispatch = [(event, causation) for event, causation, send in events if send]
    batch = current_batch()
    if batch is not None:  # a bulk change: its events go to the dispatcher in chunks when it ends
        for item in dispatch:
            enqueue_event(*item)
        dispatch = []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        write(rows)
        publish_events(dispatch)
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


def _row(event: Event, causation: Causation, at: Any) -> EventRecord:
    obj = event.get("object") or {}
    object_id = event.get("object_id", obj.get("id"))
    if not isinstance(object_id, int) or isinstance(object_id, bool):
        object_id = None
    return EventRecord(
        account_id=event["account_id"],
        site_id=event.get("site_id"),
        name=event["name"],
        object_type=event.get("object_type", ""),
        object_id=object_id,
        object=obj,
        changes=event.get("changes") or {},
        causation=causation or {},
        at=at,
    )


def write(rows: list[tuple[EventRecord, Event]]) -> None:
    """Insert the rows; each event gets its row's id (`journal_id`) before it is sent to the dispatcher."""
    if rows:
        EventRecord.objects.bulk_create([row for row, _event in rows], batch_size=1000)
        for row, event in rows:
            event["journal_id"] = row.pk


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
