"""One Redis client per process, from settings.REDIS_URL."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings
from redis.commands.core import Script


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=30)


def get_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def count_up(key: str, seconds: int) -> int:
    """Add one to a counter that expires `seconds` after its last change; return the new count."""
    pipe = get_redis().pipeline()
    pipe.incr(key)
    pipe.expire(key, seconds)
    return int(pipe.execute()[0])


def script(source: str) -> Script:
    """A Lua script on this process's client, run by its SHA once Redis has it (EVALSHA)."""
    return _script(settings.REDIS_URL, source)


@lru_cache(maxsize=16)
def _script(url: str, source: str) -> Script:
    return _client(url).register_script(source)
