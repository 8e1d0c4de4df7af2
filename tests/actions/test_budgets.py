from __future__ import annotations

from decimal import Decimal

from backend.accounts.models import Account
from rules.lifecycle import rule_execute
from rules.models import AutomationRun


def test_it_stops_a_run_at_the_rules_budget(make_rule, eager):
    rule = make_rule(
        budget_per_run=Decimal("3"), actions=[{"type": "test_charge", "params": {"items": 5, "cost": 1, "estimate": 1}}]
    )
    run = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    step = run.steps.get()
    assert run.status == "failed" and run.total_credits_used == Decimal("3")
    assert "budget per run of this rule of 3" in step.error


def test_it_stops_at_the_accounts_daily_budget(alice, make_rule, eager):
    Account.objects.filter(pk=alice.account.pk).update(daily_credit_budget=Decimal("4"))
    rule = make_rule(mode="queued", actions=[{"type": "test_charge", "params": {"items": 3, "cost": 1}}])
    first = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    second = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    assert first.status == "completed" and second.status == "failed"
    assert second.total_credits_used == Decimal("1") and "daily budget of the account" in second.error_message
