"""The Credits screen's API: the ledger (filters, pages, CSV), usage per day and per stage, the daily budget."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from backend.accounts.models import Account
from backend.billing.models import CreditTransaction
from backend.billing.services import Reference, credits_add, credits_debit, credits_release, credits_reserve
from rules.lifecycle import rule_execute
from rules.models import AutomationRun

LEDGER_QUERIES = 3  # token, count, the page's rows
USAGE_QUERIES = 3  # token, spend per day, spend per operation


def _charge(persona, amount, operation, run_id="run_a", days_ago: float = 0, description=""):
    row = credits_debit(
        account_id=persona.account.pk,
        amount=amount,
        operation=operation,
        reference=Reference(run_id=run_id),
        description=description,
    )
    if days_ago:  # charged on an earlier day: in the ledger of that day, not in the account's count of today's
        CreditTransaction.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        Account.objects.filter(pk=persona.account.pk).update(spent_today=F("spent_today") - row.amount)
    return row


def _ledger(api, **params):
    response = api.get("/api/v1/credits/ledger/", params)
    assert response.status_code == 200, response.content
    return response.json()


# --- ledger -----------------------------------------------------------------------------------------


def test_it_lists_the_ledger_newest_first_with_balance_after(alice, api):
    _charge(alice, "2.5", "generate_content", run_id="run_1")
    _charge(alice, 1, "generate_images", run_id="run_1")
    body = _ledger(api)
    assert body["count"] == 3
    rows = body["results"]
    assert [(r["operation"], r["kind"], r["amount"], r["balance_after"], r["run_id"]) for r in rows] == [
        ("generate_images", "debit", "1.00", "996.50", "run_1"),
        ("generate_content", "debit", "2.50", "997.50", "run_1"),
        ("initial_grant", "credit", "1000.00", "1000.00", ""),
    ]
    assert {"created_at", "description", "id", "step_index", "object_type", "object_id"} <= rows[0].keys()


def test_it_filters_the_ledger_by_operation_kind_run_and_dates(alice, api):
    _charge(alice, 1, "generate_content", run_id="run_1", days_ago=10)
    _charge(alice, 2, "generate_content", run_id="run_2", days_ago=3)
    _charge(alice, 3, "generate_images", run_id="run_2")
    credits_reserve(account_id=alice.account.pk, amount=5, operation="run_reservation", reference=Reference("run_3"))
    credits_release(account_id=alice.account.pk, amount=5, operation="run_settlement", reference=Reference("run_3"))

    def amounts(**params):
        return [r["amount"] for r in _ledger(api, **params)["results"]]

    assert amounts(operation="generate_content") == ["2.00", "1.00"]
    assert amounts(kind="debit") == ["3.00", "2.00", "1.00"]
    assert amounts(kind="release") == ["5.00"]
    assert amounts(run_id="run_2") == ["3.00", "2.00"]
    assert amounts(run_id="run_2", operation="generate_content") == ["2.00"]
    today = timezone.now().astimezone(UTC).date()
    assert amounts(kind="debit", since=(today - timedelta(days=5)).isoformat()) == ["3.00", "2.00"]
    # A date as `until` includes that whole day.
    assert amounts(kind="debit", until=(today - timedelta(days=3)).isoformat()) == ["2.00", "1.00"]
    assert amounts(kind="debit", until=(today - timedelta(days=4)).isoformat()) == ["1.00"]
    moment = (timezone.now() - timedelta(days=2)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert amounts(kind="debit", since=moment) == ["3.00"]
    assert amounts(kind="debit", until=moment) == ["2.00", "1.00"]
    assert amounts(operation="nothing") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-40"}, "until"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "until"),
        ({"kind": "refund"}, "kind"),
        ({"page_size": "x", "since": "nope"}, "since"),
    ],
)
def test_it_names_the_bad_filter_in_a_400(api, params, field):
    for path in ("/api/v1/credits/ledger/", "/api/v1/credits/ledger/export/"):
        response = api.get(path, params)
        assert response.status_code == 400
        assert field in response.json()


def test_it_pages_the_ledger(alice, api):
    for n in range(1, 6):
        _charge(alice, n, "generate_content")
    first = _ledger(api, page_size=2)
    third = _ledger(api, page_size=2, page=3)
    assert first["count"] == 6 and first["next"] and first["previous"] is None
    assert [r["amount"] for r in first["results"]] == ["5.00", "4.00"]
    assert [r["amount"] for r in third["results"]] == ["1.00", "1000.00"] and third["next"] is None
    assert api.get("/api/v1/credits/ledger/", {"page": 9}).status_code == 404


def test_it_never_shows_another_accounts_rows(alice, bob, charlie, api):
    _charge(alice, 1, "generate_content", run_id="run_alice")
    _charge(charlie, 2, "generate_images", run_id="run_charlie")
    assert {r["run_id"] for r in _ledger(bob.client())["results"]} == {"", "run_alice"}  # bob shares alice's
    assert _ledger(api, run_id="run_charlie")["count"] == 0
    assert [r["run_id"] for r in _ledger(charlie.client())["results"]] == ["run_charlie", ""]
    export = charlie.client().get("/api/v1/credits/ledger/export/")
    assert "run_alice" not in b"".join(export.streaming_content).decode()
    assert api.get("/api/v1/credits/ledger/operations/").json() == {"operations": ["generate_content", "initial_grant"]}
    assert charlie.client().get("/api/v1/credits/usage/").json()["total"] == "2.00"


def test_it_needs_a_signed_in_caller():
    from rest_framework.test import APIClient

    for path in ("ledger/", "ledger/export/", "usage/", "budget/", "ledger/operations/"):
        assert APIClient().get(f"/api/v1/credits/{path}").status_code in (401, 403)


def test_it_reads_any_page_in_the_same_queries_however_long_the_ledger(alice, api, django_assert_num_queries):
    _ledger(api)  # the token's first use of the day is recorded once
    total = 0
    for count in (3, 40):
        total += count
        for _ in range(count):
            _charge(alice, 1, "generate_content")
        with django_assert_num_queries(LEDGER_QUERIES):
            assert len(_ledger(api, page_size=20, operation="generate_content")["results"]) == min(20, total)
        with django_assert_num_queries(USAGE_QUERIES):
            assert api.get("/api/v1/credits/usage/").status_code == 200


# --- CSV export ---------------------------------------------------------------------------------------


def test_it_exports_the_filtered_ledger_as_csv(alice, api):
    _charge(alice, "2.5", "generate_content", run_id="run_1", description="=HYPERLINK(evil)")
    _charge(alice, 1, "generate_images", run_id="run_2")
    response = api.get("/api/v1/credits/ledger/export/", {"operation": "generate_content"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="credits-ledger-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["X-Ledger-Truncated"] == "false"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "created_at",
        "kind",
        "operation",
        "amount",
        "balance_after",
        "reserved_after",
        "run_id",
        "step_index",
        "object_type",
        "object_id",
        "description",
    ]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["kind"], row["operation"], row["amount"], row["balance_after"], row["run_id"]) == (
        "debit",
        "generate_content",
        "2.50",
        "997.50",
        "run_1",
    )
    assert row["description"] == "'=HYPERLINK(evil)"  # never a formula in a spreadsheet
    assert datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")).tzinfo is not None


def test_it_stops_the_export_at_its_limit_and_says_so(alice, api, monkeypatch):
    from backend.billing import views

    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 2)
    for n in range(3):
        _charge(alice, n + 1, "generate_content")
    response = api.get("/api/v1/credits/ledger/export/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["X-Ledger-Truncated"] == "true"
    assert [r[3] for r in rows[1:]] == ["3.00", "2.00"]


# --- usage ----------------------------------------------------------------------------------------------


def test_it_sums_spend_per_utc_day_with_zero_days(alice, api):
    _charge(alice, 2, "generate_content", days_ago=2)
    _charge(alice, 3, "generate_content", days_ago=2)
    _charge(alice, 1, "generate_images")
    _charge(alice, 50, "generate_images", days_ago=10)  # outside 7 days
    credits_add(account_id=alice.account.pk, amount=9, operation="grant")  # not spend
    credits_reserve(account_id=alice.account.pk, amount=4, operation="run_reservation")  # not spend
    body = api.get("/api/v1/credits/usage/", {"days": 7}).json()
    today = timezone.now().astimezone(UTC).date()
    assert (body["days"], body["timezone"], body["total"]) == (7, "UTC", "6.00")
    assert (body["since"], body["until"]) == ((today - timedelta(days=6)).isoformat(), today.isoformat())
    assert [d["date"] for d in body["per_day"]] == [(today - timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    by_day = {d["date"]: d["credits"] for d in body["per_day"]}
    assert by_day[(today - timedelta(days=2)).isoformat()] == "5.00"
    assert by_day[today.isoformat()] == "1.00"
    assert sorted(by_day.values()).count("0.00") == 5
    assert api.get("/api/v1/credits/usage/").json()["days"] == 30  # the default


def test_it_sums_spend_per_pipeline_stage_and_other_operations(alice, api):
    _charge(alice, "0.2", "cluster_keywords")
    _charge(alice, "0.2", "cluster_keywords")
    _charge(alice, 2, "generate_ideas")
    _charge(alice, 3, "generate_content")
    _charge(alice, 1, "translate")
    _charge(alice, 4, "custom_thing")
    stages = api.get("/api/v1/credits/usage/").json()["by_stage"]
    assert [(s["stage"], s["name"], s["credits"]) for s in stages] == [
        (1, "Keywords → Clusters", "0.40"),
        (2, "Clusters → Ideas", "2.00"),
        (3, "Ideas → Tasks", "0.00"),
        (4, "Tasks → Content", "3.00"),
        (5, "Content → Image Prompts", "0.00"),
        (6, "Image Prompts → Images", "0.00"),
        (7, "Manual Review Gate", "0.00"),
        (None, "custom_thing", "4.00"),
        (None, "translate", "1.00"),
    ]
    assert stages[3]["operation"] == "generate_content"


@pytest.mark.parametrize("days", ["0", "366", "x", "-3"])
def test_it_refuses_a_usage_range_outside_1_to_365_days(api, days):
    response = api.get("/api/v1/credits/usage/", {"days": days})
    assert response.status_code == 400 and "days" in response.json()


# --- the daily budget -----------------------------------------------------------------------------


def test_it_shows_the_budget_and_todays_spend_with_the_balance(alice, api):
    _charge(alice, 2, "generate_content", run_id="run_1")
    _charge(alice, 5, "generate_content", run_id="run_1", days_ago=1)  # yesterday
    credits_debit(account_id=alice.account.pk, amount=1, operation="manual")  # not automation: not counted
    body = api.get("/api/v1/credits/", {"limit": 1}).json()
    assert body["daily_credit_budget"] is None and body["spent_today"] == "2.00"
    assert {"balance", "reserved", "available", "transactions"} <= body.keys()
    assert len(body["transactions"]) == 1
    assert api.get("/api/v1/credits/budget/").json() == {
        "daily_credit_budget": None,
        "spent_today": "2.00",
        "remaining_today": None,
    }


def test_it_sets_and_clears_the_daily_budget(alice, bob, api):
    _charge(alice, 2, "generate_content")
    response = api.patch("/api/v1/credits/budget/", {"daily_credit_budget": "500.50"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"daily_credit_budget": "500.50", "spent_today": "2.00", "remaining_today": "498.50"}
    assert bob.client().get("/api/v1/credits/").json()["daily_credit_budget"] == "500.50"
    alice.account.refresh_from_db()
    assert alice.account.credits == Decimal("998")  # the balance is left alone
    response = api.patch("/api/v1/credits/budget/", {"daily_credit_budget": None}, format="json")
    assert response.json()["daily_credit_budget"] is None and response.json()["remaining_today"] is None
    alice.account.refresh_from_db()
    assert alice.account.daily_credit_budget is None


@pytest.mark.parametrize(
    "value", ["-1", "1.234", "lots", "1e20", [], {"a": 1}], ids=["negative", "3dp", "text", "huge", "list", "dict"]
)
def test_it_refuses_a_bad_budget_naming_the_field(alice, api, value):
    response = api.patch("/api/v1/credits/budget/", {"daily_credit_budget": value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["daily_credit_budget"]
    alice.account.refresh_from_db()
    assert alice.account.daily_credit_budget is None


def test_it_refuses_a_budget_patch_without_the_field(api):
    response = api.patch("/api/v1/credits/budget/", {}, format="json")
    assert response.status_code == 400 and "daily_credit_budget" in response.json()


def test_it_changes_only_the_callers_account(alice, charlie, api):
    api.patch("/api/v1/credits/budget/", {"daily_credit_budget": "5"}, format="json")
    charlie.account.refresh_from_db()
    assert charlie.account.daily_credit_budget is None


def test_the_engine_stops_runs_at_the_budget_set_here(alice, api, make_rule, eager):
    assert api.patch("/api/v1/credits/budget/", {"daily_credit_budget": "4"}, format="json").status_code == 200
    rule = make_rule(mode="queued", actions=[{"type": "test_charge", "params": {"items": 3, "cost": 1}}])
    first = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    second = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    assert first.status == "completed" and second.status == "failed"
    assert "daily budget of the account" in second.error_message
    budget = api.get("/api/v1/credits/budget/").json()
    assert budget == {"daily_credit_budget": "4.00", "spent_today": "4.00", "remaining_today": "0.00"}
    ledger = _ledger(api, kind="debit", run_id=second.run_id)
    assert [r["amount"] for r in ledger["results"]] == ["1.00"]


def test_it_exports_in_the_same_queries_however_long_the_ledger(alice, api, django_assert_num_queries):
    api.get("/api/v1/credits/budget/")  # the token's first use of the day is recorded once
    for count in (2, 30):
        for _ in range(count):
            _charge(alice, 1, "generate_content")
        with django_assert_num_queries(3):  # token, more than the limit?, the rows (read in chunks of 2,000)
            response = api.get("/api/v1/credits/ledger/export/")
            assert len(b"".join(response.streaming_content).splitlines()) > count
