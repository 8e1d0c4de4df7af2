"""The dispatcher's step tasks reach the broker as `apply_async` would have sent them (real Redis)."""

import json

import pytest
import redis
from celery import current_app
from django.conf import settings

from rules.queueing import STEP_TASK, _publish_steps

QUEUE = "test-queueing"


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)


def _sent(broker) -> list[dict]:
    return [json.loads(raw) for raw in reversed(broker.lrange(QUEUE, 0, -1))]  # oldest first


def _comparable(message: dict) -> dict:
    headers = {k: v for k, v in message["headers"].items() if k not in ("id", "root_id", "origin")}
    # Per message (ids), or for results: no result backend is configured, nobody replies (reply_to).
    skip = ("correlation_id", "delivery_tag", "reply_to")
    properties = {k: v for k, v in message["properties"].items() if k not in skip}
    return {**message, "headers": headers, "properties": properties}


def test_the_steps_it_publishes_are_the_messages_apply_async_sends(broker):
    task = current_app.tasks[STEP_TASK]
    task.apply_async((7,), queue=QUEUE)
    task.apply_async((8,), queue=QUEUE, soft_time_limit=20, time_limit=50)

    _publish_steps([(7, QUEUE, None), (8, QUEUE, 20)])

    first, second, ours_first, ours_second = _sent(broker)
    assert _comparable(ours_first) == _comparable(first)
    assert _comparable(ours_second) == _comparable(second)
    assert ours_second["headers"]["timelimit"] == [50, 20]
    assert ours_first["headers"]["id"] != ours_second["headers"]["id"]
    assert ours_first["properties"]["delivery_info"] == {"exchange": "", "routing_key": QUEUE}
