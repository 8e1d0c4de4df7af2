"""The dispatcher's inbox: single events wait in a Redis list that a worker drains in batches.

A save's event is sent on its own, at once, after its transaction commits. Sending each as a Celery task of
its own made every event pay alone for what a batch shares: the rules' lock, the count of their active runs,
one insert each of runs, steps, log lines and trigger records, the counters, the commit and a publish
(docs/PERFORMANCE.md). So events are *posted* here instead, and one worker *drains* them, TAKE at a time into one
`dispatch_events` call: a lone event is dispatched alone and at once, events arriving faster than one process
dispatches them are dispatched together.

- **Posting** (`rules.queueing.publish_events`): one Redis script appends the events and sets the AWAKE flag
  if it was not set; only the post that set it sends a `rules.dispatch_inbox` task (the drainer). The flag
  lives AWAKE_SECONDS and every take renews it; a drainer that finds the inbox empty deletes it in the same
  script, so the next post wakes a new one (no event is left behind by a drainer going to sleep).
- **Draining** (`drain`): each take moves up to TAKE events to the drainer's own list (`taken:<task id>`) and
  renews its lease in DRAINERS, in one script; the next take clears that list. A drainer stops after
  DRAIN_SECONDS and, with events still waiting, sends the next one behind the other tasks of its queue.
- **A drainer that dies** (killed, out of memory) hands its task back to the broker (late acks,
  `reject_on_worker_lost`). Its redelivery finds its list and dispatches those events one at a time, each
  counted: an event whose dispatch killed the worker AUTOMATION_MAX_DELIVERIES times is set aside as a
  `DeadLetter` and the others go on. If its task is lost too (the whole worker gone), beat's recovery finds the
  drainer's lease lapsed and sends a drainer that adopts its list, and wakes one for events left with nobody
  awake (`recover`). A take whose dispatch raised is adopted the same way, after a successor is sent for the
  other events. Dispatching an event twice starts no run twice: its runs are keyed by its journal id.
- With `task_always_eager` (tests, a worker-less `make run`) events are dispatched in place, as before.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from kombu.utils.json import loads

from backend.core.redis import get_redis, script
from rules.core.causation import Causation
from rules.deliveries import count_delivery, forget_deliveries, set_aside
from rules.dispatch import EVENTS_PER_TRANSACTION, dispatch_events
from rules.index import rule_index
from rules.queueing import AWAKE, AWAKE_SECONDS, DISPATCH_TASK, INBOX, wake_drainer
from rules.queueing import INBOX_PREFIX as PREFIX

DRAINERS = PREFIX + "drainers"  # sorted set: drainer id -> the time its lease lapses
TAKE = EVENTS_PER_TRANSACTION  # events per take: one dispatch transaction
DRAIN_SECONDS = 5.0  # a drainer gives its worker back after this long, then sends the next one
LEASE_SECONDS = 120  # a drainer that has not taken events for this long is taken for dead by `recover`

# KEYS: inbox, the drainer's list, drainers, awake; ARGV: how many, drainer id, lease deadline, awake seconds
_TAKE = """
redis.call('DEL', KEYS[2])
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('DEL', KEYS[4])
  return items
end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[4])
return items
"""


def taken_key(drainer: str) -> str:
    return f"{PREFIX}taken:{drainer}"


def drain(drainer: str, *, adopt: str | None = None) -> int:
    """Dispatch the inbox's events, TAKE at a time, until it is empty or DRAIN_SECONDS have passed. First the
    events a dead drainer left: this drainer's own (a redelivery of its task), or `adopt`'s. Returns the number
    of events handled."""
    try:
        return _drain(drainer, adopt)
    except Exception:
        wake_drainer()  # the other events go on; the events taken wait for `recover` to adopt them, counted
        raise


def _drain(drainer: str, adopt: str | None) -> int:
    handled = _recover(drainer)
    if adopt:
        handled += _recover(adopt)
        get_redis().zrem(DRAINERS, adopt)
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        items = _take(drainer)
        if not items:
            return handled
        rule_index.refresh()  # once per take: rule changes made meanwhile in other processes are seen
        dispatch_events([_decoded(item) for item in items])
        handled += len(items)
        if time.monotonic() > deadline:
            _release(drainer)
            wake_drainer()  # the flag stays set: this drainer's successor, behind the queue's other tasks
            return handled


def _take(drainer: str) -> list[dict[str, Any]]:
    deadline = time.time() + LEASE_SECONDS
    keys = (INBOX, taken_key(drainer), DRAINERS, AWAKE)
    raw = script(_TAKE)(keys=keys, args=(TAKE, drainer, deadline, AWAKE_SECONDS))
    return [loads(item) for item in raw]


def _release(drainer: str) -> None:
    pipe = get_redis().pipeline()
    pipe.delete(taken_key(drainer))
    pipe.zrem(DRAINERS, drainer)
    pipe.execute()


def _decoded(item: dict[str, Any]) -> tuple[dict[str, Any], Causation | None]:
    causation = item["causation"]
    return item["event"], Causation.from_dict(causation) if causation else None


def _recover(drainer: str) -> int:
    """Dispatch, one at a time, the events a drainer took and never finished (its worker died): each counted,
    dead-lettered once its dispatch has killed a worker AUTOMATION_MAX_DELIVERIES times."""
    client = get_redis()
    key = taken_key(drainer)
    items = [loads(raw) for raw in client.lrange(key, 0, -1)]
    if items:
        rule_index.refresh()
    for item in items:
        deliveries = count_delivery(item["id"]) + 1  # the take that died was its first delivery
        if deliveries > settings.AUTOMATION_MAX_DELIVERIES:
            event = item["event"]
            args = [[event, item["causation"]]]
            running = f"dispatching this {event.get('name')} event"
            set_aside(
                DISPATCH_TASK,
                item["id"],
                args,
                account_id=event.get("account_id"),
                died=deliveries - 1,
                running=running,
            )
        else:
            dispatch_events([_decoded(item)])
        client.lpop(key)
        forget_deliveries(item["id"])
    return len(items)


def recover() -> int:
    """From beat: adopt the lists of drainers whose lease lapsed, and wake a drainer for events nobody drains.
    Returns the number of drainers sent."""
    client = get_redis()
    now = time.time()
    sent = 0
    for raw in client.zrangebyscore(DRAINERS, "-inf", now):
        drainer = raw.decode()
        client.zadd(DRAINERS, {drainer: now + LEASE_SECONDS})  # not adopted twice while the adopter starts
        wake_drainer(adopt=drainer)
        sent += 1
    if client.llen(INBOX) and client.set(AWAKE, "1", nx=True, ex=AWAKE_SECONDS):
        wake_drainer()
        sent += 1
    return sent


def clear() -> None:
    """Forget every waiting event and drainer (tests and benchmarks, between runs)."""
    client = get_redis()
    keys = list(client.scan_iter(match=PREFIX + "*", count=1000))
    if keys:
        client.delete(*keys)
