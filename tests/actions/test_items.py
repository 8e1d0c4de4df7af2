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


# --- batches saved together (`one_call_per_item`) ------------------------------------------------------------------


def _group_after(batch_size: int, items: int, seconds: float, *, enabled: bool = True) -> int:
    from actions.items import _Group

    group = _Group(batch_size, enabled)
    group.took(items, seconds)
    return group.size


def test_a_group_holds_what_the_provider_answers_in_group_seconds_in_whole_batches():
    assert _group_after(1, 1, 0.03) == 16  # 30 ms an item: 0.5 s holds 16
    assert _group_after(3, 3, 0.03) == 48  # 10 ms an item: MAX_GROUP (50) in whole batches of 3
    assert _group_after(1, 1, 0.0) == 50  # never more than MAX_GROUP
    assert _group_after(1, 1, 2.0) == 1  # a slow provider: one batch, as without groups
    assert _group_after(5, 5, 0.001, enabled=False) == 5  # (a delay between batches, or a call per batch)


@pytest.fixture
def pending_images(alice, settings, tmp_path):
    """Six pending images on Alice's site (files under a MEDIA_ROOT of the test's own)."""
    from backend.writer.models import Content, Image

    settings.MEDIA_ROOT, settings.AI_PROVIDER = tmp_path / "media", "local"
    content = Content.objects.create(site=alice.site, title="Coffee")
    return Image.objects.bulk_create(
        [
            Image(
                site=alice.site,
                account=alice.account,
                content=content,
                kind="in_article",
                position=i,
                prompt=f"cup {i}",
            )
            for i in range(1, 7)
        ]
    )


def _images_rule(make_rule, alice, take=None, **extra):
    params = {**(take or {"drain": True}), "size": "256x256"}
    action = {"type": "generate_images", "params": params, "retry": {"max": 2, "backoff": 0}}
    return make_rule(site=alice.site, actions=[action], **extra)


def test_a_fast_provider_has_several_batches_saved_together_and_each_batch_counted(
    alice, make_rule, eager, pending_images, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actions import items
    from backend.billing.models import CreditTransaction
    from backend.writer.models import Image

    monkeypatch.setattr(items, "GROUP_SECONDS", 60.0)  # whatever this machine's speed: the rest in one group
    rule = _images_rule(make_rule, alice)
    with CaptureQueriesContext(connection) as queries:
        run = rule_execute(rule=rule).run
    step = AutomationRun.objects.get(pk=run.pk).steps.get()
    assert (step.status, step.input_count, step.output_count, step.result["batches"]) == ("completed", 6, 6, 6)
    assert set(Image.objects.values_list("status", flat=True)) == {"generated"}
    debits = CreditTransaction.objects.filter(run_id=run.run_id, kind="debit")
    assert sorted(debits.values_list("object_id", flat=True)) == sorted(i.pk for i in pending_images)
    # The first batch alone (its time sizes the group), then the other five together: two charges.
    charges = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "accounts_account" SET')]
    charges = [q for q in charges if '"spent_today" =' in q["sql"]]  # (the reservation and its release: not)
    assert len(charges) == 2


@pytest.mark.parametrize("named", [False, True], ids=["its queue", "named ids"])
def test_an_item_refused_for_now_waits_while_the_rest_of_its_group_is_saved(
    alice, make_rule, eager, pending_images, monkeypatch, settings, named
):
    from actions import items
    from actions.ai.models import AICall
    from backend.billing.models import CreditTransaction
    from backend.writer.models import Image
    from tests.support.fake_openai import FakeOpenAI, Fault, server_error

    monkeypatch.setattr(items, "GROUP_SECONDS", 60.0)
    with FakeOpenAI() as server:
        settings.AI_PROVIDER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "openai", server.base_url, "sk-test"
        settings.OPENAI_MAX_RETRIES = 0
        server.script(Fault(), Fault(), server_error(500))  # the third image's call fails once (the step's retry)
        take = {"ids": [image.pk for image in pending_images]} if named else None
        run = rule_execute(rule=_images_rule(make_rule, alice, take)).run
        step = AutomationRun.objects.get(pk=run.pk).steps.get()
    assert (step.status, step.attempts, step.input_count, step.output_count) == ("completed", 2, 6, 6)
    if named:  # the waiting image was taken again by the retry, not reported as skipped
        assert sorted(step.result["taken_ids"]) == sorted(image.pk for image in pending_images)
        assert "items_skipped" not in step.result
    assert set(Image.objects.values_list("status", flat=True)) == {"generated"}
    third = pending_images[2]
    # Its group's others were saved by the first execution; it alone by the retry.
    saved_first = CreditTransaction.objects.filter(run_id=run.run_id, kind="debit").exclude(object_id=third.pk)
    assert saved_first.count() == 5
    assert CreditTransaction.objects.get(run_id=run.run_id, object_id=third.pk).created_at > max(
        saved_first.values_list("created_at", flat=True)
    )
    assert AICall.objects.filter(run_id=run.run_id, ok=False).count() == 1


def test_a_charge_refused_for_a_group_is_made_item_by_item_up_to_the_item_it_does_not_cover(
    alice, make_rule, eager, pending_images, monkeypatch, settings
):
    from decimal import Decimal

    from actions import items
    from backend.billing.models import CreditTransaction
    from backend.writer.models import Image

    monkeypatch.setattr(items, "GROUP_SECONDS", 60.0)
    run = rule_execute(rule=_images_rule(make_rule, alice, budget_per_run=Decimal("3"))).run
    run = AutomationRun.objects.get(pk=run.pk)
    step = run.steps.get()
    assert (run.status, step.status, step.output_count) == ("failed", "failed", 3)
    assert "budget per run of this rule of 3" in step.error
    statuses = dict(Image.objects.values_list("pk", "status"))
    assert [statuses[image.pk] for image in pending_images] == ["generated"] * 3 + ["pending"] * 3
    assert CreditTransaction.objects.filter(run_id=run.run_id, kind="debit").count() == 3
    # The group's refused save left no file behind: one file for each image generated.
    files = sorted(path.name for path in (settings.MEDIA_ROOT).rglob("*.png"))
    assert len(files) == 3 and files == sorted(
        name.rsplit("/", 1)[-1] for name in Image.objects.filter(status="generated").values_list("file", flat=True)
    )


def _saver(refuse_above: int | None, *, credits_left: int):
    """A save that charges one credit per row in one go: refused for more rows than `refuse_above` (when given)
    or than the credits left."""
    from decimal import Decimal

    from backend.billing.errors import InsufficientCredits

    left = [credits_left]

    def save(rows: list) -> list:
        if (refuse_above is not None and len(rows) > refuse_above) or len(rows) > left[0]:
            raise InsufficientCredits(needed=Decimal(len(rows)), available=Decimal(left[0]))
        left[0] -= len(rows)
        return list(rows)

    return save


def test_saved_in_order_saves_row_by_row_up_to_the_row_the_credits_do_not_cover():
    from actions.items import saved_in_order

    saved, stop = saved_in_order(_saver(None, credits_left=3), ["a", "b", "c", "d", "e"])
    assert saved == ["a", "b", "c"] and stop is not None and stop.permanent and stop.message.startswith("hard stop:")


def test_saved_in_order_reports_no_stop_when_every_row_saves_on_its_own():
    from actions.items import saved_in_order

    # The group was refused, yet each row alone goes through (credits came in meanwhile): all saved, no stop.
    assert saved_in_order(_saver(1, credits_left=10), ["a", "b", "c"]) == (["a", "b", "c"], None)
    assert saved_in_order(_saver(None, credits_left=10), ["a", "b"]) == (["a", "b"], None)
    saved, stop = saved_in_order(_saver(None, credits_left=0), ["a"])
    assert saved == [] and stop is not None
