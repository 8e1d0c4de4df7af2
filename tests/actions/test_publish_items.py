"""publish_to_wordpress takes the run's own content (`items`) and lists what it published as `output.ids`."""

from __future__ import annotations

import uuid

import pytest

from backend.integrations.models import Integration
from backend.writer.models import Content
from rules.lifecycle import rule_execute
from rules.models import AutomationRun
from tests.support.wordpress import WordPressSite, connect, rest_read, wordpress  # noqa: F401

pytestmark = [pytest.mark.wordpress, pytest.mark.usefixtures("allow_loopback_outbound")]  # WordPress is on loopback


@pytest.fixture
def token() -> str:
    """A unique word, so tests sharing one WordPress never see each other's posts."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def integration(alice, wordpress: WordPressSite) -> Integration:  # noqa: F811
    return connect(alice.site, wordpress)


def article(site, title: str, status: str = "approved") -> Content:
    return Content.objects.create(site=site, title=title, status=status, html_content=f"<p>{title}</p>")


def test_it_publishes_only_the_listed_content(alice, integration, make_rule, eager, token, wordpress):  # noqa: F811
    first, second = article(alice.site, f"First {token}"), article(alice.site, f"Second {token}")
    rule = make_rule(
        site=alice.site,
        actions=[{"type": "publish_to_wordpress", "params": {"items": [second.pk], "include_featured_image": False}}],
    )
    run = AutomationRun.objects.get(pk=rule_execute(rule=rule).run.pk)
    step = run.steps.get()
    assert (run.status, step.result["output"]["ids"]) == ("completed", [second.pk])
    assert dict(Content.objects.values_list("pk", "status")) == {first.pk: "approved", second.pk: "published"}
    second.refresh_from_db()
    assert rest_read(wordpress, f"wp/v2/posts/{second.external_id}")["title"]["raw"] == f"Second {token}"


def test_a_rule_publishes_the_content_whose_approval_triggered_it(
    alice,
    integration,
    make_rule,
    eager,
    token,
    wordpress,  # noqa: F811
):
    waiting = article(alice.site, f"Waiting {token}")
    draft = article(alice.site, f"Draft {token}", status="review")
    make_rule(
        name="Publish on approval",
        site=alice.site,
        trigger={"type": "event", "event": "content.status_changed"},
        conditions={"==": [{"var": "object.status"}, "approved"]},
        actions=[{"type": "publish_to_wordpress", "params": {"items": "trigger", "include_featured_image": False}}],
    )
    draft.status = "approved"
    draft.save()
    run = AutomationRun.objects.get()
    step = run.steps.get()
    assert (run.status, step.input_count, step.result["output"]["ids"]) == ("completed", 1, [draft.pk])
    assert dict(Content.objects.values_list("pk", "status")) == {waiting.pk: "approved", draft.pk: "published"}
