"""What an action sees while it runs: the engine's implementation of `rules.core.contract.ActionContext`.

Plugins use only what the protocol names (the run's account, site and trigger payload, this step's state,
logging, credits, pause checks, events, the rule's signing secret); the run and step rows stay the engine's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from backend.accounts.models import Account, User
from backend.billing.errors import BudgetExceeded
from backend.billing.models import CreditTransaction
from backend.billing.services import Reference, credits_debit
from rules.core.causation import Causation
from rules.core.contract import ActionError, StepResult, merge_results
from rules.core.events import CUSTOM_PREFIX
from rules.models import AutomationRule, AutomationRun, RunStep
from rules.queueing import enqueue_event
from rules.runlog import LogBuffer
from rules.services import rule_signing_secret_ensure

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

    def __post_init__(self) -> None:
        self.logs = self.logs or LogBuffer(self.run, self.step)

    # --- the run and this step -------------------------------------------------------------------

    @property
    def account_id(self) -> int:
        return self.run.account_id

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
        progress = {
            "input_count": so_far.input_count,
            "output_count": so_far.output_count,
            **{k: v for k, v in so_far.result.items() if isinstance(v, int | float)},
        }
        # A superseded execution records nothing: the update holds only while the lease is ours.
        RunStep.objects.filter(pk=self.step.pk, lease_token=self.lease.token).update(
            result={**self.step.result, "progress": progress}
        )
        self.flush_logs()

    def record_partial(self, done: StepResult) -> None:
        """Keep what this execution did before it failed (earlier batches stay counted)."""
        with transaction.atomic():
            fresh = RunStep.objects.select_for_update().filter(pk=self.step.pk, lease_token=self.lease.token).first()
            if fresh is None:
                return  # superseded: the execution holding the lease now records for the step
            add_to_step(fresh, done)
            fresh.save(update_fields=["input_count", "output_count", "result"])

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
        enqueue_event(event, self.child_causation().to_dict())

    def signing_secret(self) -> str:
        """The secret this rule's outbound calls are signed with (made now when the rule has none)."""
        rule = AutomationRule.objects.filter(pk=self.run.rule_id).first() if self.run.rule_id else None
        if rule is None:
            raise ActionError("the run's rule was deleted: no signing secret to sign the call with", permanent=True)
        return rule.signing_secret or rule_signing_secret_ensure(rule=rule)[0]

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
        amount = Decimal(str(amount))
        if amount <= 0:
            return Decimal("0")
        key = idempotency_key or (f"{self.run.run_id}:{operation}:{object_type}:{object_id}" if object_id else None)
        with transaction.atomic():
            run = AutomationRun.objects.select_for_update(of=("self",)).select_related("rule").get(pk=self.run.pk)
            check_budgets(run, amount, operation)
            hold_left = max(Decimal("0"), run.credits_reserved - run.total_credits_used)
            row = credits_debit(
                account_id=run.account_id,
                amount=amount,
                operation=operation,
                reference=Reference(run.run_id, self.step.index, object_type, object_id),
                idempotency_key=key,
                reserved_for_this=hold_left,
            )
            if not row.was_created:
                return Decimal("0")  # charged before (a redelivered or retried item)
            AutomationRun.objects.filter(pk=run.pk).update(total_credits_used=F("total_credits_used") + amount)
            RunStep.objects.filter(pk=self.step.pk).update(credits_used=F("credits_used") + amount)
        return amount

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


def check_budgets(run: AutomationRun, amount: Decimal, operation: str) -> None:
    """Raise BudgetExceeded when this charge would pass the rule's per-run or the account's daily budget."""
    rule_budget = run.rule.budget_per_run if run.rule else None
    if rule_budget is not None and run.total_credits_used + amount > rule_budget:
        raise BudgetExceeded(
            budget="budget per run of this rule",
            limit=rule_budget,
            used=run.total_credits_used,
            needed=amount,
            operation=operation,
        )
    daily = Account.objects.values_list("daily_credit_budget", flat=True).get(pk=run.account_id)
    if daily is not None:
        start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        used = CreditTransaction.objects.filter(
            account_id=run.account_id, kind="debit", created_at__gte=start, run_id__gt=""
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if used + amount > daily:
            raise BudgetExceeded(
                budget="daily budget of the account", limit=daily, used=used, needed=amount, operation=operation
            )
