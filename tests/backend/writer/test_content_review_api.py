"""Reviewing content through the API: edit (sanitized), reject with a note, bulk reject, regenerate; what the list
shows of each item (cluster, review and publish state) without a query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.planner.models import Cluster
from backend.writer.models import Content, Image, Task

URL = "/api/v1/content/"
DIRTY = (
    '<h2 onclick="steal()">Beans</h2><script>alert(1)</script>'
    '<p>Read <a href="javascript:alert(1)">this</a> and <a href="https://example.com">that</a>.</p>'
    '<img src="https://cdn.example/a.png" onerror="alert(1)" alt="cup"><iframe src="https://evil.example"></iframe>'
)
CLEAN = (
    '<h2>Beans</h2><p>Read <a rel="noopener noreferrer">this</a> and '
    '<a href="https://example.com" rel="noopener noreferrer">that</a>.</p>'
    '<img src="https://cdn.example/a.png" alt="cup">'
)


def article(site, status="review", **fields) -> Content:
    return Content.objects.create(site=site, title=fields.pop("title", "Cold brew"), status=status, **fields)


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered and "<iframe" not in lowered


# --- sanitizing ----------------------------------------------------------------------------------


def test_it_sanitizes_html_when_content_is_created_and_edited(alice, api):
    created = api.post(URL, {"site": alice.site.pk, "title": "Beans", "html_content": DIRTY}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["html_content"] == CLEAN
    assert Content.objects.get().html_content == CLEAN
    assert created.json()["word_count"] == 5  # the visible words of what is kept: no script text

    edited = api.patch(f"{URL}{created.json()['id']}/", {"html_content": DIRTY + "<p>More</p>"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert edited.json()["html_content"] == CLEAN + "<p>More</p>"
    assert Content.objects.get().html_content == CLEAN + "<p>More</p>"


def test_it_edits_the_text_fields_of_an_article(alice, api):
    content = article(alice.site, html_content="<p>old</p>")
    fields = {
        "title": "Better cold brew",
        "html_content": "<p>one two three</p>",
        "excerpt": "Short.",
        "meta_title": "Cold brew at home",
        "meta_description": "How to make it.",
        "primary_keyword": "cold brew",
    }
    response = api.patch(f"{URL}{content.pk}/", fields, format="json")
    assert response.status_code == 200, response.json()
    assert {k: response.json()[k] for k in fields} == fields and response.json()["word_count"] == 3


def test_it_answers_sanitized_html_for_a_row_written_around_save(alice, api):
    content = article(alice.site, html_content="<p>fine</p>")
    Content.objects.filter(pk=content.pk).update(html_content=DIRTY)  # an old row, or a raw write: no save()

    for response in (api.get(f"{URL}{content.pk}/"), api.get(URL)):
        assert response.status_code == 200
        body = response.json()
        html = body["html_content"] if "html_content" in body else body["results"][0]["html_content"]
        assert html == CLEAN
        assert_safe(html)


def test_it_sanitizes_on_every_save_even_of_other_fields(alice):
    content = article(alice.site, html_content="<p>x</p>")
    Content.objects.filter(pk=content.pk).update(html_content=DIRTY)
    content.refresh_from_db()
    content.status = "approved"
    content.save(update_fields=["status", "updated_at"])
    assert Content.objects.get(pk=content.pk).html_content == CLEAN


# --- reject ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["review", "approved"])
def test_it_rejects_content_back_to_draft_keeping_the_note(alice, api, status):
    content = article(alice.site, status=status)
    response = api.post(f"{URL}{content.pk}/reject/", {"note": "  Too short; add a section on grinders.  "})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["status"], body["review_note"]) == (
        content.pk,
        "draft",
        "Too short; add a section on grinders.",
    )
    content.refresh_from_db()
    assert (content.status, content.review_note) == ("draft", "Too short; add a section on grinders.")
    # The note stays with the article through the next review.
    content.status = "review"
    content.save()
    assert api.post(f"{URL}{content.pk}/approve/").json()["review_note"] == "Too short; add a section on grinders."


@pytest.mark.parametrize(
    "body",
    [{}, {"note": ""}, {"note": "   "}, {"note": 5}, {"note": None}, {"note": "x" * 2001}],
)
def test_it_requires_a_note_to_reject(alice, api, body):
    content = article(alice.site)
    response = api.post(f"{URL}{content.pk}/reject/", body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["note"], response.json()
    assert Content.objects.get().status == "review"


def test_it_takes_a_note_of_2000_characters(alice, api):
    content = article(alice.site)
    assert api.post(f"{URL}{content.pk}/reject/", {"note": "x" * 2000}).status_code == 200


@pytest.mark.parametrize("status", ["draft", "published"])
def test_it_refuses_to_reject_content_not_in_review_or_approved(alice, api, status):
    content = article(alice.site, status=status)
    response = api.post(f"{URL}{content.pk}/reject/", {"note": "no"})
    assert response.status_code == 400 and list(response.json()) == ["status"], response.json()
    assert Content.objects.get().status == status


def test_it_bulk_rejects_all_or_nothing(alice, api):
    a, b = article(alice.site, title="A"), article(alice.site, title="B", status="approved")
    draft = article(alice.site, title="C", status="draft")

    refused = api.post(f"{URL}bulk_reject/", {"ids": [a.pk, b.pk, draft.pk], "note": "redo"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["status"], refused.json()
    assert str(draft.pk) in refused.json()["status"][0]
    assert sorted(Content.objects.values_list("status", flat=True)) == ["approved", "draft", "review"]

    done = api.post(f"{URL}bulk_reject/", {"ids": [b.pk, a.pk], "note": "redo"}, format="json")
    assert done.status_code == 200 and done.json() == {"rejected": sorted([a.pk, b.pk])}
    for content in (a, b):
        content.refresh_from_db()
        assert (content.status, content.review_note) == ("draft", "redo")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"note": "x"}, ["ids"]),
        ({"ids": [], "note": "x"}, ["ids"]),
        ({"ids": ["1"], "note": "x"}, ["ids"]),
        ({"ids": [True], "note": "x"}, ["ids"]),
        ({"ids": [1]}, ["note"]),
        ({}, ["ids", "note"]),
    ],
)
def test_it_names_the_bad_fields_of_a_bulk_reject(alice, api, body, fields):
    response = api.post(f"{URL}bulk_reject/", body, format="json")
    assert response.status_code == 400 and sorted(response.json()) == fields, response.json()


def test_it_answers_404_for_another_accounts_content(alice, bob, charlie, api):
    content = article(alice.site)
    theirs = charlie.client()
    assert theirs.post(f"{URL}{content.pk}/reject/", {"note": "mine"}).status_code == 404
    assert theirs.post(f"{URL}{content.pk}/regenerate/").status_code == 404
    assert theirs.patch(f"{URL}{content.pk}/", {"title": "mine"}, format="json").status_code == 404
    refused = theirs.post(f"{URL}bulk_reject/", {"ids": [content.pk], "note": "mine"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["ids"]  # unknown to Charlie, like a missing id
    content.refresh_from_db()
    assert (content.status, content.review_note, content.title) == ("review", "", "Cold brew")
    # Bob, on Alice's team, may.
    assert bob.client().post(f"{URL}{content.pk}/reject/", {"note": "bob"}).status_code == 200


# --- regenerate -----------------------------------------------------------------------------------


def test_it_queues_the_task_again_to_rewrite_a_rejected_draft(alice, api):
    task = Task.objects.create(site=alice.site, title="Cold brew", status="completed")
    content = article(alice.site, task=task)
    api.post(f"{URL}{content.pk}/reject/", {"note": "More depth."})

    response = api.post(f"{URL}{content.pk}/regenerate/")

    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["status"], response.json()["review_note"]) == (
        content.pk,
        "draft",
        "More depth.",
    )
    task.refresh_from_db()
    content.refresh_from_db()
    assert task.status == "queued" and content.rewrite_requested
    assert api.get(f"/api/v1/tasks/{task.pk}/").json()["status"] == "queued"


def test_it_requeues_a_failed_task_too(alice, api):
    task = Task.objects.create(site=alice.site, title="Cold brew", status="failed", error="AI provider: down")
    content = article(alice.site, status="draft", task=task)
    assert api.post(f"{URL}{content.pk}/regenerate/").status_code == 200
    task.refresh_from_db()
    assert (task.status, task.error) == ("queued", "")


def test_it_refuses_to_regenerate_without_a_task_or_a_draft(alice, api):
    no_task = article(alice.site, status="draft")
    response = api.post(f"{URL}{no_task.pk}/regenerate/")
    assert response.status_code == 400 and list(response.json()) == ["task"], response.json()

    task = Task.objects.create(site=alice.site, title="T", status="completed")
    in_review = article(alice.site, task=task)
    response = api.post(f"{URL}{in_review.pk}/regenerate/")
    assert response.status_code == 400 and list(response.json()) == ["status"], response.json()
    task.refresh_from_db()
    assert task.status == "completed" and not Content.objects.filter(rewrite_requested=True).exists()


# --- the list --------------------------------------------------------------------------------------


def test_it_shows_the_cluster_and_the_review_and_publish_state(alice, api):
    cluster = Cluster.objects.create(site=alice.site, name="Coffee")
    task = Task.objects.create(site=alice.site, title="T", cluster=cluster, status="completed")
    with_cluster = article(alice.site, task=task)
    alone = article(alice.site, title="Alone")
    body = {row["id"]: row for row in api.get(URL).json()["results"]}
    assert body[with_cluster.pk]["cluster"] == cluster.pk and body[alone.pk]["cluster"] is None
    assert {k: body[alone.pk][k] for k in ("review_note", "publish_status", "publish_error", "post_status")} == {
        "review_note": "",
        "publish_status": "",
        "publish_error": "",
        "post_status": "publish",
    }
    assert api.get(f"{URL}{with_cluster.pk}/").json()["cluster"] == cluster.pk


def test_it_refuses_to_change_the_read_only_review_and_publish_fields(alice, api):
    content = article(alice.site)
    for field, value in {"review_note": "x", "publish_status": "published", "post_status": "draft"}.items():
        api.patch(f"{URL}{content.pk}/", {field: value}, format="json")
    content.refresh_from_db()
    assert (content.review_note, content.publish_status, content.post_status) == ("", "", "publish")


def test_it_filters_content_by_publish_status(alice, api):
    failed = article(alice.site, status="approved", publish_status="failed", publish_error="401")
    article(alice.site, status="approved", title="Never")
    listed = api.get(URL, {"publish_status": "failed"}).json()["results"]
    assert [row["id"] for row in listed] == [failed.pk] and listed[0]["publish_error"] == "401"
    bad = api.get(URL, {"publish_status": "gone"})
    assert bad.status_code == 400 and list(bad.json()) == ["publish_status"]


def test_it_lists_content_with_a_flat_number_of_queries(alice, api):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL).status_code == 200
        return len(captured.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            cluster = Cluster.objects.create(site=alice.site, name=f"C{i}-{Content.objects.count()}")
            task = Task.objects.create(site=alice.site, title=f"T{i}", cluster=cluster, status="completed")
            content = article(alice.site, title=f"A{i}", task=task, review_note="n", publish_status="failed")
            Image.objects.create(site=alice.site, content=content, kind="featured")

    add(2)
    queries_for_list()  # (the first request of a token records its use)
    few = queries_for_list()
    add(10)
    assert queries_for_list() == few
