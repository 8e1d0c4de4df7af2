"""Rejected, then regenerated: generate_content writes the same content row again with the reviewer's note as
feedback; and whatever HTML a provider returns is stored sanitized."""

from __future__ import annotations

import pytest

from backend.billing.models import CreditTransaction
from backend.planner.models import ContentIdea
from backend.writer.models import Content, Image, Task
from tests.support.fake_openai import FakeOpenAI
from tests.support.fake_openai import _content_answer as fake_article

NOTE = "Add a section about grinders and cut the fluff."


@pytest.fixture
def server(settings):
    with FakeOpenAI() as fake:
        settings.AI_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = "sk-test"
        settings.OPENAI_BACKOFF_SECONDS = 0.01
        yield fake


def written_then_rejected(alice, api, execute) -> Content:
    idea = ContentIdea.objects.create(
        site=alice.site, title="Cold brew at home", status="queued", description="Intro.\n\n## Beans\n## Steeping"
    )
    Task.objects.create(site=alice.site, idea=idea, title=idea.title, target_word_count=600)
    assert execute("generate_content")["status"] == "completed"
    content = Content.objects.get()
    Image.objects.create(site=alice.site, content=content, kind="featured", prompt="p", status="generated")
    Content.objects.filter(pk=content.pk).update(status="review", seo_score=70)
    assert api.post(f"/api/v1/content/{content.pk}/reject/", {"note": NOTE}).status_code == 200
    assert api.post(f"/api/v1/content/{content.pk}/regenerate/").status_code == 200
    return content


def test_it_rewrites_the_same_content_with_the_review_note_as_feedback(alice, api, execute, eager, server):
    server.set_response(
        "generate_content", lambda body: {**fake_article(body), "html": "<p>First.</p>", "title": "First"}
    )
    content = written_then_rejected(alice, api, execute)
    assert NOTE not in server.requests_to("/v1/chat/completions")[-1].prompt
    server.set_response(
        "generate_content",
        lambda body: {
            **fake_article(body),
            "title": "Second",
            "html": '<p onmouseover="x()">Second, better.</p><script>alert(1)</script><h2>Grinders</h2>',
        },
    )

    run = execute("generate_content")

    assert run["status"] == "completed" and run["steps"][0]["output_count"] == 1
    prompt = server.requests_to("/v1/chat/completions")[-1].prompt
    assert NOTE in prompt and "Reviewer feedback" in prompt and "## Beans" in prompt
    rewritten = Content.objects.get()  # the same row, no second one
    assert rewritten.pk == content.pk
    assert (rewritten.title, rewritten.html_content, rewritten.status) == (
        "Second",
        "<p>Second, better.</p><h2>Grinders</h2>",
        "draft",
    )
    assert (rewritten.review_note, rewritten.rewrite_requested, rewritten.seo_score) == (NOTE, False, None)
    assert rewritten.images.count() == 1, "its images stay"
    assert Task.objects.get().status == "completed"
    assert CreditTransaction.objects.filter(run_id=run["run_id"], kind="debit").count() == 1
    # Done: the next run writes nothing more.
    assert execute("generate_content")["steps"][0]["input_count"] == 0


def test_it_rewrites_with_the_local_provider_too(alice, api, execute, eager):
    content = written_then_rejected(alice, api, execute)
    Content.objects.filter(pk=content.pk).update(html_content="<p>to be replaced</p>")
    assert execute("generate_content")["status"] == "completed"
    rewritten = Content.objects.get()
    assert rewritten.pk == content.pk and "to be replaced" not in rewritten.html_content
    assert rewritten.word_count > 300 and not rewritten.rewrite_requested


def test_it_finishes_a_task_whose_content_exists_without_writing_it_again(alice, execute, eager, server):
    task = Task.objects.create(site=alice.site, title="Written", status="in_progress")
    Content.objects.create(site=alice.site, task=task, title="Written", html_content="<p>kept</p>")
    run = execute("generate_content")
    assert run["status"] == "completed" and not server.requests_to("/v1/chat/completions")
    assert Content.objects.get().html_content == "<p>kept</p>" and Task.objects.get().status == "completed"


def test_it_stores_a_providers_html_sanitized(alice, execute, eager, server):
    server.set_response(
        "generate_content",
        lambda body: {
            **fake_article(body),
            "html": '<p onclick="x()">Hi <a href="javascript:alert(1)">there</a></p><script>alert(1)</script>'
            '<img src="https://cdn.example/a.png" onerror="alert(1)" alt="a"><h2 style="color:red">Next</h2>',
        },
    )
    Task.objects.create(site=alice.site, title="Unsafe")
    assert execute("generate_content")["status"] == "completed"
    content = Content.objects.get()
    assert content.html_content == (
        '<p>Hi <a rel="noopener noreferrer">there</a></p><img src="https://cdn.example/a.png" alt="a"><h2>Next</h2>'
    )
    assert content.word_count == 3
