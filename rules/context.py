"""What an action sees while it runs: the engine's implementation of `rules.core.contract.ActionContext`.

Plugins use only what the protocol names (the run's account, site and trigger payload, this step's state,
logging, credits, pause checks, events, the rule's signing secret); the run and step rows stay the engine's.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from backend.accounts.models import Account, User
from backend.billing.errors import BudgetExceeded, InsufficientCredits
from backend.billing.models import CreditTransaction
from backend.billing.selectors import today
from backend.billing.services import Debit, Reference, credits_debit_many
from rules import journal
from rules.core.causation import Causation
from rules.core.contract import ActionError, Charge, StepResult, merge_results
from rules.core.events import CUSTOM_PREFIX
from rules.lifecycle import lease_seconds
from rules.models import AutomationRule, AutomationRun, RunStep
from rules.runlog import LogBuffer
from rules.services import rule_signing_secret_ensure

PROGRESS_SECONDS = 1.0  # between batches, the progress is written at most this often (the stop check: always)
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_0-9]+)*)\}")
OBJECT_MODELS = {
    "keyword": "planner.Keyword",
    "cluster": "planner.Cluster",
    "idea": "planner.ContentIdea",
    "task": "writer.Task",
    "content": "writer.Content",
    "image": "writer.Image",
}


class Lease:
    """The execution's hold on its step; the executor's heartbeat keeps it (see rules.executor)."""

    token: str = ""

    def beat(self) -> bool:
        return True

    def is_lost(self) -> bool:
        return False


@dataclass
class ActionContext:
    run: AutomationRun
    step: RunStep
    lease: Lease = field(default_factory=Lease)
    previous_owner: str = ""  # the claim owner of a lost execution of this step, whose claims pass to us
    logs: LogBuffer | None = None
    _progress_shown: float = field(default=-PROGRESS_SECONDS, init=False, repr=False)  # time.monotonic()
    # The run's status and the step's lease token as the last charge saw them (its statements return them).
    _seen: tuple[str, str] | None = field(default=None, init=False, repr=False)
    # A dry run's step: what it would have charged and the calls it would have made (see `dry_run_result`).
    would_charge: Decimal = field(default=Decimal("0"), init=False)
    calls: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.logs = self.logs or LogBuffer(self.run, self.step)

    # --- the run and this step -------------------------------------------------------------------

    @property
    def account_id(self) -> int:
        return self.run.account_id

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    def would_call(self, description: str) -> None:
        self.calls.append(description)
        self.log(f"dry run: would {description}")

    def dry_run_result(self) -> dict[str, Any]:
        """What a dry run's step would have done, for its result."""
        return {"dry_run": {"would_charge": float(self.would_charge), "calls": list(self.calls)}}

    @property
    def site_id(self) -> int | None:
        return self.run.site_id

    @property
    def payload(self) -> dict[str, Any]:
        return self.run.trigger_payload or {}

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def step_index(self) -> int:
        return self.step.index

    @property
    def step_attempts(self) -> int:
        return self.step.attempts

    @property
    def step_result(self) -> dict[str, Any]:
        return self.step.result

    @property
    def step_input_count(self) -> int:
        return self.step.input_count

    @property
    def step_output_count(self) -> int:
        return self.step.output_count

    @property
    def step_started_at(self) -> datetime | None:
        return self.step.started_at

    @property
    def claim_owner(self) -> str:
        """Who holds the item claims of this execution (one owner per execution attempt)."""
        return f"{self.run.run_id}:{self.step.index}:{self.lease.token}"

    def previous_step_started_at(self, action_type: str) -> datetime | None:
        """When the run's step of that action first started (None when it has none or it never started)."""
        return (
            RunStep.objects.filter(run_id=self.run.pk, action_type=action_type, started_at__isnull=False)
            .values_list("started_at", flat=True)
            .first()
        )

    # --- logging, progress, stopping --------------------------------------------------------------

    def log(self, message: str, *, level: str = "info") -> None:
        """A line in the run's log, tagged with this step (written within a second, or with the step's end)."""
        assert self.logs is not None
        self.logs.add(message, level=level)

    def should_stop(self) -> str | None:
        """Why to stop between batches: 'paused', 'cancelled', 'superseded' (another execution took the
        step over), or None to go on."""
        if self.lease.is_lost():
            return "superseded"
        status = AutomationRun.objects.filter(pk=self.run.pk).values_list("status", flat=True).first()
        return status if status in (AutomationRun.Status.PAUSED, AutomationRun.Status.CANCELLED) else None

    def report_progress(self, so_far: StepResult) -> None:
        """Show the batches done so far in this execution while the step is still running."""
        # A superseded execution records nothing: the update holds only while the lease is ours.
        RunStep.objects.filter(pk=self.step.pk, lease_token=self.lease.token).update(
            result={**self.step.result, "progress": _progress(so_far)}
        )
        self.flush_logs()

    def between_batches(self, so_far: StepResult) -> str | None:
        """After a batch: whether to go on. At most every PROGRESS_SECONDS one statement shows the progress
        and extends the lease (an update that holds only while the lease is ours and the run running: only
        when it does not, a second statement says why). Otherwise, when the batch charged, the charge's own
        statements told the run's status and the step's lease holder (as of the charge): no statement at all;
        else one read."""
        if self.lease.is_lost():
            return "superseded"
        assert self.logs is not None
        self.logs.flush_if_due()  # the executor's heartbeat thread writes the rest within FLUSH_SECONDS
        seen, self._seen = self._seen, None
        now = time.monotonic()
        if seen is not None and now - self._progress_shown < PROGRESS_SECONDS:
            return _why_stop(*seen, self.lease.token)
        if now - self._progress_shown >= PROGRESS_SECONDS:
            shown = RunStep.objects.filter(
                pk=self.step.pk, lease_token=self.lease.token, run__status=AutomationRun.Status.RUNNING
            ).update(
                result={**self.step.result, "progress": _progress(so_far)},
                lease_until=timezone.now() + timedelta(seconds=lease_seconds()),
            )
            if shown:
                self._progress_shown = now
                return None
        status, token = RunStep.objects.filter(pk=self.step.pk).values_list("run__status", "lease_token").get()
        return _why_stop(status, token, self.lease.token)

    def record_partial(self, done: StepResult) -> None:
        """Keep what this execution did before it failed (earlier batches stay counted)."""
        with transaction.atomic():
            fresh = RunStep.objects.select_for_update().filter(pk=self.step.pk, lease_token=self.lease.token).first()
            if fresh is None:
                return  # superseded: the execution holding the lease now records for the step
            add_to_step(fresh, done)
            fresh.save(update_fields=["input_count", "output_count", "result"])
        # What the executor then records with the error starts from these counts, not the ones it read.
        self.step.input_count, self.step.output_count, self.step.result = (
            fresh.input_count,
            fresh.output_count,
            fresh.result,
        )

    def heartbeat(self) -> None:
        """Extend the lease now (batched actions call it after each batch, on top of the heartbeat thread)."""
        self.lease.beat()
        self.flush_logs()

    def flush_logs(self) -> None:
        assert self.logs is not None
        self.logs.flush()

    # --- what the run caused ----------------------------------------------------------------------

    def child_causation(self) -> Causation:
        parent = Causation.from_dict(self.run.causation)
        return parent.child(rule_id=self.run.rule_id or 0, run_id=self.run.run_id)

    def emit_event(self, name: str, data: dict[str, Any]) -> None:
        """Emit `custom.<name>` with `data`: rules listening to it run (the loop guard applies)."""
        event = {
            "name": name if name.startswith(CUSTOM_PREFIX) else f"{CUSTOM_PREFIX}{name}",
            "account_id": self.account_id,
            "site_id": self.site_id,
            "object_type": "custom",
            "object": data,
            "changes": {},
        }
        journal.emit([(event, self.child_causation().to_dict(), True)])

    def signing_secret(self) -> str:
        """The secret this rule's outbound calls are signed with (made now when the rule has none)."""
        rule = AutomationRule.objects.filter(pk=self.run.rule_id).first() if self.run.rule_id else None
        if rule is None:
            raise ActionError("the run's rule was deleted: no signing secret to sign the call with", permanent=True)
        return rule.signing_secret or rule_signing_secret_ensure(rule=rule)[0]

    def credential(self, name: str) -> str:
        rule = AutomationRule.objects.filter(pk=self.run.rule_id).only("credentials").first()
        stored = json.loads(rule.credentials) if rule is not None and rule.credentials else {}
        if name not in stored:
            raise ActionError(
                f"the rule has no credential {name!r} (set it under the rule's credentials)", permanent=True
            )
        return str(stored[name])

    # --- credits ----------------------------------------------------------------------------------

    def charge(
        self,
        amount: Decimal | float | str,
        *,
        operation: str,
        object_type: str = "",
        object_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> Decimal:
        """Debit credits for one produced item, drawing on the run's reservation first; exactly once per key."""
        return self.charge_many([Charge(amount, operation, object_type, object_id, idempotency_key)])

    def charge_many(self, charges: Sequence[Charge]) -> Decimal:
        """Debit a batch's items together, all or nothing: the budgets are checked for their total, then one
        ledger row per item (exactly once per key: an item charged before, by a redelivered or retried
        execution, is not charged again). Returns the amount charged now.

        Inside the caller's transaction (the batch's writes) the charge joins it without a savepoint, and a
        refusal (BudgetExceeded, InsufficientCredits) leaves nothing of it behind. The run's row is locked
        first (then the account's, as everywhere): one statement adds to the run's total unless that passes
        the rule's budget, and returns what the check of the account's credits needs.
        """
        if self.dry_run:  # counted, not charged (no budget or balance is checked: nothing is spent)
            total = sum((Decimal(str(c.amount)) for c in charges if Decimal(str(c.amount)) > 0), Decimal("0"))
            self.would_charge += total
            return total
        debits = []
        for charge in charges:
            amount = Decimal(str(charge.amount))
            if amount <= 0:
                continue
            key = charge.idempotency_key or (
                f"{self.run.run_id}:{charge.operation}:{charge.object_type}:{charge.object_id}"
                if charge.object_id
                else None
            )
            reference = Reference(self.run.run_id, self.step.index, charge.object_type, charge.object_id)
            debits.append(Debit(amount, charge.operation, reference, key))
        return self._debit(debits)

    def _debit(self, debits: list[Debit]) -> Decimal:
        if not debits:
            return Decimal("0")
        total = sum((d.amount for d in debits), Decimal("0"))
        operation = debits[0].operation
        with nullcontext() if connection.in_atomic_block else transaction.atomic():
            added = _add_within_budget(self.run.pk, total)
            if added is None:
                keys = [d.idempotency_key for d in debits if d.idempotency_key]
                earlier = CreditTransaction.objects.filter(idempotency_key__in=keys).values_list("idempotency_key")
                if keys and earlier.exists():  # (a retry) only what was not charged before counts
                    before = {key for (key,) in earlier}
                    return self._debit([d for d in debits if d.idempotency_key not in before])
                raise self._over_budget(total, operation)
            used, reserved, status = added[0] - total, added[1], added[2]
            try:
                rows = credits_debit_many(
                    account_id=self.run.account_id,
                    debits=debits,
                    reserved_for_these=max(Decimal("0"), reserved - used),
                    before=lambda account, amount: check_daily_budget(account, amount, operation),
                )
            except InsufficientCredits:
                _add_to_run(self.run.pk, -total)  # the caller's transaction may go on: nothing stays
                raise
            charged = sum((row.amount for row in rows if row.was_created), Decimal("0"))
            if charged != total:  # some were charged before
                _add_to_run(self.run.pk, charged - total)
            if charged:
                self._seen = (status, _add_to_step(self.step.pk, charged))
        return charged

    def _over_budget(self, amount: Decimal, operation: str) -> BudgetExceeded:
        run = AutomationRun.objects.filter(pk=self.run.pk)
        used, budget = run.values_list("total_credits_used", "rule__budget_per_run").get()
        return BudgetExceeded(
            budget="budget per run of this rule", limit=budget, used=used, needed=amount, operation=operation
        )

    # --- the trigger ------------------------------------------------------------------------------

    def trigger_object(self) -> tuple[Any, str | None]:
        """The domain object whose event started this run, freshly loaded, and its type name."""
        object_type = self.payload.get("object_type")
        object_id = (self.payload.get("object") or {}).get("id")
        if object_type not in OBJECT_MODELS or object_id is None:
            return None, object_type
        model = apps.get_model(OBJECT_MODELS[object_type])
        return model.objects.filter(pk=object_id, account_id=self.account_id).first(), object_type

    def account_emails(self) -> list[str]:
        return list(
            User.objects.filter(account_id=self.account_id, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )

    def describe(self) -> dict[str, Any]:
        """The run's context as JSON (what a webhook receives)."""
        return {
            "run_id": self.run.run_id,
            "rule": {"id": self.run.rule_id, "name": self.run.rule_name, "version": self.run.rule_version},
            "site_id": self.site_id,
            "trigger_type": self.run.trigger_type,
            "payload": self.payload,
            "step": {"index": self.step.index, "action_type": self.step.action_type},
        }

    def render(self, template: str) -> str:
        """Fill `{object.text}`-style placeholders from the trigger payload; unknown ones stay as written."""

        def lookup(match: re.Match[str]) -> str:
            value: Any = self.payload
            for part in match.group(1).split("."):
                if not isinstance(value, dict) or part not in value:
                    return match.group(0)
                value = value[part]
            return str(value)

        return PLACEHOLDER.sub(lookup, template)


def add_to_step(step: RunStep, done: StepResult) -> None:
    """Add an execution's counts and results to the step (the live `progress` it showed meanwhile goes)."""
    step.result.pop("progress", None)
    step.input_count += done.input_count
    step.output_count += done.output_count
    step.result = merge_results(step.result, done.result)


def _progress(so_far: StepResult) -> dict[str, Any]:
    return {
        "input_count": so_far.input_count,
        "output_count": so_far.output_count,
        **{k: v for k, v in so_far.result.items() if isinstance(v, int | float)},
    }


def check_daily_budget(account: Account, amount: Decimal, operation: str) -> None:
    """Raise BudgetExceeded when this charge would pass the account's daily budget (`account` is the locked
    row: every charge of the account waits for it, so its count of the day's spend is current)."""
    daily = account.daily_credit_budget
    if daily is None:
        return
    used = account.spent_on_day(today())
    if used + amount > daily:
        raise BudgetExceeded(
            budget="daily budget of the account", limit=daily, used=used, needed=amount, operation=operation
        )


def _why_stop(status: str, token: str, ours: str) -> str | None:
    if token != ours:
        return "superseded"
    return status if status in (AutomationRun.Status.PAUSED, AutomationRun.Status.CANCELLED) else None


def _add_within_budget(run_pk: int, amount: Decimal) -> tuple[Decimal, Decimal, str] | None:
    """Add `amount` to the run's total unless that passes its rule's budget per run (checked in the same
    statement, which locks the run's row); returns the new total, the run's reservation and its status, or
    None when the budget does not allow it. (Amounts have two decimals: compared rounded, as SQLite keeps
    them as reals.)"""
    run, rule = (connection.ops.quote_name(m._meta.db_table) for m in (AutomationRun, AutomationRule))
    over_budget = (
        f"SELECT 1 FROM {rule} WHERE {rule}.id = {run}.rule_id AND {rule}.budget_per_run IS NOT NULL "
        f"AND ROUND({run}.total_credits_used + %s, 2) > {rule}.budget_per_run"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {run} SET total_credits_used = total_credits_used + %s WHERE id = %s "
            f"AND NOT EXISTS ({over_budget}) RETURNING total_credits_used, credits_reserved, status",
            [amount, run_pk, amount],
        )
        row = cursor.fetchone()
    return None if row is None else (_decimal(row[0]), _decimal(row[1]), row[2])


def _add_to_step(step_pk: int, amount: Decimal) -> str:
    """Add `amount` to the step's credits; returns who holds its lease now."""
    step = connection.ops.quote_name(RunStep._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {step} SET credits_used = credits_used + %s WHERE id = %s RETURNING lease_token", [amount, step_pk]
        )
        return str(cursor.fetchone()[0])


def _add_to_run(run_pk: int, amount: Decimal) -> None:
    AutomationRun.objects.filter(pk=run_pk).update(total_credits_used=F("total_credits_used") + amount)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
