"""History retention: old finished runs go with their records in short batches; statistics do not notice."""

from __future__ import annotations

import importlib
import itertools
import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.ai.models import AICall
from backend.billing.models import CreditTransaction
from backend.billing.services import Reference, credits_debit
from rules import retention
from rules.models import (
    AutomationRule,
    AutomationRun,
    DeadLetter,
    EventRecord,
    RunLog,
    RunStep,
    RunTally,
    TriggerRecord,
)
from rules.retention import history_prune
from rules.tasks import prune_history, schedule_tick

_ids = itertools.count(1)
# Per pipeline stage (index 0..6): inputs, outputs, credits of one completed run; stage 3 (index 2) had no work.
STEPS = [
    (10, 4, "3.00"),
    (4, 8, "2.00"),
    (0, 0, "0.00"),
    (8, 8, "16.00"),
    (8, 32, "4.00"),
    (32, 32, "64.00"),
    (8, 8, "0.00"),
]


def _pipeline_rule(persona) -> AutomationRule:
    return AutomationRule.objects.get(preset_key="seven_stage", site=persona.site)


def _run(persona, *, days_ago: float, status: str = "completed", rule=None, steps=STEPS) -> AutomationRun:
    """A run with seven steps, two log lines, its trigger record and an AI call, aged `days_ago` days."""
    rule = rule or _pipeline_rule(persona)
    n = next(_ids)
    run = AutomationRun.objects.create(
        run_id=f"run_test_{n}",
        account=persona.account,
        site=persona.site,
        rule=rule,
        trigger_type="manual",
        status=status,
        concurrency_key=f"site:{persona.site.pk}",
        total_credits_used=sum((Decimal(c) for _, _, c in steps), Decimal("0")),
    )
    for index, (inputs, outputs, credits) in enumerate(steps):
        RunStep.objects.create(
            run=run,
            index=index,
            key=f"step-{index + 1}",
            action_type="log",
            input_count=inputs,
            output_count=outputs,
            credits_used=credits,
        )
    AutomationRule.objects.filter(pk=rule.pk).update(execution_count=F("execution_count") + 1)  # as run_create
    RunLog.objects.bulk_create([RunLog(run=run, message="started"), RunLog(run=run, message="ended")])
    TriggerRecord.objects.create(rule=rule, account=persona.account, trigger_type="manual", outcome="started", run=run)
    AICall.objects.create(account=persona.account, run_id=run.run_id, provider="local", function="generate_content")
    # auto_now_add fields are set on creation: age the rows afterwards (runs made later stay later).
    at = timezone.now() - timedelta(days=days_ago) + timedelta(seconds=n)
    AutomationRun.objects.filter(pk=run.pk).update(
        created_at=at, completed_at=None if status in AutomationRun.ACTIVE else at + timedelta(minutes=30)
    )
    RunLog.objects.filter(run=run).update(at=at)
    TriggerRecord.objects.filter(run=run).update(at=at)
    AICall.objects.filter(run_id=run.run_id).update(created_at=at)
    run.refresh_from_db()
    return run


def _prune(days: int = 30, **kwargs) -> dict[str, int]:
    return history_prune(older_than=timezone.now() - timedelta(days=days), **kwargs)


def test_it_deletes_old_finished_runs_with_their_steps_logs_trigger_records_and_ai_calls(alice):
    old = [_run(alice, days_ago=40 + i, status=s) for i, s in enumerate(["completed", "failed", "cancelled"])]
    young = _run(alice, days_ago=5)
    dropped = TriggerRecord.objects.create(
        rule=_pipeline_rule(alice), account=alice.account, trigger_type="event", outcome="dropped_conditions"
    )
    TriggerRecord.objects.filter(pk=dropped.pk).update(at=timezone.now() - timedelta(days=31))
    runless_call = AICall.objects.create(account=alice.account, provider="local", function="cluster_keywords")
    AICall.objects.filter(pk=runless_call.pk).update(created_at=timezone.now() - timedelta(days=31))
    letter = DeadLetter.objects.create(task="actions.run_step", run=old[0], account=alice.account, reason="died")
    EventRecord.objects.all().delete()  # the journal of the fixtures' saves: only these two below
    old_event, young_event = (
        EventRecord.objects.create(account=alice.account, name="keyword.created", at=timezone.now() - timedelta(days=d))
        for d in (31, 29)
    )

    deleted = _prune()

    assert deleted == {"runs": 3, "steps": 21, "logs": 6, "trigger_records": 4, "events": 1, "ai_calls": 4}
    assert list(EventRecord.objects.values_list("pk", flat=True)) == [young_event.pk] != [old_event.pk]
    assert list(AutomationRun.objects.values_list("pk", flat=True)) == [young.pk]
    assert set(RunStep.objects.values_list("run_id", flat=True)) == {young.pk}
    assert set(RunLog.objects.values_list("run_id", flat=True)) == {young.pk}
    assert list(TriggerRecord.objects.values_list("run_id", flat=True)) == [young.pk]
    assert list(AICall.objects.values_list("run_id", flat=True)) == [young.run_id]
    letter.refresh_from_db()
    assert letter.run is None  # the dead letter stays, for whoever looks into it


def test_it_never_prunes_an_active_run_whatever_its_age(alice):
    active = [_run(alice, days_ago=90, status=s) for s in AutomationRun.ACTIVE]
    deleted = _prune()
    assert deleted == {"runs": 0, "steps": 0, "logs": 0, "trigger_records": 0, "events": 0, "ai_calls": 0}
    assert AutomationRun.objects.count() == 3 and RunStep.objects.count() == 21 and RunLog.objects.count() == 6
    assert AICall.objects.filter(run_id__in=[r.run_id for r in active]).count() == 3
    assert not RunTally.objects.exists()


def test_it_never_prunes_the_credit_ledger(alice):
    run = _run(alice, days_ago=60)
    credits_debit(account_id=alice.account.id, amount="5", operation="content", reference=Reference(run_id=run.run_id))
    CreditTransaction.objects.update(created_at=timezone.now() - timedelta(days=365))
    ledger = list(CreditTransaction.objects.order_by("pk").values())
    assert _prune(days=1)["runs"] == 1
    assert list(CreditTransaction.objects.order_by("pk").values()) == ledger
    assert CreditTransaction.objects.filter(run_id=run.run_id, kind="debit").exists()


def test_it_tallies_the_pruned_runs_per_account_site_and_rule(alice, charlie, make_rule):
    for i, status in enumerate(["completed", "completed", "failed", "cancelled"]):
        _run(alice, days_ago=50 + i, status=status)
    custom = make_rule(name="custom")
    _run(alice, days_ago=50, rule=custom, steps=[(3, 3, "1.50")])
    _run(charlie, days_ago=50)
    _prune()
    tally = RunTally.objects.get(account=alice.account, site=alice.site, rule=_pipeline_rule(alice))
    assert (tally.runs, tally.completed, tally.failed, tally.cancelled) == (4, 2, 1, 1)
    assert tally.credits_used == 4 * Decimal("89.00")
    # Steps of completed runs only, and only those that had work (index 2 had none).
    assert tally.steps == {
        str(i): {"runs": 2, "inputs": 2 * inputs, "outputs": 2 * outputs, "credits": str(2 * Decimal(credits))}
        for i, (inputs, outputs, credits) in enumerate(STEPS)
        if inputs
    }
    assert RunTally.objects.get(rule=custom).steps == {"0": {"runs": 1, "inputs": 3, "outputs": 3, "credits": "1.50"}}
    assert RunTally.objects.get(account=charlie.account).runs == 1


def test_it_deletes_in_batches_of_the_given_size(alice):
    for i in range(5):
        _run(alice, days_ago=40 + i)
    with CaptureQueriesContext(connection) as queries:
        deleted = _prune(batch_size=2)
    run_deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "rules_automationrun"')]
    assert deleted["runs"] == 5 and len(run_deletes) == 3  # 2 + 2 + 1
    assert RunTally.objects.get().runs == 5


def test_it_commits_each_batch_on_its_own_and_never_counts_a_run_twice_after_a_crash(
    alice, transactional_db, monkeypatch
):
    for i in range(5):
        _run(alice, days_ago=40 + i)
    real_delete, calls = retention._runs_delete, []

    def crash_on_the_second_batch(pks):
        calls.append(pks)
        if len(calls) == 2:
            raise RuntimeError("worker died")  # after the tally was written, before the runs were deleted
        return real_delete(pks)

    monkeypatch.setattr(retention, "_runs_delete", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        _prune(batch_size=2)
    # The first batch committed; the second rolled back whole: its runs, steps and tally are as they were.
    assert AutomationRun.objects.count() == 3 and RunStep.objects.count() == 21
    assert RunTally.objects.get().runs == 2
    monkeypatch.setattr(retention, "_runs_delete", real_delete)
    assert _prune(batch_size=2)["runs"] == 3
    tally = RunTally.objects.get()
    assert tally.runs == tally.completed == 5 and tally.steps["0"]["runs"] == 5


def test_it_keeps_run_numbers_titles_and_total_runs_after_pruning(alice, api):
    runs = [_run(alice, days_ago=days, status=s) for days, s in [(70, "completed"), (60, "failed"), (50, "completed")]]
    runs += [_run(alice, days_ago=days) for days in (6, 3)]
    site = alice.site.pk

    def detail(run):
        return api.get(f"/api/v1/automation/run_detail/?run_id={run.run_id}").json()["run"]

    def history():
        rows = api.get(f"/api/v1/automation/history/?site_id={site}&page=1&page_size=1").json()["runs"]
        rows += api.get(f"/api/v1/automation/history/?site_id={site}&page=2&page_size=1").json()["runs"]
        return [(r["run_id"], r["run_number"], r["run_title"]) for r in rows]

    def total_runs():
        return api.get(f"/api/v1/automation/overview_stats/?site_id={site}").json()["run_statistics"]["total_runs"]

    before = ([detail(r)["run_title"] for r in runs[3:]], history(), total_runs())
    assert before[0] == [f"{alice.site.domain} #4", f"{alice.site.domain} #5"] and before[2] == 5

    assert _prune()["runs"] == 3

    assert ([detail(r)["run_title"] for r in runs[3:]], history(), total_runs()) == before
    page = api.get(f"/api/v1/automation/history/?site_id={site}&page_size=10").json()
    assert [r["run_number"] for r in page["runs"]] == [5, 4] and page["pagination"]["total_count"] == 2
    newest = _run(alice, days_ago=0)
    assert detail(newest)["run_number"] == 6 and total_runs() == 6


def test_it_estimates_from_the_pruned_runs_averages_once_the_recent_runs_are_gone(alice, api):
    for days in (50, 45, 40, 35):
        _run(alice, days_ago=days)
    url = f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}"
    before = api.get(url).json()["historical_averages"]
    assert before["runs_analyzed"] == 4 and before["uses_defaults"] is False
    assert before["avg_credits_stage_1"] == 0.3 and before["avg_output_ratio_stage_1"] == 0.4  # not the defaults

    _prune()

    assert api.get(url).json()["historical_averages"] == before
    _run(alice, days_ago=1, steps=[(10, 4, "5.00")] + STEPS[1:])  # one live run joins the pruned four
    after = api.get(url).json()["historical_averages"]
    assert after["runs_analyzed"] == 5 and after["avg_credits_stage_1"] == round(17 / 50, 3)


def test_it_uses_the_defaults_and_says_so_when_fewer_than_three_runs_exist_in_all(alice, api):
    _run(alice, days_ago=40)
    _run(alice, days_ago=40, status="failed")
    _prune()
    averages = api.get(f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}").json()["historical_averages"]
    assert averages["runs_analyzed"] == 1 and averages["uses_defaults"] is True
    assert averages["avg_credits_stage_1"] == 0.2  # PER_KEYWORD_CLUSTERED


def test_it_is_harmless_to_prune_twice(alice):
    for days in (40, 41):
        _run(alice, days_ago=days)
    _run(alice, days_ago=2)
    assert _prune()["runs"] == 2
    tallies = list(RunTally.objects.values())
    assert _prune() == {"runs": 0, "steps": 0, "logs": 0, "trigger_records": 0, "events": 0, "ai_calls": 0}
    assert list(RunTally.objects.values()) == tallies and AutomationRun.objects.count() == 1


def test_it_prunes_from_the_command_line_printing_each_kind(alice):
    _run(alice, days_ago=12)
    _run(alice, days_ago=8)
    out = StringIO()
    call_command("prune_history", "--older-than-days", "10", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1:] == [
        "deleted 1 runs",
        "deleted 7 steps",
        "deleted 2 logs",
        "deleted 1 trigger records",
        "deleted 0 journal events",
        "deleted 1 AI calls",
    ]
    assert AutomationRun.objects.count() == 1


def test_it_prunes_by_the_retention_setting_when_no_days_are_given(alice, settings):
    settings.AUTOMATION_RETENTION_DAYS = 5
    _run(alice, days_ago=6)
    _run(alice, days_ago=4)
    out = StringIO()
    call_command("prune_history", stdout=out)
    assert "deleted 1 runs" in out.getvalue() and "older than 5 days" in out.getvalue()
    with pytest.raises(CommandError, match="--older-than-days must be 0 or more"):
        call_command("prune_history", "--older-than-days", "-1", stdout=out)


def test_it_prunes_daily_from_beat_by_the_retention_setting(alice, settings):
    assert settings.CELERY_BEAT_SCHEDULE["prune-history"] == {"task": "rules.prune_history", "schedule": 86400.0}
    settings.AUTOMATION_RETENTION_DAYS = 20
    _run(alice, days_ago=21)
    kept = _run(alice, days_ago=15)
    schedule_tick()  # the schedule tick no longer deletes trigger records of its own
    assert TriggerRecord.objects.count() == 2
    assert prune_history.apply().get()["runs"] == 1
    assert list(AutomationRun.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_it_tallies_each_run_once_when_two_pruners_run_at_the_same_time(alice, charlie):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent pruners need PostgreSQL row locking")
    for i in range(12):
        _run(alice if i % 3 else charlie, days_ago=40 + i, status="failed" if i % 4 == 0 else "completed")
    barrier, results = threading.Barrier(2), []

    def prune():
        barrier.wait()
        try:
            results.append(_prune(batch_size=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=prune) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and sum(r["runs"] for r in results) == 12 and not AutomationRun.objects.exists()
    assert sum(r["steps"] for r in results) == 84
    assert sum(RunTally.objects.filter(account=alice.account).values_list("runs", flat=True)) == 8
    assert sum(RunTally.objects.filter(account=charlie.account).values_list("runs", flat=True)) == 4
    assert sum(RunTally.objects.values_list("failed", flat=True)) == 3


def test_it_sets_each_rules_run_counter_to_its_runs_and_pruned_runs_when_migrating(alice):
    from django.apps import apps

    sync = importlib.import_module("rules.migrations.0005_run_history_indexes").sync_run_counters
    rule = _pipeline_rule(alice)
    for days in (70, 60, 5):
        _run(alice, days_ago=days)
    _prune()
    idle = AutomationRule.objects.create(account=alice.account, name="never ran", execution_count=4)
    AutomationRule.objects.filter(pk=rule.pk).update(execution_count=99)  # off, as before the counter was relied on
    sync(apps, None)
    assert AutomationRule.objects.get(pk=rule.pk).execution_count == 3  # one listed, two pruned
    assert AutomationRule.objects.get(pk=idle.pk).execution_count == 0
