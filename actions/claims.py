"""Item claims: two workers never process the same item at the same time.

A claim is a Redis key `igny8:claim:<kind>:<id>` holding its owner (one execution attempt of one step),
set with an expiry, so a claim held by a dead worker lapses by itself; the execution that takes over a
lost one's step takes over its claims at once. Callers still re-check the item's input state in the
database before writing, so an item finished elsewhere is never processed twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.core.redis import get_redis

DEFAULT_TTL_SECONDS = 600


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _key(kind: str, item_id: int) -> str:
    return f"igny8:claim:{kind}:{item_id}"


# Free, ours already, or held by the execution we replace: then it is ours (atomically, per key).
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if (not held) or held == ARGV[1] or (ARGV[2] ~= '' and held == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


def claim(
    kind: str, ids: Iterable[int], *, owner: str, previous_owner: str = "", ttl: int = DEFAULT_TTL_SECONDS
) -> list[int]:
    """Claim as many of `ids` as are free (or held by `previous_owner`); returns the ones now held by `owner`."""
    client = get_redis()
    script = client.register_script(_CLAIM)
    pipe = client.pipeline()
    ids = list(ids)
    for item_id in ids:
        script(keys=[_key(kind, item_id)], args=[owner, previous_owner, ttl], client=pipe)
    taken = pipe.execute()
    return sorted(item_id for item_id, ok in zip(ids, taken, strict=True) if ok)


def release(kind: str, ids: Iterable[int], *, owner: str) -> None:
    """Drop our claims (a claim taken over by someone else is left alone)."""
    client = get_redis()
    ids = list(ids)
    if not ids:
        return
    owners = client.mget([_key(kind, i) for i in ids])
    mine = [_key(kind, i) for i, who in zip(ids, owners, strict=True) if _text(who) == owner]
    if mine:
        client.delete(*mine)
