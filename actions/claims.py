"""Item claims: two workers never process the same item at the same time.

A claim is a Redis key `igny8:claim:<kind>:<id>` set with NX and an expiry, so a claim held by a
dead worker lapses by itself. Callers still re-check the item's input state in the database
before writing, so an item finished elsewhere is never processed twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.core.redis import get_redis

DEFAULT_TTL_SECONDS = 600


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _key(kind: str, item_id: int) -> str:
    return f"igny8:claim:{kind}:{item_id}"


def claim(kind: str, ids: Iterable[int], *, owner: str, ttl: int = DEFAULT_TTL_SECONDS) -> list[int]:
    """Claim as many of `ids` as are free; returns the ones now held by `owner`."""
    client = get_redis()
    pipe = client.pipeline()
    ids = list(ids)
    for item_id in ids:
        pipe.set(_key(kind, item_id), owner, nx=True, ex=ttl)
    taken = pipe.execute()
    mine = [item_id for item_id, ok in zip(ids, taken, strict=True) if ok]
    if len(mine) < len(ids):  # a claim of ours from an earlier delivery of the same step is ours again
        others = [i for i in ids if i not in set(mine)]
        owners = client.mget([_key(kind, i) for i in others])
        mine += [i for i, who in zip(others, owners, strict=True) if _text(who) == owner]
    return sorted(mine)


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
