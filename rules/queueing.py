"""Sending the engine's work to Celery once the current transaction commits: step executions and events.

Tasks are looked up by name in the Celery app's registry (rules/tasks.py defines them), so the modules that
enqueue work never import the modules that do it. A transaction's events are posted to the dispatcher's inbox,
which a worker drains in batches (rules/inbox.py); the events of a bulk change (`backend.core.batching.batched`)
travel together, in chunks of DISPATCH_CHUNK, a task each.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction
from kombu.utils.json import dumps
from kombu.utils.uuid import uuid

from backend.core.batching import Batch
from backend.core.redis import script

# A deferred step is re-sent at least this often, so no message waits long in a broker (visibility timeouts).
MAX_COUNTDOWN_SECONDS = 300
HARD_LIMIT_GRACE_SECONDS = 30  # after a step's soft time limit, before its worker process is killed
DISPATCH_CHUNK = 200  # events per dispatch task when a bulk change emits many
STEP_TASK = "rules.execute_step"
DISPATCH_TASK = "rules.dispatch"
DISPATCH_BATCH_TASK = "rules.dispatch_batch"
DRAIN_TASK = "rules.dispatch_inbox"
# The inbox (rules/inbox.py drains it): the events waiting, and the flag saying a drainer is awake.
INBOX_PREFIX = "igny8:dispatch:"  # every key of the inbox starts with it
INBOX = INBOX_PREFIX + "inbox"
AWAKE = INBOX_PREFIX + "awake"
AWAKE_SECONDS = 60  # renewed by every take of the drainer; gone when it finds the inbox empty
_POST = """
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""

Event = dict[str, Any]
Causation = dict[str, Any] | None


def enqueue_step(step_pk: int, *, queue: str, countdown: float = 0, timeout: int | None = None) -> None:
    """Send a step execution to its action's queue after commit (at most MAX_COUNTDOWN_SECONDS ahead)."""
    options: dict[str, Any] = {"queue": queue, **_time_limits(timeout)}
    if countdown > 0:  # a message with an ETA (even 0 s) goes through the worker's timer: tens of ms later
        options["countdown"] = min(countdown, MAX_COUNTDOWN_SECONDS)
    transaction.on_commit(lambda: current_app.tasks[STEP_TASK].apply_async((step_pk,), **options))


def enqueue_steps(steps: list[tuple[int, str, int | None]]) -> None:
    """Send the first steps of the runs a batch started, `(step pk, queue, timeout)` each, after commit: one
    task per step, published together through one producer in one Redis round trip (kombu's publish batch)."""
    if steps:
        transaction.on_commit(lambda: _publish_steps(steps))


def _publish_steps(steps: list[tuple[int, str, int | None]]) -> None:
    """The step tasks, as `apply_async` would send them, through Celery's own message maker and sender.

    `apply_async` spends about twice the message's own cost per call working out what is given here
    (the route, the merged options, the queue's declaration, cached after the first): the dispatcher sends
    ten of these for an event that starts ten runs. The queue is given by name (Celery's anonymous direct
    route to it, as apply_async's) and was declared by the workers that consume it."""
    if current_app.conf.task_always_eager:  # run in place, one after the other (tests, `make run` without workers)
        task = current_app.tasks[STEP_TASK]
        for step_pk, queue, timeout in steps:
            task.apply_async((step_pk,), queue=queue, **_time_limits(timeout))
        return
    amqp = current_app.amqp
    with current_app.producer_or_acquire() as producer, producer.batch():
        for step_pk, queue, timeout in steps:
            # The reprs given are what saferepr would write (it reads two settings per message).
            reprs = {"argsrepr": f"({step_pk},)", "kwargsrepr": "{}"}
            limits = _time_limits(timeout)
            message = amqp.create_task_message(uuid(), STEP_TASK, (step_pk,), {}, ignore_result=True, **reprs, **limits)
            amqp.send_task_message(producer, STEP_TASK, message, queue=queue, declare=[])


def _time_limits(timeout: int | None) -> dict[str, int]:
    """A step's timeout as Celery's limits: the soft one raises in the step, the hard one kills it a little later."""
    return {"soft_time_limit": timeout, "time_limit": timeout + HARD_LIMIT_GRACE_SECONDS} if timeout else {}


def enqueue_event(batch: Batch, event: Event, causation: Causation) -> None:
    """Add `event` to a bulk change's batch (`batched()`), whose events go out together in chunks of
    DISPATCH_CHUNK after it commits."""
    batch.add("rules.events", (event, causation), _enqueue_chunks)


def publish_events(events: list[tuple[Event, Causation]]) -> None:
    """Send events to the dispatcher now (a transaction's events, once it committed): posted to its inbox,
    with a drainer woken when none is awake. In eager mode they are dispatched in place, one task for one
    event, chunks of DISPATCH_CHUNK for more."""
    if not events:
        return
    if not current_app.conf.task_always_eager:
        items = [dumps({"id": uuid(), "event": event, "causation": causation}) for event, causation in events]
        woke = [
            script(_POST)(keys=(INBOX, AWAKE), args=(AWAKE_SECONDS, *items[i : i + DISPATCH_CHUNK]))
            for i in range(0, len(items), DISPATCH_CHUNK)  # (a script's arguments are bounded: Lua's unpack)
        ]
        if any(woke):
            wake_drainer()
    elif len(events) == 1:
        current_app.tasks[DISPATCH_TASK].apply_async(events[0], queue="default")
    else:
        _publish_chunks([events[i : i + DISPATCH_CHUNK] for i in range(0, len(events), DISPATCH_CHUNK)])


def wake_drainer(*, adopt: str | None = None) -> None:
    """Send a drainer of the inbox (to adopt a dead drainer's events first, when named)."""
    current_app.tasks[DRAIN_TASK].apply_async(kwargs={"adopt": adopt} if adopt else {}, queue="default")


def _enqueue_chunks(events: list[tuple[Event, Causation]]) -> None:
    chunks = [events[i : i + DISPATCH_CHUNK] for i in range(0, len(events), DISPATCH_CHUNK)]
    transaction.on_commit(lambda: _publish_chunks(chunks))


def _publish_chunks(chunks: list[list[tuple[Event, Causation]]]) -> None:
    task = current_app.tasks[DISPATCH_BATCH_TASK]
    if current_app.conf.task_always_eager:
        for chunk in chunks:
            task.apply_async((chunk,), queue="default")
        return
    with current_app.producer_or_acquire() as producer, producer.batch():  # one Redis round trip
        for chunk in chunks:
            task.apply_async((chunk,), queue="default", producer=producer)
