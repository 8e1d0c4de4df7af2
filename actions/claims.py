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


def _key(kind: str, item_id: int) -> str:
    return f"igny8:claim:{kind}:{item_id}"


# Free, ours already, or held by the execution we replace: then it is ours. The keys in the order given, until
# ARGV[4] of them are ours: one round trip, atomic as a whole. Returns the (1-based) positions taken.
_CLAIM = """
local limit = tonumber(ARGV[4])
local taken = {}
for i, key in ipairs(KEYS) do
  if #taken >= limit then break end
  local held = redis.call('GET', key)
  if (not held) or held == ARGV[1] or (ARGV[2] ~= '' and held == ARGV[2]) then
    redis.call('SET', key, ARGV[1], 'EX', ARGV[3])
    taken[#taken + 1] = i
  end
end
return taken
"""

# Delete the keys still held by ARGV[1] (a claim taken over by someone else stays).
_RELEASE = """
local dropped = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    dropped = dropped + 1
  end
end
return dropped
"""


def claim(
    kind: str,
    ids: Iterable[int],
    *,
    owner: str,
    previous_owner: str = "",
    ttl: int = DEFAULT_TTL_SECONDS,
    limit: int | None = None,
) -> list[int]:
    """Claim the free ones of `ids` (or those held by `previous_owner`), in the order given, up to `limit` of
    them, in one round trip; returns the ones now held by `owner`, sorted."""
    ids = list(ids)
    if not ids or (limit is not None and limit <= 0):
        return []
    client = get_redis()
    most = len(ids) if limit is None else limit
    positions = client.register_script(_CLAIM)(
        keys=[_key(kind, i) for i in ids], args=[owner, previous_owner, ttl, most]
    )
    return sorted(ids[int(position) - 1] for position in positions)


def release(kind: str, ids: Iterable[int], *, owner: str) -> None:
    """Drop our claims (a claim taken over by someone else is left alone), in one round trip."""
    ids = list(ids)
    if ids:
        get_redis().register_script(_RELEASE)(keys=[_key(kind, i) for i in ids], args=[owner])
