"""The Django side of the AI layer: builds the configured provider and records every call."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from actions.ai.models import AICall, PromptTemplate
from actions.ai.providers import Provider, ProviderError, ProviderResult, get_provider, providers
from actions.ai.ratelimit import wait_for_slot
from backend.core import counters
from backend.core.counters import PREFIX, SEPARATOR
from rules.core.dryrun import OFFLINE_PROVIDER, is_dry_run
from rules.core.records import RunRecords, run_records

PROVIDER_NAMES = sorted(providers.keys())  # what a step may name as its `provider`
CALLS_KEY = f"{PREFIX}provider_calls"  # "provider|function|ok or error" -> calls (for /metrics)
TOKENS_KEY = f"{PREFIX}provider_tokens"  # "provider|function" -> tokens


def provider_for(account_id: int, name: str | None = None) -> Provider:
    """The provider `name` (default: AI_PROVIDER), with the account's prompt overrides."""
    overrides = dict(PromptTemplate.objects.filter(account_id=account_id).values_list("function", "template"))
    name = OFFLINE_PROVIDER if is_dry_run() else name or settings.AI_PROVIDER  # a dry run spends nothing
    entry = providers.find(name)  # an unknown name is refused by get_provider
    config: dict[str, Any] = {**(entry.from_settings(settings) if entry else {}), "prompt_overrides": overrides or None}
    return get_provider(name, **config)


def call(ctx, function: str, method, *args, **kwargs) -> ProviderResult:
    """Call a provider method within the shared rate limit; record tokens, time and outcome."""
    calls = Calls(ctx)
    try:
        return calls.call(function, method, *args, **kwargs)
    finally:
        calls.record()


class Calls:
    """The provider calls of one batch: `call` (from any thread: it touches no database) within the shared rate
    limit, then `record` writes their AICall rows (tokens, time, outcome) in one insert: in the transaction
    that saves the batch, and in a `finally` for what no save wrote (a failed batch's calls)."""

    def __init__(self, ctx) -> None:
        self.account_id, self.run_id, self.step_index = ctx.account_id, ctx.run_id, ctx.step_index
        self.rows: list[AICall] = []
        self.lock = threading.Lock()

    def call(self, function: str, method, *args, **kwargs) -> ProviderResult:
        # The method's provider may be a step's own choice (generate_images' `provider`), not AI_PROVIDER.
        name = getattr(getattr(method, "__self__", None), "name", None)
        provider = name if isinstance(name, str) and name else settings.AI_PROVIDER
        wait_for_slot(provider, settings.AI_REQUESTS_PER_MINUTE)
        started = time.monotonic()
        try:
            result = method(*args, **kwargs)
        except ProviderError as exc:
            self._add(provider, function, exc.usage, started, error=exc.message)
            raise
        self._add(provider, function, result.usage, started)
        return result

    def value_or_error(self, function: str, method, *args, **kwargs) -> Any:
        """`call`'s value, or the provider's refusal returned instead of raised: a batch's calls made N at a time
        (`ItemAction.each`) keep each item's failure with its item."""
        try:
            return self.call(function, method, *args, **kwargs).value
        except ProviderError as exc:
            return exc

    def record(self) -> None:
        """Write the calls made so far, in one insert. Inside a transaction (the batch's save) they count as
        written once it commits: after a rollback, the next `record` writes them again."""
        with self.lock:
            rows = list(self.rows)
        if not rows:
            return
        for row in rows:
            row.pk = None  # (an insert rolled back gave it an id)
        AICall.objects.bulk_create(rows)
        counters.add_after_commit(_counted(rows))
        written = {id(row) for row in rows}

        def forget() -> None:
            with self.lock:
                self.rows = [row for row in self.rows if id(row) not in written]

        transaction.on_commit(forget)  # outside a transaction: at once

    def _add(self, provider: str, function: str, usage, started: float, error: str = "") -> None:
        row = AICall(
            account_id=self.account_id,
            run_id=self.run_id,
            step_index=self.step_index,
            provider=provider,
            function=function,
            model=getattr(usage, "model", "") or "",
            prompt_tokens=getattr(usage, "prompt_tokens", 0),
            completion_tokens=getattr(usage, "completion_tokens", 0),
            total_tokens=getattr(usage, "total_tokens", 0),
            attempts=getattr(usage, "calls", 0) or 1,
            duration_ms=int((time.monotonic() - started) * 1000),
            ok=not error,
            error=error[:2000],
            created_at=timezone.now(),
        )
        with self.lock:
            self.rows.append(row)


def _counted(rows: list[AICall]) -> list[counters.Increment]:
    """The counters' increments for recorded calls: one call each, and their tokens."""
    increments: list[counters.Increment] = []
    for row in rows:
        name = f"{row.provider}{SEPARATOR}{row.function}"
        increments.append((CALLS_KEY, f"{name}{SEPARATOR}{'ok' if row.ok else 'error'}", 1))
        increments.append((TOKENS_KEY, name, int(row.total_tokens or 0)))
    return increments


# AI calls go with their run when history is pruned (and once their run is gone, with the history of their age).
run_records.register(
    "ai_calls",
    RunRecords(
        of_runs=lambda run_ids: AICall.objects.filter(run_id__in=run_ids),
        orphans=lambda older_than, live: AICall.objects.filter(created_at__lt=older_than).exclude(run_id__in=live),
    ),
)
