"""What an action sees while it runs: the run, its step, the trigger, logging, credits, pause checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.apps import apps
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from backend.accounts.models import Account
from backend.billing.errors import BudgetExceeded
from backend.billing.models import CreditTransaction
from backend.billing.services import Reference, credits_debit
from rules.engine import Causation
from rules.models import AutomationRun, RunStep
from rules.runlog import run_log

OBJECT_MODELS = {
    "keyword": "planner.Keyword",
    "cluster": "planner.Cluster",
    "idea": "planner.ContentIdea",
    "task": "writer.Task",
    "content": "writer.Content",
    "image": "writer.Image",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_0-9]+)*)\}")


class Lease(Protocol):
    """The execution's hold on its step (kept alive by the executor's heartbeat)."""

    token: str

    def beat(self) -> bool: ...

    def is_lost(self) -> bool: ...


@dataclass
class ActionContext:
    run: AutomationRun
    step: RunStep
    lease: Lease | None = None
    previous_owner: str = ""  # the claim owner of a lost execution of this step, whose claims pass to us

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
    def claim_owner(self) -> str:
        """Who holds the item claims of this execution (one owner per execution attempt)."""
        token = self.lease.token if self.lease else ""
        return f"{self.run.run_id}:{self.step.index}:{token}"

    def log(self, message: str, *, level: str = "info") -> None:
        """Append a timestamped line to the run log, tagged with this step (and to the process log)."""
        run_log(self.run, message, step=self.step, level=level, action=self.step.action_type)

    def should_stop(self) -> str | None:
        """Why to stop between batches: 'paused', 'cancelled', 'superseded' (another execution took the
        step over), or None to go on."""
        if self.lease is not None and self.lease.is_lost():
            return "superseded"
        status = AutomationRun.objects.filter(pk=self.run.pk).values_list("status", flat=True).first()
        return status if status in (AutomationRun.Status.PAUSED, AutomationRun.Status.CANCELLED) else None

    def report_progress(self, so_far) -> None:
        """Show the batches done so far in this execution while the step is still running."""
        progress = {
            "input_count": so_far.input_count,
            "output_count": so_far.output_count,
            **{k: v for k, v in so_far.result.items() if isinstance(v, int | float)},
        }
        result = {**self.step.result, "progress": progress}
        steps = RunStep.objects.filter(pk=self.step.pk)
        if self.lease is not None:
            steps = steps.filter(lease_token=self.lease.token)  # a superseded execution records nothing
        steps.update(result=result)

    def heartbeat(self) -> None:
        """Extend the lease now (batched actions call it after each batch, on top of the heartbeat thread)."""
        if self.lease is not None:
            self.lease.beat()
        else:
            AutomationRun.objects.filter(pk=self.run.pk).update(heartbeat_at=timezone.now())

    def child_causation(self) -> Causation:
        parent = Causation.from_dict(self.run.causation)
        return parent.child(rule_id=self.run.rule_id or 0, run_id=self.run.run_id)

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

    def trigger_object(self):
        """The domain object whose event started this run, freshly loaded, and its type name."""
        object_type = self.payload.get("object_type")
        object_id = (self.payload.get("object") or {}).get("id")
        if object_type not in OBJECT_MODELS or object_id is None:
            return None, object_type
        model = apps.get_model(OBJECT_MODELS[object_type])
        return model.objects.filter(pk=object_id, account_id=self.account_id).first(), object_type

    def account_emails(self) -> list[str]:
        from backend.accounts.models import User

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

        def lookup(match: re.Match) -> str:
            value: Any = self.payload
            for part in match.group(1).split("."):
                if not isinstance(value, dict) or part not in value:
                    return match.group(0)
                value = value[part]
            return str(value)

        return PLACEHOLDER.sub(lookup, template)


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
