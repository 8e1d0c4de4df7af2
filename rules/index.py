"""The in-memory index of active event rules, per account and event name.

A model save asks the index whether any rule of its account listens; with none it costs a dict lookup. The
dispatcher asks for the `Listeners` of an event: the same rules with their conditions compiled into one
`ConditionSet` (compiled the first time a process dispatches that event in that account, then kept with the
account's entry), so dispatching an event reads no rule from the database and compiles nothing.
Accounts are loaded lazily (one query the first time a process meets an account) and kept in a bounded
LRU, so a process holds only the rules of the accounts it serves. The rules of a deactivated site are left out.
A rule change (or a site's activation) invalidates only its own
account: at once in the process that made it, and within `REFRESH_SECONDS` in every other process, which
reads the accounts changed since it last looked from a Redis sorted set (member: account id, score: the
generation of its last change).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from rules.core.conditions import CompiledCondition, ConditionError, ConditionSet, compiled_for

log = logging.getLogger(__name__)
GENERATION_KEY = "igny8:rules:generation"
CHANGES_KEY = "igny8:rules:changes"
REFRESH_SECONDS = 1.0
MAX_ACCOUNTS = 5000  # accounts whose rules one process keeps
KEEP_CHANGES = 100_000  # generations remembered in Redis; a process further behind reloads everything


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


@dataclass(frozen=True)
class Listeners:
    """The active rules of one account listening to one event, with their conditions compiled.

    `errors[i]` is why rule i's stored conditions no longer compile ('' when they do; its entry in
    `conditions` then always triggers, and the dispatcher records the error instead).
    """

    rules: list[IndexedRule]
    conditions: ConditionSet
    errors: list[str]
    site_ids: frozenset[int | None]  # the rules' sites (None: every site of the account)
    watching: bool  # some rule fires only on changes of given fields


_NO_LISTENERS = Listeners([], ConditionSet(()), [], frozenset(), False)


@dataclass
class AccountRules:
    """One account's entry: its rules by event, and their Listeners once the dispatcher asked for them."""

    rules: dict[str, list[IndexedRule]]
    listeners: dict[str, Listeners] = field(default_factory=dict)
    inactive_sites: frozenset[int] = frozenset()  # no rule listens to their events (account-wide rules neither)
    awaited: frozenset[str] = frozenset()  # events a program's `wait` step waits for (rules.waits)


def listeners_of(rules: list[IndexedRule]) -> Listeners:
    """Compile the conditions of `rules` (each rule version once per process: `compiled_for`)."""
    compiled: list[CompiledCondition] = []
    errors: list[str] = []
    limit = settings.AUTOMATION_MAX_CONDITION_OPERATIONS
    for rule in rules:
        try:
            compiled.append(compiled_for(rule.id, rule.version, rule.conditions, max_operations=limit))
            errors.append("")
        except ConditionError as exc:  # stored before a limit it now breaks: this rule fails, not the event
            compiled.append(CompiledCondition(None))
            errors.append(str(exc))
    return Listeners(
        rules=list(rules),
        conditions=ConditionSet(compiled),
        errors=errors,
        site_ids=frozenset(rule.site_id for rule in rules),
        watching=any(rule.watch_fields for rule in rules),
    )


class RuleIndex:
    def __init__(self) -> None:
        self._accounts: OrderedDict[int, AccountRules] = OrderedDict()
        self._generation: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def lookup(
        self, account_id: int, event: str, *, site_id: int | None = None, fresh: bool = False
    ) -> list[IndexedRule]:
        """Active event rules of the account listening to `event` of site `site_id` (none for a deactivated site;
        `fresh`: check for changes now)."""
        entry = self._account(account_id, fresh)
        return [] if site_id in entry.inactive_sites else entry.rules.get(event, [])

    def awaits(self, account_id: int, event: str) -> bool:
        """Whether a run of the account waits for `event` (a `wait` step for an event)."""
        return event in self._account(account_id, False).awaited

    def listeners(self, account_id: int, event: str, *, site_id: int | None = None, fresh: bool = False) -> Listeners:
        """The rules listening to `event` of site `site_id` with their conditions compiled (none for a deactivated
        site; `fresh`: check for changes now)."""
        entry = self._account(account_id, fresh)
        if site_id in entry.inactive_sites:
            return _NO_LISTENERS
        found = entry.listeners.get(event)
        if found is None:
            rules = entry.rules.get(event)
            found = entry.listeners.setdefault(event, listeners_of(rules) if rules else _NO_LISTENERS)
        return found

    def refresh(self) -> None:
        """Check for rule changes in other processes now (once per dispatch task; lookups then stay in memory)."""
        self._checked_at = 0.0
        self._refresh()

    def _account(self, account_id: int, fresh: bool) -> AccountRules:
        if fresh:
            self._checked_at = 0.0
        self._refresh()
        rules = self._accounts.get(account_id)
        if rules is None:
            rules = self._load(account_id)
        else:
            self._accounts.move_to_end(account_id)
        return rules

    def mark_stale(self, account_id: int | None = None) -> None:
        """Reload the account (every account when None) on its next lookup in this process."""
        with self._lock:
            if account_id is None:
                self._accounts.clear()
            else:
                self._accounts.pop(account_id, None)

    def publish(self, account_id: int | None = None) -> None:
        """Tell the other processes that the account's rules changed (call once the change has committed)."""
        self.mark_stale(account_id)
        try:
            from backend.core.redis import get_redis

            client = get_redis()
            generation = int(client.incr(GENERATION_KEY))
            pipe = client.pipeline()
            pipe.zadd(CHANGES_KEY, {str(account_id if account_id is not None else "*"): generation})
            pipe.zremrangebyscore(CHANGES_KEY, "-inf", generation - KEEP_CHANGES)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - other processes fall back to reloading everything
            log.warning("could not publish the rules generation: %s", exc)

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < REFRESH_SECONDS:
            return
        with self._lock:
            changed = self._changed_accounts()
            if changed is None:
                self._accounts.clear()
            for account in changed or ():
                self._accounts.pop(account, None)
            self._checked_at = now

    def _changed_accounts(self) -> set[int] | None:
        """Accounts changed since the last refresh; None when every account must be reloaded."""
        try:
            from backend.core.redis import get_redis

            client = get_redis()
            generation = int(client.get(GENERATION_KEY) or 0)
            seen, self._generation = self._generation, generation
            if seen is None or seen == generation:
                return set() if seen is not None else None
            if seen > generation or generation - seen > KEEP_CHANGES:  # Redis was reset, or we are far behind
                return None
            members = client.zrangebyscore(CHANGES_KEY, f"({seen}", generation)
        except Exception:  # noqa: BLE001 - without Redis, reload on every refresh
            self._generation = None
            return None
        names = {m.decode() if isinstance(m, bytes) else m for m in members}
        return None if "*" in names else {int(name) for name in names}

    def _load(self, account_id: int) -> AccountRules:
        from rules.models import AutomationRule

        rules: defaultdict[str, list[IndexedRule]] = defaultdict(list)
        active = AutomationRule.objects.filter(account_id=account_id, is_active=True, trigger_type="event")
        rows = active.exclude(site__is_active=False).values_list(  # a deactivated site's rules do not listen
            "id", "version", "site_id", "trigger_event", "trigger", "conditions", "allow_self_trigger"
        )
        for rule_id, version, site_id, event, trigger, conditions, self_trigger in rows:
            watch = frozenset((trigger or {}).get("fields") or ())
            rules[event].append(
                IndexedRule(rule_id, version, account_id, site_id, event, watch, conditions, self_trigger)
            )
        inactive: frozenset[int] = frozenset()
        if any(
            rule.site_id is None for found in rules.values() for rule in found
        ):  # account-wide rules: which sites not
            from backend.accounts.models import Site

            inactive = frozenset(
                Site.objects.filter(account_id=account_id, is_active=False).values_list("id", flat=True)
            )
        from rules.models import RunStep

        awaited = RunStep.objects.filter(
            run__account_id=account_id, status=RunStep.Status.WAITING, action_type="wait", params__for="event"
        )
        events = frozenset(str(name) for name in awaited.values_list("params__event", flat=True).distinct())
        loaded = AccountRules(dict(rules), inactive_sites=inactive, awaited=events)
        with self._lock:
            self._accounts[account_id] = loaded
            while len(self._accounts) > MAX_ACCOUNTS:
                self._accounts.popitem(last=False)
        return loaded


rule_index = RuleIndex()
