"""The same actions through the official SDK against an OpenAI-compatible server on loopback."""

from __future__ import annotations

import pytest

from actions.ai.models import AICall
from backend.billing.models import CreditTransaction
from backend.planner.models import ContentIdea, Keyword
from backend.writer.models import Content, Task
from tests.support.fake_openai import FakeOpenAI, Fault, malformed_json, rate_limited, server_error


@pytest.fixture
def server(settings):
    with FakeOpenAI() as fake:
        settings.AI_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = "sk-test"
        settings.OPENAI_BACKOFF_SECONDS = 0.01
        yield fake


def test_it_survives_a_429_and_a_500_then_clusters(alice, execute, eager, server):
    for text in ("coffee grinder", "coffee beans", "running shoes", "running watch"):
        Keyword.objects.create(site=alice.site, text=text, volume=100)
    server.script(rate_limited(0.05), server_error(500))
    run = execute("cluster_keywords")
    assert run["status"] == "completed"
    assert Keyword.objects.filter(status="mapped").count() == 4
    calls = server.requests_to("/v1/chat/completions")
    assert len(calls) == 3 and calls[-1].json["response_format"]["type"] == "json_schema"
    record = AICall.objects.get()
    assert record.ok and record.attempts == 3 and record.total_tokens > 0 and record.provider == "openai"


def test_it_fails_an_item_cleanly_on_malformed_json(alice, execute, eager, server):
    idea = ContentIdea.objects.create(site=alice.site, title="Cold brew", status="queued")
    Task.objects.create(site=alice.site, idea=idea, title="Cold brew")
    server.script(malformed_json())
    run = execute("generate_content")
    task = Task.objects.get()
    assert task.status == "failed" and "JSON" in task.error
    assert not Content.objects.exists()
    assert not CreditTransaction.objects.filter(run_id=run["run_id"], kind="debit").exists()
    assert run["steps"][0]["result"]["errors"][0].startswith(f"task {task.pk}: AI provider:")
    assert AICall.objects.get().ok is False


def test_a_task_refused_for_now_is_queued_again_while_the_rest_of_its_group_is_written(
    alice, make_rule, eager, server, monkeypatch, settings
):
    """Batches saved together (actions/items.py): the second of three tasks meets a 500; the first and third are
    written and charged, the second waits (queued) and the step's retry writes it."""
    from actions import items
    from rules.lifecycle import rule_execute
    from rules.models import AutomationRun

    monkeypatch.setattr(items, "GROUP_SECONDS", 60.0)  # the three in one group, whatever this machine's speed
    settings.OPENAI_MAX_RETRIES = 0
    tasks = [Task.objects.create(site=alice.site, title=f"Cold brew {n}", status="queued") for n in range(3)]
    server.script(Fault(), server_error(500))  # the first group is one task (its time sizes the next)
    action = {"type": "generate_content", "params": {"drain": True}, "retry": {"max": 2, "backoff": 0}}
    run = rule_execute(rule=make_rule(site=alice.site, actions=[action])).run
    step = AutomationRun.objects.get(pk=run.pk).steps.get()
    assert (step.status, step.attempts, step.input_count, step.output_count) == ("completed", 2, 3, 3)
    assert set(Task.objects.values_list("status", flat=True)) == {"completed"}
    written = dict(Content.objects.values_list("task_id", "created_at"))
    assert written[tasks[1].pk] > max(written[tasks[0].pk], written[tasks[2].pk])  # by the retry
    charged = CreditTransaction.objects.filter(run_id=run.run_id, kind="debit")
    assert sorted(charged.values_list("idempotency_key", flat=True)) == sorted(
        f"{run.run_id}:generate_content:task:{task.pk}" for task in tasks
    )
