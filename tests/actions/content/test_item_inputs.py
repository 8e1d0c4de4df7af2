"""Item actions take the run's own items (`items`: the trigger's object or earlier steps' ids) and return the ids
they produced as `output.ids` (local AI provider; real database and Redis claims)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task
from rules.context import ActionContext
from rules.core.causation import Causation
from rules.core.contract import ActionError, StepResult
from rules.core.registry import registry
from rules.lifecycle import trigger_rule
from rules.models import AutomationRun

ARTICLE = (
    "<p>Cold brew is easy.</p><h2>Beans</h2><p>Coarse.</p><h2>Steeping</h2><p>Long.</p><h2>Serving</h2><p>Ice.</p>"
)


@pytest.fixture
def run_step(alice, make_rule, django_capture_on_commit_callbacks):
    """Run one action of a rule on Alice's site as a run started by `event` on `obj` (or by hand) would run it:
    a real run and step (not sent to a worker), the action called with the step's params (what the engine
    resolved, e.g. an earlier step's ids), in the step's context."""

    def run(
        action: str, params: dict[str, Any], obj: Any = None, *, kind: str = "", resolved: dict | None = None
    ) -> StepResult:
        rule = make_rule(site=alice.site, actions=[{"type": action, "params": params}])
        payload: dict[str, Any] = {}
        if obj is not None:
            kind = kind or type(obj).__name__.lower().replace("contentidea", "idea")
            payload = {"event": f"{kind}.created", "object_type": kind, "object": {"id": obj.pk}, "changes": {}}
        with django_capture_on_commit_callbacks(execute=False):
            started = trigger_rule(
                rule,
                trigger_type="event" if obj is not None else "manual",
                payload=payload,
                causation=Causation(root_event="test"),
                site_id=alice.site.pk,
            ).run
        assert started is not None
        started = AutomationRun.objects.get(pk=started.pk)
        step = started.steps.get(index=0)
        context = ActionContext(run=started, step=step)
        try:
            return registry.get(action).run(context, step.params if resolved is None else resolved)
        finally:
            context.flush_logs()

    return run


def output_ids(result: StepResult) -> list[int]:
    return result.result["output"]["ids"]


def keywords(alice, *texts: str) -> list[Keyword]:
    return [Keyword.objects.create(site=alice.site, text=text, volume=1500) for text in texts]


def clusters_with_keywords(alice, count: int) -> list[Cluster]:
    found = []
    for i in range(count):
        cluster = Cluster.objects.create(site=alice.site, name=f"Topic {i}")
        Keyword.objects.create(site=alice.site, text=f"topic {i} keyword", cluster=cluster, status="mapped")
        found.append(cluster)
    return found


def ideas(alice, count: int) -> list[ContentIdea]:
    return [ContentIdea.objects.create(site=alice.site, title=f"Idea {i}") for i in range(count)]


def tasks(alice, count: int) -> list[Task]:
    made = []
    for i in range(count):
        idea = ContentIdea.objects.create(site=alice.site, title=f"How to brew coffee {i}", status="queued")
        made.append(Task.objects.create(site=alice.site, idea=idea, title=idea.title, target_word_count=600))
    return made


# --- cluster_keywords ---------------------------------------------------------------------------------------------


def test_cluster_keywords_takes_the_triggering_keyword_only(alice, run_step):
    trigger, *others = keywords(alice, "cold brew coffee", "french press coffee", "hiking boots")
    result = run_step("cluster_keywords", {"items": "trigger"}, trigger)
    trigger.refresh_from_db()
    assert trigger.status == "mapped" and result.input_count == 1
    assert output_ids(result) == [trigger.cluster_id]
    assert set(Keyword.objects.filter(pk__in=[k.pk for k in others]).values_list("status", flat=True)) == {"new"}


def test_cluster_keywords_skips_a_trigger_of_another_kind(alice, run_step):
    keywords(alice, "cold brew coffee")
    cluster = Cluster.objects.create(site=alice.site, name="Coffee")
    result = run_step("cluster_keywords", {"items": "trigger"}, cluster)
    assert result.skipped and output_ids(result) == []
    assert (
        result.result["skip_reason"] == f"the trigger's object is cluster {cluster.pk}; cluster_keywords takes keywords"
    )
    assert not Keyword.objects.filter(status="mapped").exists()


def test_cluster_keywords_takes_the_listed_keywords_and_lists_each_cluster_once(alice, run_step):
    listed = keywords(alice, "cold brew coffee", "iced coffee recipe", "cold brew ratio", "hiking boots")
    other = keywords(alice, "espresso machine")[0]
    result = run_step("cluster_keywords", {"items": [k.pk for k in listed], "batch_size": 1})
    mapped = Keyword.objects.filter(pk__in=[k.pk for k in listed])
    assert set(mapped.values_list("status", flat=True)) == {"mapped"} and result.input_count == 4
    went_to = list(dict.fromkeys(mapped.order_by("pk").values_list("cluster_id", flat=True)))
    assert output_ids(result) == went_to  # one batch per keyword: a reused cluster is listed once
    assert len(went_to) < 4 and result.result["batches"] == 4
    other.refresh_from_db()
    assert other.status == "new"


# --- generate_ideas -----------------------------------------------------------------------------------------------


def test_generate_ideas_takes_the_triggering_cluster_only(alice, run_step):
    trigger, other = clusters_with_keywords(alice, 2)
    result = run_step("generate_ideas", {"items": "trigger", "ideas_per_cluster": 2}, trigger)
    assert sorted(output_ids(result)) == sorted(
        ContentIdea.objects.filter(cluster=trigger).values_list("pk", flat=True)
    )
    assert len(output_ids(result)) == 2 and result.output_count == 2
    assert not ContentIdea.objects.filter(cluster=other).exists()


def test_generate_ideas_skips_a_trigger_of_another_kind(alice, run_step):
    clusters_with_keywords(alice, 1)
    keyword = Keyword.objects.get()
    result = run_step("generate_ideas", {"items": "trigger"}, keyword)
    assert result.skipped
    assert (
        result.result["skip_reason"] == f"the trigger's object is keyword {keyword.pk}; generate_ideas takes clusters"
    )
    assert not ContentIdea.objects.exists()


def test_generate_ideas_takes_the_listed_clusters(alice, run_step):
    first, second, third = clusters_with_keywords(alice, 3)
    result = run_step("generate_ideas", {"items": [first.pk, third.pk], "ideas_per_cluster": 1})
    made = ContentIdea.objects.order_by("pk")
    assert output_ids(result) == list(made.values_list("pk", flat=True))
    assert set(made.values_list("cluster_id", flat=True)) == {first.pk, third.pk}
    assert not second.ideas.exists()


# --- queue_to_writer ----------------------------------------------------------------------------------------------


def test_queue_to_writer_takes_the_triggering_idea_only(alice, run_step):
    trigger, *others = ideas(alice, 3)
    result = run_step("queue_to_writer", {"items": "trigger"}, trigger)
    assert output_ids(result) == [Task.objects.get(idea=trigger).pk] and Task.objects.count() == 1
    assert set(ContentIdea.objects.filter(pk__in=[i.pk for i in others]).values_list("status", flat=True)) == {"new"}


def test_queue_to_writer_skips_a_trigger_of_another_kind(alice, run_step):
    ideas(alice, 1)
    content = Content.objects.create(site=alice.site, title="A")
    result = run_step("queue_to_writer", {"items": "trigger"}, content)
    assert result.skipped
    assert result.result["skip_reason"] == f"the trigger's object is content {content.pk}; queue_to_writer takes ideas"
    assert not Task.objects.exists()


def test_queue_to_writer_takes_the_listed_ideas_and_reports_the_ones_not_waiting(alice, run_step):
    first, queued, third, other = ideas(alice, 4)
    ContentIdea.objects.filter(pk=queued.pk).update(status="queued")
    result = run_step("queue_to_writer", {"items": [third.pk, queued.pk, first.pk, 999999]})
    made = Task.objects.order_by("pk")
    assert output_ids(result) == list(made.values_list("pk", flat=True)) and made.count() == 2
    assert set(made.values_list("idea_id", flat=True)) == {first.pk, third.pk}
    assert result.result["items_skipped"] == [queued.pk, 999999] and not result.skipped
    assert "errors" not in result.result
    other.refresh_from_db()
    assert other.status == "new"


# --- generate_content ---------------------------------------------------------------------------------------------


def test_generate_content_writes_the_triggering_task_only(alice, run_step):
    trigger, other = tasks(alice, 2)
    result = run_step("generate_content", {"items": "trigger"}, trigger)
    assert output_ids(result) == [Content.objects.get(task=trigger).pk]
    other.refresh_from_db()
    assert other.status == "queued" and not Content.objects.filter(task=other).exists()


def test_generate_content_skips_a_trigger_of_another_kind(alice, run_step):
    tasks(alice, 1)
    idea = ContentIdea.objects.create(site=alice.site, title="Not a task")
    result = run_step("generate_content", {"items": "trigger"}, idea)
    assert result.skipped
    assert result.result["skip_reason"] == f"the trigger's object is idea {idea.pk}; generate_content takes tasks"
    assert not Content.objects.exists()


def test_generate_content_writes_the_tasks_an_earlier_step_made(alice, run_step):
    first, second, third = tasks(alice, 3)
    earlier = {"items": {"var": "steps.queue.output.ids"}}  # saved so; the engine resolves it when the step starts
    result = run_step("generate_content", earlier, resolved={"items": [second.pk, third.pk]})
    assert output_ids(result) == list(Content.objects.order_by("pk").values_list("pk", flat=True))
    assert set(Content.objects.values_list("task_id", flat=True)) == {second.pk, third.pk}
    first.refresh_from_db()
    assert first.status == "queued"


# --- what every item action shares -------------------------------------------------------------------------------


def test_a_trigger_object_no_longer_waiting_skips_the_step_saying_so(alice, run_step):
    keyword = keywords(alice, "cold brew")[0]
    Keyword.objects.filter(pk=keyword.pk).update(status="mapped")
    result = run_step("cluster_keywords", {"items": "trigger"}, keyword)
    assert result.skipped and result.result["items_skipped"] == [keyword.pk]
    assert result.result["skip_reason"].startswith(f"nothing to do: keyword {keyword.pk}: not waiting to be clustered")


def test_a_run_without_an_object_skips_a_step_that_takes_the_trigger(alice, run_step):
    keywords(alice, "cold brew")
    result = run_step("cluster_keywords", {"items": "trigger"})
    assert result.skipped and "carries no object" in result.result["skip_reason"]
    assert not Keyword.objects.filter(status="mapped").exists()


def test_an_empty_list_takes_nothing_not_the_queue(alice, run_step):
    ideas(alice, 2)
    result = run_step("queue_to_writer", {"items": []})
    assert result.skipped and "no items to take" in result.result["skip_reason"]
    assert not Task.objects.exists()


def test_another_accounts_items_are_skipped_not_taken(alice, charlie, run_step):
    theirs = ContentIdea.objects.create(site=charlie.site, title="Charlie's idea")
    mine = ideas(alice, 1)[0]
    result = run_step("queue_to_writer", {"items": [theirs.pk, mine.pk]})
    assert result.result["items_skipped"] == [theirs.pk] and list(Task.objects.values_list("idea_id", flat=True)) == [
        mine.pk
    ]
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_a_resolved_list_that_is_not_ids_fails_the_step_for_good(alice, run_step):
    ideas(alice, 1)
    with pytest.raises(ActionError) as failure:
        run_step("queue_to_writer", {"items": {"var": "steps.a.output"}}, resolved={"items": [{"id": 3}]})
    assert failure.value.permanent and "is not an id" in failure.value.message


@pytest.mark.parametrize(
    ("action", "params", "errors"),
    [
        ("cluster_keywords", {"items": "trigger"}, []),
        ("generate_ideas", {"items": [1, 2]}, []),
        ("queue_to_writer", {"items": {"var": "steps.step-1.output.ids"}}, []),
        ("publish_to_wordpress", {"items": "trigger", "status": "publish"}, []),
        ("review_gate", {"items": "trigger"}, []),
        ("generate_content", {"items": "everything"}, ["items"]),
        ("generate_content", {"items": [0]}, ["items"]),
        ("optimize_content", {"items": "trigger", "ids": [1]}, ["ids"]),
    ],
)
def test_items_are_checked_when_the_rule_is_saved(action, params, errors):
    assert [path for path, _ in registry.params_errors(action, params)] == errors


def test_items_beside_an_alias_of_ids_is_refused_at_the_name_sent(api):
    response = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "x",
            "trigger": {"type": "event", "event": "keyword.created"},
            "actions": [{"type": "cluster_keywords", "params": {"items": "trigger", "keyword_ids": [1]}}],
        },
        format="json",
    )
    assert response.status_code == 400 and "actions.0.params.keyword_ids" in response.json()


def test_the_estimate_counts_the_trigger_as_one_item_and_an_unresolved_list_as_none(alice):
    ideas_action = registry.get("generate_ideas")
    clusters_with_keywords(alice, 3)
    scope = {"site_id": alice.site.pk, "account_id": alice.account.pk}
    assert ideas_action.estimate({"items": "trigger"}, **scope) == ideas_action.estimate({"limit": 1}, **scope)
    assert ideas_action.estimate({"items": {"var": "steps.a.output.ids"}}, **scope) == 0
    named = list(Cluster.objects.values_list("pk", flat=True)[:2])
    assert ideas_action.estimate({"items": named}, **scope) == ideas_action.estimate({"ids": named}, **scope)
    assert registry.get("generate_content").estimate({"items": "trigger"}, **scope) > 0


# --- output.ids of the later stages -------------------------------------------------------------------------------


def test_image_prompts_and_images_list_the_images(alice, run_step):
    content = Content.objects.create(
        site=alice.site, title="Cold brew", primary_keyword="cold brew", html_content=ARTICLE
    )
    other = Content.objects.create(site=alice.site, title="Other", html_content=ARTICLE)
    prompts = run_step("generate_image_prompts", {"items": "trigger", "in_article_count": 1}, content)
    made = list(Image.objects.filter(content=content).order_by("pk").values_list("pk", flat=True))
    assert output_ids(prompts) == made and len(made) == 2 and not other.images.exists()
    rendered = run_step("generate_images", {"items": made[-1:], "size": "256x256"})
    assert output_ids(rendered) == made[-1:]
    assert list(Image.objects.order_by("pk").values_list("status", flat=True)) == ["pending", "generated"]


def test_optimize_content_and_the_review_gate_list_the_content(alice, run_step):
    first = Content.objects.create(
        site=alice.site, title="Cold brew", primary_keyword="cold brew", html_content=ARTICLE
    )
    second = Content.objects.create(site=alice.site, title="Iced", primary_keyword="iced", html_content=ARTICLE)
    scored = run_step("optimize_content", {"items": [second.pk]})
    assert output_ids(scored) == [second.pk]
    first.refresh_from_db()
    assert first.seo_score is None
    reviewed = run_step("review_gate", {"items": "trigger", "require_images": False}, first, kind="content")
    assert output_ids(reviewed) == [first.pk]
    assert dict(Content.objects.values_list("pk", "status")) == {first.pk: "review", second.pk: "draft"}


def test_the_queue_without_items_still_lists_what_it_made(alice, run_step):
    """No `items`: the site's queue as before, and `output.ids` too."""
    made = ideas(alice, 3)
    result = run_step("queue_to_writer", {"limit": 2})
    assert result.input_count == 2 and "items_skipped" not in result.result
    assert output_ids(result) == list(Task.objects.order_by("pk").values_list("pk", flat=True))
    assert list(Task.objects.order_by("pk").values_list("idea_id", flat=True)) == [made[0].pk, made[1].pk]


# --- end to end ---------------------------------------------------------------------------------------------------


def test_an_event_rule_clusters_the_keyword_that_triggered_it(alice, make_rule, eager):
    """The issue's case: "when a keyword over 1,000 is created" takes that keyword, not the site's queue."""
    waiting = keywords(alice, "espresso machine", "french press")
    make_rule(
        name="Big keywords",
        site=alice.site,
        trigger={"type": "event", "event": "keyword.created"},
        conditions={">": [{"var": "object.volume"}, 1000]},
        actions=[{"id": "cluster", "type": "cluster_keywords", "params": {"items": "trigger"}}],
    )
    big = Keyword.objects.create(site=alice.site, text="cold brew coffee", volume=2000)
    run = AutomationRun.objects.get()
    step = run.steps.get()
    big.refresh_from_db()
    assert (run.status, step.status, step.input_count) == ("completed", "completed", 1)
    assert big.status == "mapped" and step.result["output"]["ids"] == [big.cluster_id]
    assert set(Keyword.objects.filter(pk__in=[k.pk for k in waiting]).values_list("status", flat=True)) == {"new"}
