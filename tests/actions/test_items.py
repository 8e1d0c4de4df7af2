"""Batched item actions: what a draining stage takes, and the strict handover between stages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.automation.preset import preset_rule
from backend.planner.models import Keyword
from rules.context import ActionContext
from rules.core.contract import ActionError
from rules.core.registry import registry
from rules.lifecycle import rule_execute
from rules.models import AutomationRun, RunStep


@pytest.fixture
def pipeline_run(alice, django_capture_on_commit_callbacks):
    """A pipeline run whose stage 1 started an hour ago (its steps are not executed)."""
    with django_capture_on_commit_callbacks(execute=False):
        run = rule_execute(rule=preset_rule(alice.site), site_id=alice.site.pk).run
    RunStep.objects.filter(run=run, index=0).update(started_at=timezone.now() - timedelta(hours=1), status="completed")
    return AutomationRun.objects.get(pk=run.pk)


def context(run: AutomationRun, index: int) -> ActionContext:
    return ActionContext(run=run, step=run.steps.get(index=index))


def test_it_stops_the_next_stage_when_a_stage_left_items_it_took_naming_it_from_one(alice, pipeline_run):
    left = Keyword.objects.create(site=alice.site, text="left behind")
    Keyword.objects.filter(pk=left.pk).update(created_at=timezone.now() - timedelta(hours=2))
    step = pipeline_run.steps.get(index=1)
    with pytest.raises(ActionError) as failure:
        registry.get("generate_ideas")._check_handover(context(pipeline_run, 1), step.params)
    assert failure.value.permanent
    assert "stage 1 (cluster_keywords) still has 1 items pending" in failure.value.message


def test_it_lets_items_that_arrived_after_the_stage_started_wait_for_the_next_run(alice, pipeline_run):
    Keyword.objects.create(site=alice.site, text="just arrived")
    step = pipeline_run.steps.get(index=1)
    ctx = context(pipeline_run, 1)
    registry.get("generate_ideas")._check_handover(ctx, step.params)  # no error
    ctx.flush_logs()  # a step's log lines are written with its outcome (or within a second)
    assert pipeline_run.logs.filter(message__contains="1 keyword items arrived during the run").exists()


def test_it_drains_only_what_waited_when_the_step_started(alice, pipeline_run):
    before = Keyword.objects.create(site=alice.site, text="waiting")
    Keyword.objects.filter(pk=before.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Keyword.objects.create(site=alice.site, text="arrived later")
    step = pipeline_run.steps.get(index=0)
    taken = registry.get("cluster_keywords").taken_queryset(context(pipeline_run, 0), step.params)
    assert list(taken.values_list("text", flat=True)) == ["waiting"]


def test_it_takes_every_named_item_whatever_the_batch_size(alice, make_rule, eager):
    """`ids` beyond one batch: every named idea is queued, each once."""
    from backend.planner.models import ContentIdea
    from backend.writer.models import Task

    ideas = ContentIdea.objects.bulk_create(
        [ContentIdea(site=alice.site, account=alice.account, title=f"idea {i}") for i in range(5)]
    )
    named = [idea.pk for idea in ideas[:4]]
    rule = make_rule(site=alice.site, actions=[{"type": "queue_to_writer", "params": {"ids": named, "batch_size": 1}}])
    run = rule_execute(rule=rule).run
    step = AutomationRun.objects.get(pk=run.pk).steps.get()
    assert step.status == "completed" and step.input_count == 4 and step.result["batches"] == 4
    assert sorted(Task.objects.values_list("idea_id", flat=True)) == named
