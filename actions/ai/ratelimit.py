"""A rate limit shared by every worker: at most N provider requests per minute, spaced evenly.

Each caller atomically books the next free slot in Redis (`max(now, next_free) + 60/N`) and
sleeps until it; so concurrency speeds a site up without ever exceeding the provider's limit.
"""

from __future__ import annotations

import time

from backend.core.redis import get_redis

_BOOK_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], tostring(slot + interval), 'EX', 3600)
return tostring(slot - now)
"""


def wait_for_slot(name: str, requests_per_minute: float) -> float:
    """Block until this caller may send one request; returns the seconds waited (0 when unlimited)."""
    if not requests_per_minute or requests_per_minute <= 0:
        return 0.0
    wait = float(
        get_redis().eval(_BOOK_SLOT, 1, f"igny8:ratelimit:{name}", repr(time.time()), repr(60.0 / requests_per_minute))
    )
    if wait > 0:
        time.sleep(wait)
    return max(0.0, wait)
