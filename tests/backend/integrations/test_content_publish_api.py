"""Publishing from the content API to a real WordPress: POST /content/{id}/publish/ and /content/bulk_publish/
queue a Celery task (run inline here) that creates the post with its featured image, updates the same post when
published again, and records a failure a person can read and retry."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PillowImage

from backend.integrations.models import Integration
from backend.writer.models import Content, Image
from tests.support.wordpress import WordPressSite, connect, rest_read, wordpress  # noqa: F401

pytestmark = [pytest.mark.wordpress, pytest.mark.usefixtures("allow_loopback_outbound")]  # WordPress is on loopback
URL = "/api/v1/content/"


@pytest.fixture
def token() -> str:
    """A unique word, so tests sharing one WordPress never see each other's posts."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def png() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (96, 64), (200, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def approved(site, token: str, *, status: str = "approved") -> Content:
    content = Content.objects.create(
        site=site, title=f"Cold brew {token}", status=status, html_content=f"<h2>Beans</h2><p>All about {token}.</p>"
    )
    featured = Image(site=site, content=content, kind="featured", status="generated", prompt="a cup")
    featured.file.save(f"cover-{token}.png", ContentFile(png()))
    return content


def posts_about(wp: WordPressSite, token: str) -> list[dict]:
    return rest_read(wp, "wp/v2/posts", search=token, status="any")


def test_it_publishes_through_the_endpoint_and_updates_the_same_post_again(
    alice,
    api,
    eager,
    token,
    wordpress: WordPressSite,  # noqa: F811
):
    connect(alice.site, wordpress)
    content = approved(alice.site, token)
    # A raw write (no save()): the script must not reach WordPress either.
    Content.objects.filter(pk=content.pk).update(
        html_content=f'<h2>Beans</h2><p onclick="x()">All about {token}.</p><script>alert(1)</script>'
    )

    response = api.post(f"{URL}{content.pk}/publish/", {"post_status": "publish"}, format="json")

    assert response.status_code == 202, response.json()
    assert (response.json()["publish_status"], response.json()["post_status"]) == ("queued", "publish")
    shown = api.get(f"{URL}{content.pk}/").json()
    assert (shown["publish_status"], shown["publish_error"], shown["status"]) == ("published", "", "published")
    assert shown["external_url"].startswith(wordpress.url) and shown["published_at"]
    post = rest_read(wordpress, f"wp/v2/posts/{shown['external_id']}")
    assert (post["title"]["raw"], post["status"], post["link"]) == (content.title, "publish", shown["external_url"])
    assert "<script" not in post["content"]["raw"] and "onclick" not in post["content"]["raw"]
    assert f"All about {token}." in post["content"]["raw"]
    media = rest_read(wordpress, f"wp/v2/media/{post['featured_media']}")
    assert media["mime_type"] == "image/png"

    # Published again (as a draft this time, after an edit): the same post, updated; never a second one.
    assert api.patch(f"{URL}{content.pk}/", {"title": f"Better cold brew {token}"}, format="json").status_code == 200
    again = api.post(f"{URL}{content.pk}/publish/", {"post_status": "draft"}, format="json")
    assert again.status_code == 202, again.json()
    shown_again = api.get(f"{URL}{content.pk}/").json()
    assert (shown_again["external_id"], shown_again["publish_status"], shown_again["post_status"]) == (
        shown["external_id"],
        "published",
        "draft",
    )
    assert [(p["id"], p["title"]["raw"], p["status"]) for p in posts_about(wordpress, token)] == [
        (int(shown["external_id"]), f"Better cold brew {token}", "draft")
    ]
    assert rest_read(wordpress, f"wp/v2/posts/{shown['external_id']}")["featured_media"] == post["featured_media"]


def test_it_records_a_readable_failure_and_publishes_on_retry_once_the_password_is_fixed(
    alice,
    api,
    eager,
    token,
    wordpress: WordPressSite,  # noqa: F811
):
    integration = connect(alice.site, wordpress, application_password="wrong pass word")
    content = approved(alice.site, token)

    assert api.post(f"{URL}{content.pk}/publish/", format="json").status_code == 202

    failed = api.get(f"{URL}{content.pk}/").json()
    assert (failed["publish_status"], failed["status"], failed["external_id"]) == ("failed", "approved", "")
    assert f"rejected the credentials for user {wordpress.username} (401)" in failed["publish_error"]
    assert api.get(URL, {"publish_status": "failed"}).json()["results"][0]["id"] == content.pk
    assert posts_about(wordpress, token) == []

    fixed = api.patch(
        f"/api/v1/integrations/{integration.pk}/",
        {"application_password": wordpress.application_password},
        format="json",
    )
    assert fixed.status_code == 200, fixed.json()
    retried = api.post(f"{URL}{content.pk}/publish/", format="json")
    assert retried.status_code == 202 and retried.json()["publish_error"] == ""

    done = api.get(f"{URL}{content.pk}/").json()
    assert (done["publish_status"], done["publish_error"], done["status"]) == ("published", "", "published")
    assert [p["id"] for p in posts_about(wordpress, token)] == [int(done["external_id"])]


def test_it_bulk_publishes_all_or_nothing(alice, api, eager, token, wordpress: WordPressSite):  # noqa: F811
    connect(alice.site, wordpress)
    a, b = approved(alice.site, f"{token}a"), approved(alice.site, f"{token}b")
    draft = approved(alice.site, f"{token}c", status="review")

    refused = api.post(f"{URL}bulk_publish/", {"ids": [a.pk, b.pk, draft.pk]}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["status"], refused.json()
    assert str(draft.pk) in refused.json()["status"][0]
    assert set(Content.objects.values_list("publish_status", flat=True)) == {""}
    assert posts_about(wordpress, token) == []

    response = api.post(f"{URL}bulk_publish/", {"ids": [b.pk, a.pk], "post_status": "draft"}, format="json")
    assert response.status_code == 202 and response.json() == {"queued": sorted([a.pk, b.pk])}
    for content in (a, b):
        content.refresh_from_db()
        assert (content.publish_status, content.post_status, content.status) == ("published", "draft", "published")
    assert sorted(p["status"] for p in posts_about(wordpress, token)) == ["draft", "draft"]


# --- refusals (nothing reaches WordPress) ------------------------------------------------------------


def test_it_refuses_content_that_is_not_approved_or_published(alice, api, token):
    Integration.objects.create(site=alice.site, url="http://127.0.0.1:9", username="u", application_password="p")
    for status in ("draft", "review"):
        content = approved(alice.site, f"{token}{status}", status=status)
        response = api.post(f"{URL}{content.pk}/publish/", format="json")
        assert response.status_code == 400 and list(response.json()) == ["status"], response.json()
        assert Content.objects.get(pk=content.pk).publish_status == ""


def test_it_refuses_a_site_without_an_active_wordpress_connection(alice, api, token):
    content = approved(alice.site, token)
    response = api.post(f"{URL}{content.pk}/publish/", format="json")
    assert response.status_code == 400 and list(response.json()) == ["integration"], response.json()

    Integration.objects.create(
        site=alice.site, url="http://127.0.0.1:9", username="u", application_password="p", is_active=False
    )
    response = api.post(f"{URL}bulk_publish/", {"ids": [content.pk]}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["integration"], response.json()
    assert Content.objects.get().publish_status == ""


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"ids": [1], "post_status": "private"}, ["post_status"]),
        ({"ids": [], "post_status": "draft"}, ["ids"]),
        ({"ids": ["x"]}, ["ids"]),
        ({"post_status": "future"}, ["ids", "post_status"]),
    ],
)
def test_it_names_the_bad_fields_of_a_bulk_publish(alice, api, body, fields):
    response = api.post(f"{URL}bulk_publish/", body, format="json")
    assert response.status_code == 400 and sorted(response.json()) == fields, response.json()


def test_it_refuses_a_bad_post_status(alice, api, token):
    Integration.objects.create(site=alice.site, url="http://127.0.0.1:9", username="u", application_password="p")
    content = approved(alice.site, token)
    response = api.post(f"{URL}{content.pk}/publish/", {"post_status": "private"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["post_status"]


def test_it_answers_404_for_another_accounts_content(alice, charlie, api, token):
    Integration.objects.create(site=alice.site, url="http://127.0.0.1:9", username="u", application_password="p")
    content = approved(alice.site, token)
    theirs = charlie.client()
    assert theirs.post(f"{URL}{content.pk}/publish/", format="json").status_code == 404
    bulk = theirs.post(f"{URL}bulk_publish/", {"ids": [content.pk]}, format="json")
    assert bulk.status_code == 400 and list(bulk.json()) == ["ids"]
    assert Content.objects.get().publish_status == ""


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_publishes_what_the_endpoint_queued(
    alice,
    api,
    token,
    settings,
    wordpress: WordPressSite,  # noqa: F811
):
    """The task is found by the worker's autodiscovery and runs on the `publish` queue, as in production."""
    from tests.support.celery_worker import WorkerProcess, purge_queues
    from tests.support.waiting import wait_for

    connect(alice.site, wordpress)
    content = approved(alice.site, token)
    purge_queues()
    worker = WorkerProcess(name="publish", env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}).start()
    try:
        response = api.post(f"{URL}{content.pk}/publish/", {"post_status": "draft"}, format="json")
        assert response.status_code == 202 and response.json()["publish_status"] == "queued"
        wait_for(lambda: Content.objects.get(pk=content.pk).publish_status != "queued", timeout=60)
    finally:
        worker.stop()
    content.refresh_from_db()
    assert (content.publish_status, content.status) == ("published", "published"), content.publish_error
    assert rest_read(wordpress, f"wp/v2/posts/{content.external_id}")["status"] == "draft"
