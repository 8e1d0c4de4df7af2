"""publish_to_wordpress against a real WordPress: create, then update (never duplicate), and bad input per item."""

from __future__ import annotations

import io
import socket
import uuid
from typing import Any

import pytest
import requests
from django.core.files.base import ContentFile
from PIL import Image as PillowImage

from backend.billing.models import CreditTransaction
from backend.integrations.models import Integration, PublishedPost, UploadedMedia
from backend.writer.models import Content, Image
from rules.core.registry import registry
from rules.lifecycle import rule_execute
from rules.models import AutomationRun
from tests.support.wordpress import WordPressSite, connect, rest_read, wordpress  # noqa: F401

pytestmark = [pytest.mark.wordpress, pytest.mark.usefixtures("allow_loopback_outbound")]  # WordPress is on loopback


@pytest.fixture
def token() -> str:
    """A unique word, so tests sharing one WordPress never see each other's posts, media or terms."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def integration(alice, wordpress: WordPressSite) -> Integration:  # noqa: F811
    return connect(alice.site, wordpress)


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (96, 64), color).save(buffer, "PNG")
    return buffer.getvalue()


def approved_content(site, token: str, *, title: str | None = None, image: bool = True) -> Content:
    content = Content.objects.create(
        site=site,
        title=f"Travel guide {token}" if title is None else title,
        status="approved",
        html_content=f"<h2>Intro</h2><p>All about {token}.</p>",
        excerpt=f"About {token}",
        categories=[f"Guides {token}"],
        tags=[f"Travel {token}", f"Tips {token}"],
    )
    if image:
        featured = Image(site=site, content=content, kind="featured", status="generated", prompt="a beach")
        featured.file.save(f"cover-{token}.png", ContentFile(png((30, 120, 200))))
    return content


def publish(make_rule, site, **params: Any) -> AutomationRun:
    rule = make_rule(actions=[{"type": "publish_to_wordpress", "params": params, "retry": {"max": 1, "backoff": 0}}])
    run = rule_execute(rule=rule, site_id=site.pk if site is not None else None).run
    return AutomationRun.objects.get(pk=run.pk)


def names(wp: WordPressSite, taxonomy: str, ids: list[int]) -> set[str]:
    return {rest_read(wp, f"wp/v2/{taxonomy}/{term_id}")["name"] for term_id in ids}


def no_debits(account) -> bool:
    return not CreditTransaction.objects.filter(account=account, kind="debit").exists()


def test_it_publishes_a_post_with_its_featured_image_categories_and_tags(
    alice, integration, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    content = approved_content(alice.site, token)

    run = publish(make_rule, alice.site, status="publish", categories=[f"News {token}"], tags=[f"Extra {token}"])

    step = run.steps.get()
    assert (run.status, step.status, step.input_count, step.output_count) == ("completed", "completed", 1, 1)
    content.refresh_from_db()
    assert content.status == "published" and content.published_at is not None
    post = rest_read(wordpress, f"wp/v2/posts/{content.external_id}")
    assert (post["title"]["raw"], post["status"], post["link"]) == (content.title, "publish", content.external_url)
    assert content.external_url.startswith(wordpress.url)
    assert names(wordpress, "categories", post["categories"]) == {f"Guides {token}", f"News {token}"}
    assert names(wordpress, "tags", post["tags"]) == {f"Travel {token}", f"Tips {token}", f"Extra {token}"}
    media = rest_read(wordpress, f"wp/v2/media/{post['featured_media']}")
    assert (media["mime_type"], media["alt_text"]) == ("image/png", content.title)
    assert no_debits(alice.account) and run.total_credits_used == 0


def test_it_updates_the_same_post_when_published_again(
    alice, integration, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    content = approved_content(alice.site, token)
    publish(make_rule, alice.site)
    content.refresh_from_db()
    first_post, first_published_at = content.external_id, content.published_at
    first_media = rest_read(wordpress, f"wp/v2/posts/{first_post}")["featured_media"]

    Content.objects.filter(pk=content.pk).update(title=f"Better travel guide {token}", status="approved")
    again = publish(make_rule, alice.site, status="publish")
    # Published content is taken again when named by id (here by a rule with no site: ids alone suffice).
    by_id = publish(make_rule, None, ids=[content.pk], tags=[f"Travel {token}"])

    assert [r.steps.get().output_count for r in (again, by_id)] == [1, 1]
    content.refresh_from_db()
    assert (content.external_id, content.status, content.published_at) == (first_post, "published", first_published_at)
    posts = rest_read(wordpress, "wp/v2/posts", search=token, status="any")
    assert [(p["id"], p["title"]["raw"], p["status"]) for p in posts] == [
        (int(first_post), f"Better travel guide {token}", "draft")
    ]
    assert posts[0]["featured_media"] == first_media
    assert len(rest_read(wordpress, "wp/v2/media", search=f"cover-{token}")) == 1, "the image is uploaded once"
    for taxonomy, expected in (("categories", 1), ("tags", 2)):
        assert len(rest_read(wordpress, f"wp/v2/{taxonomy}", search=token, hide_empty="false")) == expected
    assert by_id.steps.get().result.get("images_uploaded", 0) == 0


def test_it_uploads_the_image_again_when_it_was_deleted_in_wordpress(
    alice, integration, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    content = approved_content(alice.site, token)
    publish(make_rule, alice.site)
    content.refresh_from_db()
    gone = UploadedMedia.objects.get(integration=integration).media_id
    requests.delete(
        f"{wordpress.url}/",
        params={"rest_route": f"/wp/v2/media/{gone}", "force": "true"},
        auth=(wordpress.username, wordpress.application_password),
        timeout=30,
    ).raise_for_status()

    run = publish(make_rule, alice.site, ids=[content.pk])

    post = rest_read(wordpress, f"wp/v2/posts/{content.external_id}")
    assert post["featured_media"] not in (0, gone)
    assert UploadedMedia.objects.get(integration=integration).media_id == post["featured_media"]
    assert run.steps.get().result["images_uploaded"] == 1


def test_it_fails_the_item_when_the_site_has_no_integration(alice, make_rule, eager, token):
    content = approved_content(alice.site, token)
    other = approved_content(alice.site, f"{token}b", image=False)

    run = publish(make_rule, alice.site)

    step = run.steps.get()
    message = f"site {alice.site.pk} has no active WordPress integration: add one at /api/v1/integrations/"
    assert (step.status, step.output_count, sorted(step.result["failed_ids"])) == (
        "completed",
        0,
        sorted([content.pk, other.pk]),
    )
    assert step.result["errors"] == [f"content {content.pk}: {message}", f"content {other.pk}: {message}"]
    assert run.logs.filter(level="warning", message__contains=message).count() == 2
    for item in (content, other):
        item.refresh_from_db()
        assert (item.status, item.external_id, item.published_at) == ("approved", "", None)
    assert no_debits(alice.account)


def test_it_fails_the_item_with_the_401_message_when_the_password_is_wrong(
    alice, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    connect(alice.site, wordpress, application_password="wrong pass word")
    content = approved_content(alice.site, token)

    run = publish(make_rule, alice.site)

    step = run.steps.get()
    assert (step.status, step.attempts, step.result["failed_ids"]) == ("completed", 1, [content.pk])
    assert f"rejected the credentials for user {wordpress.username} (401)" in step.result["errors"][0]
    content.refresh_from_db()
    assert (content.status, content.external_id) == ("approved", "")
    assert not PublishedPost.objects.exists() and not UploadedMedia.objects.exists()
    assert no_debits(alice.account)


def test_it_publishes_the_good_item_and_fails_the_untitled_one(
    alice, integration, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    good = approved_content(alice.site, token)
    untitled = approved_content(alice.site, f"{token}x", title="  ", image=False)

    run = publish(make_rule, alice.site, batch_size=5, include_featured_image=False)

    step = run.steps.get()
    assert (step.status, step.output_count, step.result["failed_ids"]) == ("completed", 1, [untitled.pk])
    assert step.result["errors"] == [
        f"content {untitled.pk}: content {untitled.pk} has no title: add one, then publish it again"
    ]
    good.refresh_from_db()
    untitled.refresh_from_db()
    assert (good.status, untitled.status, untitled.external_id) == ("published", "approved", "")
    post = rest_read(wordpress, f"wp/v2/posts/{good.external_id}")
    assert (post["title"]["raw"], post["featured_media"]) == (good.title, 0)
    assert not UploadedMedia.objects.exists()


def test_it_retries_the_step_when_wordpress_is_unreachable(alice, make_rule, eager, token):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    Integration.objects.create(site=alice.site, url=f"http://127.0.0.1:{port}", username="a", application_password="x")
    content = approved_content(alice.site, token)

    run = publish(make_rule, alice.site)

    step = run.steps.get()
    assert (run.status, step.status, step.attempts, step.error_kind) == ("failed", "failed", 2, "transient")
    assert f"could not reach WordPress at http://127.0.0.1:{port}" in step.error
    content.refresh_from_db()
    assert content.status == "approved" and no_debits(alice.account)


def test_it_never_updates_a_post_id_that_belongs_to_another_wordpress(
    alice, integration, make_rule, eager, token, wordpress: WordPressSite
):  # noqa: F811
    content = approved_content(alice.site, token, image=False)
    publish(make_rule, alice.site)
    content.refresh_from_db()
    Integration.objects.filter(pk=integration.pk).update(is_active=False)
    replacement = connect(alice.site, wordpress)  # as far as we know, another site

    publish(make_rule, alice.site, ids=[content.pk])

    content.refresh_from_db()
    assert PublishedPost.objects.get(integration=replacement).post_id == int(content.external_id)
    assert PublishedPost.objects.get(integration=integration).post_id != int(content.external_id)
    assert len(rest_read(wordpress, "wp/v2/posts", search=token, status="any")) == 2


def test_it_is_registered_on_the_publish_queue_and_validates_its_params():
    entry = next(a for a in registry.catalog() if a["type"] == "publish_to_wordpress")

    assert (entry["queue"], entry["cost"]) == ("publish", "free")
    assert registry.params_errors("publish_to_wordpress", {"status": "publish", "tags": ["a"], "ids": [1]}) == []
    errors = registry.params_errors("publish_to_wordpress", {"status": "private", "categories": [""], "colour": 1})
    assert [path for path, _ in errors] == ["colour", "categories/0", "status"]
