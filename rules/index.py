"""The in-memory index of active event rules, by (account, event name).

A model save asks the index whether any rule listens; with none it costs a dict lookup. The index
is rebuilt (one query) when rules change: at once in the process that changed them, and within
`REFRESH_SECONDS` in every other process, which compares a generation counter kept in Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

log = logging.getLogger(__name__)
GENERATION_KEY = "igny8:rules:generation"
REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class IndexedRule:
    id: int
    version: int
    account_id: int
    site_id: int | None
    event: str
    watch_fields: frozenset[str]
    conditions: dict | None
    allow_self_trigger: bool


class RuleIndex:
    def __init__(self) -> None:
        self._rules: dict[tuple[int, str], list[IndexedRule]] = {}
        self._generation: int | None = None
        self._checked_at = 0.0
        self._valid = False
        self._lock = threading.Lock()

    def lookup(self, account_id: int, event: str, *, fresh: bool = False) -> list[IndexedRule]:
        """Active event rules of the account listening to `event` (`fresh`: check the generation now)."""
        if fresh:
            self._checked_at = 0.0
        self._ensure_fresh()
        return self._rules.get((account_id, event), [])

    def mark_stale(self) -> None:
        """Rebuild on the next lookup in this process (its own transaction sees the change at once)."""
        self._valid = False

    def publish(self) -> None:
        """Tell the other processes to rebuild (call once the rule change has committed)."""
        self._valid = False
        try:
            from backend.core.redis import get_redis

            get_redis().incr(GENERATION_KEY)
        except Exception as exc:  # noqa: BLE001 - other processes fall back to their refresh timer
            log.warning("could not publish the rules generation: %s", exc)

    def _ensure_fresh(self) -> None:
        now = time.monotonic()
        if self._valid and now - self._checked_at < REFRESH_SECONDS:
            return
        with self._lock:
            generation = self._remote_generation()
            if not self._valid or generation is None or generation != self._generation:
                self._rebuild()
                self._generation = generation
            self._checked_at = now

    def _remote_generation(self) -> int | None:
        try:
            from backend.core.redis import get_redis

            return int(get_redis().get(GENERATION_KEY) or 0)
        except Exception:  # noqa: BLE001 - without Redis, rebuild on every refresh
            return None

    def _rebuild(self) -> None:
        from rules.models import AutomationRule

        rules: dict[tuple[int, str], list[IndexedRule]] = defaultdict(list)
        rows = AutomationRule.objects.filter(is_active=True, trigger_type="event").values_list(
            "id", "version", "account_id", "site_id", "trigger_event", "trigger", "conditions", "allow_self_trigger"
        )
        for rule_id, version, account_id, site_id, event, trigger, conditions, self_trigger in rows:
            watch = frozenset((trigger or {}).get("fields") or ())
            rules[(account_id, event)].append(
                IndexedRule(rule_id, version, account_id, site_id, event, watch, conditions, self_trigger)
            )
        self._rules = dict(rules)
        self._valid = True


rule_index = RuleIndex()
