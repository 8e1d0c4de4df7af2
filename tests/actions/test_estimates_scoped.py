"""Estimates never read another account's items: no 402-vs-202 oracle, and processing leaves them alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.ai.models import AICall
from backend.accounts.models import Account, Site
from backend.billing.models import CreditTransaction
from backend.planner.models import Cluster, Keyword
from backend.writer.models import Content, Image, Task
from rules.core.registry import registry
from rules.models import AutomationRun

MISSING_ID = 9_000_000


@pytest.fixture(autouse=True)
def local_provider(settings, tmp_path):
    settings.AI_PROVIDER = "local"
    settings.MEDIA_ROOT = tmp_path / "media"


def _alices_items(site) -> dict[str, list[int]]:
    """Items in each item action's input state on Alice's site, by action type."""
    content = Content.objects.create(site=site, title="Cold brew", html_content="<p>x</p>")
    drawn = Content.objects.create(site=site, title="Espresso", html_content="<p>y</p>")
    return {
        "cluster_keywords": [Keyword.objects.create(site=site, text=f"coffee {i}").pk for i in range(10)],
        "generate_ideas": [Cluster.objects.create(site=site, name=f"Cluster {i}").pk for i in range(3)],
        "generate_content": [
            Task.objects.create(site=site, title=f"Task {i}", target_word_count=5000).pk for i in range(5)
        ],
        "generate_image_prompts": [content.pk],
        "generate_images": [
            Image.objects.create(site=site, content=drawn, kind="in_article", position=i, prompt=f"cup {i}").pk
            for i in range(3)
        ],
    }


@pytest.mark.parametrize(
    "action_type",
    ["cluster_keywords", "generate_ideas", "generate_content", "generate_image_prompts", "generate_images"],
)
def test_it_estimates_another_accounts_ids_as_if_they_did_not_exist(action_type, alice, charlie):
    ids = _alices_items(alice.site)[action_type]
    action = registry.get(action_type)

    def estimate(account, site, named):
        return action.estimate({"ids": named}, site_id=site.pk if site else None, account_id=account.pk)

    assert estimate(alice.account, alice.site, ids) > 0  # the control: the owner's estimate counts them
    assert estimate(alice.account, None, ids) == estimate(alice.account, alice.site, ids)
    for site in (None, charlie.site):
        assert estimate(charlie.account, site, ids) == estimate(charlie.account, site, [MISSING_ID]) == 0
    other_site = Site.objects.create(account=alice.account, name="Alice's other", domain="other.example.com")
    assert estimate(alice.account, other_site, ids) == 0  # a step with a site counts that site's items only


def _execute_generate_content(client, ids: list[int], site_id: int | None):
    rule = client.post(
        "/api/v1/automation/rules/",
        {
            "name": "write these",
            "site": site_id,
            "mode": "parallel",
            "trigger": {"type": "manual"},
            "actions": [{"type": "generate_content", "params": {"ids": ids}}],
        },
        format="json",
    )
    assert rule.status_code == 201, rule.json()
    return client.post(f"/api/v1/automation/rules/{rule.json()['id']}/execute/", {}, format="json")


@pytest.mark.parametrize("with_site", [False, True], ids=["rule without site", "rule on charlie's site"])
def test_it_answers_charlie_alike_for_alices_task_ids_and_missing_ones(with_site, alice, charlie, eager):
    alices = _alices_items(alice.site)["generate_content"]  # 5 × 5,000 words: 50 credits to write
    Account.objects.filter(pk=charlie.account.pk).update(credits=Decimal("0"))
    client, site_id = charlie.client(), charlie.site.pk if with_site else None
    named = _execute_generate_content(client, alices, site_id)
    missing = _execute_generate_content(client, [MISSING_ID + i for i in range(5)], site_id)
    assert named.status_code == missing.status_code == 202, (named.json(), missing.json())
    assert sorted(named.json()) == sorted(missing.json())
    run = AutomationRun.objects.get(run_id=named.json()["run_id"])
    assert run.status == "completed" and run.credits_reserved == 0
    assert run.steps.get().input_count == 0  # processing took none of Alice's tasks
    assert set(Task.objects.filter(pk__in=alices).values_list("status", flat=True)) == {"queued"}
    assert not Content.objects.filter(task_id__in=alices).exists() and not AICall.objects.exists()
    assert not CreditTransaction.objects.filter(account=charlie.account, kind="debit").exists()


def test_it_still_refuses_alice_a_run_she_cannot_afford_for_her_own_ids(alice, api, eager):
    alices = _alices_items(alice.site)["generate_content"]
    Account.objects.filter(pk=alice.account.pk).update(credits=Decimal("20"))
    response = _execute_generate_content(api, alices, alice.site.pk)
    assert response.status_code == 402, response.json()
    assert Decimal(response.json()["needed"]) == Decimal("50")  # 5 tasks × 10 credits: her own tasks count
