"""POST /api/v1/images/{id}/regenerate/: one image rendered again in the background with the account's provider,
charged like generate_images; its new file replaces the old one, or it fails with the reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from actions.ai.models import AICall
from backend.accounts.models import Account
from backend.billing.models import CreditTransaction
from backend.writer.models import Content, Image
from tests.support.fake_openai import FakeOpenAI, server_error


def url(image: Image) -> str:
    return f"/api/v1/images/{image.pk}/regenerate/"


@pytest.fixture
def image(alice) -> Image:
    content = Content.objects.create(site=alice.site, title="Cold brew", status="review")
    image = Image(site=alice.site, content=content, kind="featured", prompt="a glass of cold brew", status="generated")
    image.file.save("cover.png", ContentFile(b"old picture"))
    return image


def debits(account) -> list[tuple[str, Decimal, str, int | None, str]]:
    rows = CreditTransaction.objects.filter(account=account, kind="debit").order_by("pk")
    return [(r.operation, r.amount, r.object_type, r.object_id, r.run_id) for r in rows]


def test_it_renders_the_image_again_with_a_new_prompt_and_charges_it(alice, api, image, eager):
    old = Path(image.file.path)

    response = api.post(url(image), {"prompt": "  an iced coffee on a wooden table  "}, format="json")

    assert response.status_code == 202, response.json()
    assert (response.json()["status"], response.json()["prompt"]) == ("pending", "an iced coffee on a wooden table")
    image.refresh_from_db()
    assert (image.status, image.error, image.prompt) == ("generated", "", "an iced coffee on a wooden table")
    assert image.file.name.endswith(".png") and Path(image.file.path).read_bytes()[:4] == b"\x89PNG"
    assert not old.exists(), "the old file is deleted"
    assert debits(alice.account) == [("generate_images", Decimal("1"), "image", image.pk, "")]
    assert AICall.objects.get().function == "generate_images"
    shown = api.get("/api/v1/images/", {"content": image.content_id}).json()["results"]
    assert [(i["id"], i["status"]) for i in shown] == [(image.pk, "generated")]
    assert shown[0]["file_url"] and image.file.name.split("/")[-1] in shown[0]["file_url"]


def test_it_keeps_the_prompt_when_none_is_given(alice, api, image, eager):
    assert api.post(url(image), {}, format="json").status_code == 202
    image.refresh_from_db()
    assert (image.status, image.prompt) == ("generated", "a glass of cold brew")


def test_it_regenerates_a_failed_image(alice, api, image, eager):
    Image.objects.filter(pk=image.pk).update(status="failed", error="AI provider: refused")
    assert api.post(url(image), format="json").status_code == 202
    image.refresh_from_db()
    assert (image.status, image.error) == ("generated", "")


def test_it_fails_the_image_with_the_reason_when_the_account_is_out_of_credits(alice, api, image, eager):
    Account.objects.filter(pk=alice.account.pk).update(credits=0)
    assert api.post(url(image), format="json").status_code == 202
    image.refresh_from_db()
    assert image.status == "failed" and "credits" in image.error.lower() and "hard stop" not in image.error
    assert not debits(alice.account)
    assert api.get(f"/api/v1/images/{image.pk}/").json()["error"] == image.error


def test_it_fails_the_image_with_the_providers_reason(alice, api, image, eager, settings):
    with FakeOpenAI() as server:
        settings.AI_PROVIDER, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "openai", server.base_url, "sk-test"
        server.script(server_error(400))
        assert api.post(url(image), {"prompt": "a logo"}, format="json").status_code == 202
    image.refresh_from_db()
    assert image.status == "failed" and "HTTP 400" in image.error
    assert not debits(alice.account)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": 7}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"size": "512x512"}, "size"),
    ],
)
def test_it_names_the_bad_field(alice, api, image, body, field):
    response = api.post(url(image), body, format="json")
    assert response.status_code == 400 and list(response.json()) == [field], response.json()
    image.refresh_from_db()
    assert (image.status, image.prompt) == ("generated", "a glass of cold brew")


def test_it_needs_a_prompt_for_an_image_without_one(alice, api, image):
    Image.objects.filter(pk=image.pk).update(prompt="")
    response = api.post(url(image), {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["prompt"]


def test_it_refuses_an_image_already_waiting_to_be_generated(alice, api, image):
    Image.objects.filter(pk=image.pk).update(status="pending")
    response = api.post(url(image), {"prompt": "new"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["status"]
    assert Image.objects.get(pk=image.pk).prompt == "a glass of cold brew"


def test_it_answers_404_for_another_accounts_image(alice, bob, charlie, image, eager):
    assert charlie.client().post(url(image), {"prompt": "mine"}, format="json").status_code == 404
    image.refresh_from_db()
    assert (image.status, image.prompt) == ("generated", "a glass of cold brew") and not debits(alice.account)
    assert bob.client().post(url(image), {"prompt": "ours"}, format="json").status_code == 202


def test_it_leaves_an_image_a_run_is_rendering_to_that_run(alice, api, image, eager):
    from actions import claims

    assert claims.claim("image", [image.pk], owner="run-x:3:lease")  # a generate_images step holds it
    try:
        assert api.post(url(image), {"prompt": "new"}, format="json").status_code == 202
    finally:
        claims.release("image", [image.pk], owner="run-x:3:lease")
    image.refresh_from_db()
    assert (image.status, image.prompt) == ("pending", "new"), "the run renders it: never twice at once"
    assert not debits(alice.account) and not AICall.objects.exists()
