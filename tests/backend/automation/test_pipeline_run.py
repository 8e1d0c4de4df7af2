"""A whole seven-stage run on the demo keywords with the local provider (tasks inline)."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from backend.automation.preset import preset_rule
from backend.automation.services import config_update
from backend.billing.models import CreditTransaction
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task
from rules.models import AutomationRun


@pytest.fixture(autouse=True)
def fast_pipeline(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_PROVIDER = "local"
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)


def _demo_keywords(site, limit=None):
    rows = json.loads((settings.BASE_DIR / "fixtures" / "demo_keywords.json").read_text())["keywords"]
    return [Keyword.objects.create(site=site, text=r["text"], volume=r["volume"]) for r in rows[:limit]]


@pytest.fixture
def keywords(alice):
    """All demo keywords (six topics)."""
    return _demo_keywords(alice.site)


@pytest.fixture
def few_keywords(alice):
    """Enough for a short run: the first two topics of the demo."""
    return _demo_keywords(alice.site, limit=8)


def test_it_takes_every_keyword_to_content_in_review_with_images(alice, api, keywords, eager):
    estimate = api.get(f"/api/v1/automation/estimate/?site_id={alice.site.pk}").json()
    assert estimate["sufficient"] is True and estimate["estimated_credits"] > 0
    started = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}")
    assert started.status_code == 202
    run = AutomationRun.objects.get(run_id=started.json()["run_id"])
    assert run.status == "completed", run.error_message
    assert run.run_id.startswith("run_") and run.run_id.endswith("_manual")
    # every item went all the way
    assert Keyword.objects.filter(status="mapped").count() == len(keywords)
    assert not Cluster.objects.filter(status="new").exists()
    assert set(ContentIdea.objects.values_list("status", flat=True)) == {"completed"}
    assert set(Task.objects.values_list("status", flat=True)) == {"completed"}
    assert Content.objects.count() == Task.objects.count() > 0
    assert set(Content.objects.values_list("status", flat=True)) == {"review"}
    assert set(Image.objects.values_list("status", flat=True)) == {"generated"}
    # the stage results add up
    detail = api.get(f"/api/v1/automation/run_detail/?run_id={run.run_id}").json()
    stages = {s["number"]: s["result"] for s in detail["stages"]}
    assert stages[1]["keywords_processed"] == stages[1]["keywords_mapped"] == len(keywords)
    assert stages[1]["clusters_created"] == Cluster.objects.count()
    assert stages[3]["tasks_created"] == stages[4]["tasks_processed"] == stages[4]["content_created"]
    assert stages[6]["images_generated"] == Image.objects.count() == stages[5]["prompts_created"]
    assert stages[7]["ready_for_review"] == Content.objects.count()
    ledger = sum(t.amount for t in CreditTransaction.objects.filter(run_id=run.run_id, kind="debit"))
    assert Decimal(str(detail["run"]["total_credits_used"])) == ledger == run.total_credits_used
    assert sum(detail["metrics"]["credits_by_stage"].values()) == pytest.approx(float(ledger))
    assert detail["initial_snapshot"]["stage_1_initial"] == len(keywords)
    assert detail["run"]["run_title"] == f"{alice.site.domain} #1" and detail["insights"]
    # the reservation was settled
    reservation = CreditTransaction.objects.get(run_id=run.run_id, kind="reservation").amount
    release = CreditTransaction.objects.filter(run_id=run.run_id, kind="release").first()
    assert reservation - (release.amount if release else 0) == min(reservation, ledger)


def test_it_shows_history_overview_and_logs_in_the_seed_shapes(alice, api, few_keywords, eager):
    api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}")
    history = api.get(f"/api/v1/automation/history/?site_id={alice.site.pk}&page_size=5").json()
    row = history["runs"][0]
    assert history["pagination"] == {"page": 1, "page_size": 5, "total_count": 1, "total_pages": 1}
    assert row["run_number"] == 1 and row["stages_completed"] == 7 and row["stages_failed"] == 0
    assert row["stage_statuses"] == ["completed"] * 7
    assert row["summary"]["content_created"] == Content.objects.count()
    stats = api.get(f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}").json()
    assert stats["run_statistics"]["total_runs"] == 1 and stats["run_statistics"]["success_rate"] == 100.0
    assert len(stats["predictive_analysis"]["stages"]) == 7
    assert stats["historical_averages"]["runs_analyzed"] == 1 and stats["historical_averages"]["uses_defaults"]
    assert stats["attention_items"]["total_attention_needed"] == 0
    logs = api.get(f"/api/v1/automation/logs/?run_id={row['run_id']}&lines=5").json()
    assert logs["lines"] == 5 and "run completed" in logs["log"]
    overview = api.get(f"/api/v1/automation/pipeline_overview/?site_id={alice.site.pk}").json()
    assert [s["pending"] for s in overview["stages"]] == [0] * 7
    current = api.get(f"/api/v1/automation/current_run/?site_id={alice.site.pk}").json()
    assert current["run"] is None and current["activity_log"] == []
    assert current["last_run"]["run_id"] == row["run_id"] and current["last_run"]["status"] == "completed"


def test_it_records_an_empty_stage_as_skipped(alice, api, eager):
    ContentIdea.objects.create(site=alice.site, title="One idea")
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    statuses = AutomationRun.objects.get(run_id=run_id).steps.order_by("index").values_list("status", flat=True)
    assert list(statuses) == ["skipped", "skipped", "completed", "completed", "completed", "completed", "completed"]


def test_it_leaves_the_queue_of_a_stage_that_is_off_alone(alice, api, few_keywords, eager):
    """Stage 1 off: its keywords wait; stage 2 has nothing to hand over from and works on what it has."""
    config_update(site=alice.site, stage_1_enabled=False)
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    run = AutomationRun.objects.get(run_id=run_id)
    assert run.status == "completed"
    assert "handover_from" not in run.steps.get(index=1).params
    assert Keyword.objects.filter(site=alice.site, cluster__isnull=True).count() == len(few_keywords)


def test_it_sends_every_draft_to_review_when_the_image_stage_is_off(alice, api, few_keywords, eager):
    """Stage 6 off: the gate takes what is ready (the articles); their images stay pending, not paid for."""
    config_update(site=alice.site, stage_6_enabled=False)
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    run = AutomationRun.objects.get(run_id=run_id)
    assert run.status == "completed", run.error_message
    steps = {step.index + 1: step for step in run.steps.all()}
    assert steps[6].status == "skipped" and steps[7].params["handover_from"] == "generate_image_prompts"
    assert steps[7].params["require_images"] is False
    drafts_reviewed = Content.objects.filter(site=alice.site, status="review").count()
    assert drafts_reviewed == Content.objects.filter(site=alice.site).count() > 0
    assert Image.objects.filter(site=alice.site, status="pending").exists()
    assert not CreditTransaction.objects.filter(run_id=run_id, operation="generate_images").exists()


def test_it_leaves_keywords_that_arrive_during_a_run_for_the_next_run(alice, api, few_keywords, eager):
    """Under load keywords keep arriving: a stage takes what waited when it started (and what earlier stages
    of the run made); later arrivals neither fail the handover nor join the run, and the log counts them."""
    from datetime import timedelta

    from django.utils import timezone

    late = [Keyword.objects.create(site=alice.site, text=f"late arrival {i}") for i in range(2)]
    Keyword.objects.filter(pk__in=[k.pk for k in late]).update(created_at=timezone.now() + timedelta(hours=1))
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    run = AutomationRun.objects.get(run_id=run_id)
    assert run.status == "completed", run.error_message
    assert Keyword.objects.filter(pk__in=[k.pk for k in late], status="new", cluster__isnull=True).count() == 2
    assert run.steps.get(index=0).input_count == len(few_keywords)
    assert run.logs.filter(
        message__contains="stage 1 (cluster_keywords) finished what it took; 2 keyword items arrived during the run"
    ).exists()


def test_it_refuses_to_start_when_credits_are_short(charlie, eager):
    """A refusal is a 402 and a recorded refusal: no run, no run number, no failed run in the statistics."""
    Keyword.objects.bulk_create(
        [Keyword(site=charlie.site, account=charlie.account, text=f"kw {i}") for i in range(40)]
    )
    type(charlie.account).objects.filter(pk=charlie.account.pk).update(credits=Decimal("5"))
    client = charlie.client()
    response = client.post(f"/api/v1/automation/run_now/?site_id={charlie.site.pk}")
    assert response.status_code == 402 and float(response.json()["needed"]) >= 8  # 40 keywords cost 8 alone
    assert not AutomationRun.objects.filter(site=charlie.site).exists()
    rule = preset_rule(charlie.site)
    assert rule.trigger_records.get().outcome == "refused_credits"
    estimate = client.get(f"/api/v1/automation/estimate/?site_id={charlie.site.pk}").json()
    stats = client.get(f"/api/v1/automation/overview_stats/?site_id={charlie.site.pk}").json()
    assert estimate["sufficient"] is False and stats["predictive_analysis"]["is_sufficient"] is False
    assert Decimal(str(estimate["estimated_credits"])) == Decimal(response.json()["needed"])  # one definition
    assert stats["run_statistics"]["total_runs"] == 0 and stats["run_statistics"]["failed_runs"] == 0


def test_it_runs_from_the_command_line_and_prints_the_summary(alice, few_keywords, eager):
    out = StringIO()
    call_command("run_pipeline", "--site", alice.site.domain, "--wait", "--inline", stdout=out, stderr=StringIO())
    summary = json.loads(out.getvalue())
    assert summary["run"]["status"] == "completed" and len(summary["stages"]) == 7


def test_it_notifies_by_email_when_a_run_ends(alice, api, few_keywords, eager, mailoutbox):
    alice.user.email = "alice@example.com"
    alice.user.save()
    run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"] and "completed" in message.subject
    assert f"/automation/runs/{run_id}" in message.body
    from backend.automation.services import config_for

    assert config_for(alice.site).last_run_at is not None


def test_it_posts_the_run_summary_to_the_notification_webhook(alice, api, few_keywords, eager, allow_loopback_outbound):
    from tests.support.http_sink import HttpSink

    with HttpSink() as sink:
        api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", {"notify_webhook_url": sink.url}, format="json")
        run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    body = sink.received[0]["json"]
    assert body["event"] == "run.completed" and body["run_id"] == run_id
    assert body["url"].endswith(f"/automation/runs/{run_id}") and body["summary"]["content_created"] > 0


def test_it_reports_live_progress_of_the_running_stage(alice, api, django_capture_on_commit_callbacks):
    for i in range(3):
        Cluster.objects.create(site=alice.site, name=f"Cluster {i}")  # stage 2 still has 3 to do
    with django_capture_on_commit_callbacks(execute=False):
        run_id = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").json()["run_id"]
    run = AutomationRun.objects.get(run_id=run_id)
    run.steps.filter(index=0).update(status="completed", input_count=8, output_count=2)
    run.steps.filter(index=1).update(
        status="running", result={"progress": {"input_count": 1, "output_count": 3, "ideas_created": 3}}
    )
    AutomationRun.objects.filter(pk=run.pk).update(current_step=1)
    body = api.get(f"/api/v1/automation/current_run/?site_id={alice.site.pk}").json()["run"]
    assert body["stage_2_result"]["clusters_processed"] == 1 and body["stage_2_result"]["ideas_created"] == 3
    assert body["progress_percent"] == round(100 * (1 + 1 / 4) / 7, 1)  # stage 1 done, stage 2 one of four
