from __future__ import annotations

from backend.planner.models import ContentIdea
from backend.writer.models import Content, Task, count_words


def test_it_counts_words_of_the_visible_text():
    assert count_words("<h2>Cold brew</h2><p>It's <b>easy</b> to make &amp; store.</p>") == 7


def test_it_computes_word_count_and_slug_on_save(alice, api):
    response = api.post(
        "/api/v1/content/",
        {"site": alice.site.pk, "title": "Cold Brew Guide", "html_content": "<p>one two three</p>", "word_count": 999},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["word_count"], body["slug"], body["status"]) == (3, "cold-brew-guide", "draft")


def test_it_rejects_content_without_a_title(alice, api):
    response = api.post("/api/v1/content/", {"site": alice.site.pk, "title": "   "})
    assert response.status_code == 400 and "title" in response.json()


def test_it_follows_the_content_lifecycle(alice, api):
    content = Content.objects.create(site=alice.site, title="A")
    assert api.patch(f"/api/v1/content/{content.pk}/", {"status": "published"}).status_code == 400
    assert api.patch(f"/api/v1/content/{content.pk}/", {"status": "review"}).status_code == 200
    assert api.post(f"/api/v1/content/{content.pk}/approve/").json()["status"] == "approved"


def test_it_bulk_approves_all_or_nothing(alice, api):
    a = Content.objects.create(site=alice.site, title="A", status="review")
    b = Content.objects.create(site=alice.site, title="B", status="draft")
    refused = api.post("/api/v1/content/bulk_approve/", {"ids": [a.pk, b.pk]})
    assert refused.status_code == 400
    assert Content.objects.get(pk=a.pk).status == "review"
    b.status = "review"
    b.save()
    assert api.post("/api/v1/content/bulk_approve/", {"ids": [a.pk, b.pk]}).json() == {"approved": [a.pk, b.pk]}


def test_it_refuses_a_task_pointing_at_an_idea_of_another_site(alice, api):
    other = api.post("/api/v1/sites/", {"name": "Other", "domain": "other.example.com"}).json()
    idea = ContentIdea.objects.create(site=alice.site, title="Idea")
    response = api.post("/api/v1/tasks/", {"site": other["id"], "title": "T", "idea": idea.pk})
    assert response.status_code == 400 and "idea" in response.json()
    assert not Task.objects.exists()


def test_it_refuses_a_second_image_in_the_same_slot(alice, api):
    content = Content.objects.create(site=alice.site, title="A")
    first = api.post("/api/v1/images/", {"site": alice.site.pk, "content": content.pk, "kind": "featured"})
    assert first.status_code == 201, first.json()
    second = api.post("/api/v1/images/", {"site": alice.site.pk, "content": content.pk, "kind": "featured"})
    assert second.status_code == 400 and "position" in second.json()
