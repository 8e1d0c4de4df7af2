"""Generated media is private: served to its own account, or through the signed, expiring file_url the API hands out."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image as PillowImage

from backend.writer.media import image_file_url
from backend.writer.models import Content, Image


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def generated_image(persona, data: bytes, *, name: str = "content-1-featured-0.png", position: int = 0) -> Image:
    content = Content.objects.create(site=persona.site, title=f"Guide {position}")
    image = Image(site=persona.site, content=content, kind="featured", position=position, status="generated")
    image.file.save(name, ContentFile(data))
    return image


@pytest.fixture
def picture(alice) -> Image:
    return generated_image(alice, png())


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def signed_in(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def path_and_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_it_serves_the_file_to_its_account_by_token_and_by_session(alice, bob, picture):
    for caller in (alice.client(), bob.client(), signed_in(alice), signed_in(bob)):
        response = caller.get(picture.file.url)

        assert response.status_code == 200
        assert body(response) == png()
        assert response["Content-Type"] == "image/png"
        assert "private" in response["Cache-Control"]


def test_it_refuses_an_anonymous_caller_without_a_signature(picture):
    path, query = path_and_query(image_file_url(image=picture))

    for url in (path, f"{path}?exp={query['exp']}", f"{path}?sig={query['sig']}"):
        response = Client().get(url)

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
        assert not hasattr(response, "streaming_content")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda q, other: {**q, "sig": q["sig"][:-2] + ("AA" if q["sig"][-2:] != "AA" else "BB")}, id="sig"
        ),
        pytest.param(lambda q, other: {**q, "exp": str(int(q["exp"]) + 86400)}, id="exp-extended"),
        pytest.param(lambda q, other: other, id="another-files-signature"),
        pytest.param(lambda q, other: {**q, "exp": f"{q['exp']}.0"}, id="exp-not-an-integer"),
    ],
)
def test_it_refuses_a_tampered_signature(alice, picture, forge):
    other = generated_image(alice, png((0, 0, 255)), name="content-2-featured-0.png", position=1)
    path, query = path_and_query(image_file_url(image=picture))

    response = Client().get(f"{path}?{urlencode(forge(query, path_and_query(image_file_url(image=other))[1]))}")

    assert response.status_code == 401


def test_it_refuses_an_expired_signature(picture):
    expired = image_file_url(image=picture, expires_at=int(time.time()) - 1)

    assert Client().get(expired).status_code == 401
    assert Client().get(image_file_url(image=picture)).status_code == 200


def test_it_refuses_a_signature_made_for_another_account(picture, charlie):
    # The signature covers the account: one made for Charlie's account does not open Alice's file.
    forged = Image(file=picture.file.name, account_id=charlie.account.id)

    assert Client().get(image_file_url(image=forged)).status_code == 401


def test_it_hides_the_file_from_another_account_even_with_a_signed_url(picture, charlie):
    signed = image_file_url(image=picture)
    missing = "/media/images/2020/01/no-such-file.png"

    for caller in (charlie.client(), signed_in(charlie)):
        answers = [caller.get(url) for url in (signed, picture.file.url, missing)]

        assert [a.status_code for a in answers] == [404, 404, 404]
        assert answers[0].content == answers[2].content  # Alice's file looks exactly like a missing one


def test_it_answers_a_missing_file_like_an_existing_one_to_anonymous_callers(picture):
    # Without credentials nothing tells whether a file exists.
    unknown = Client().get("/media/images/2020/01/no-such-file.png")
    existing = Client().get(picture.file.url)

    assert (unknown.status_code, unknown.content) == (existing.status_code, existing.content) == (401, existing.content)


def test_it_answers_404_to_the_owner_for_an_unknown_or_vanished_file(alice, picture):
    picture.file.storage.delete(picture.file.name)

    assert alice.client().get("/media/images/2020/01/no-such-file.png").status_code == 404
    assert alice.client().get(picture.file.url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/images/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/images/..%2f..%2fsecret.txt",
        "/media/images/..%5c..%5csecret.txt",
        "/media//etc/passwd",
        "/media/./images/x.png",
    ],
)
def test_it_refuses_path_traversal(alice, picture, tmp_path, path):
    (tmp_path / "secret.txt").write_text("not for the web")

    for caller in (alice.client(), Client()):
        response = caller.get(path)

        assert response.status_code == 404
        assert b"not for the web" not in response.content


def test_it_hands_out_a_file_url_that_works_anonymously_until_it_expires(alice, picture, settings):
    before = int(time.time())
    file_url = alice.client().get(f"/api/v1/images/{picture.pk}/").json()["file_url"]

    assert file_url.startswith(f"http://testserver{picture.file.url}?")
    assert before + 3600 <= int(path_and_query(file_url)[1]["exp"]) <= int(time.time()) + 3600
    assert body(Client().get(file_url)) == png()
    assert Client().get(file_url.split("?")[0]).status_code == 401

    settings.MEDIA_URL_MAX_AGE_SECONDS = 0  # a URL whose time is up as soon as it is made
    expired = alice.client().get("/api/v1/images/", {"content": picture.content_id}).json()["results"][0]["file_url"]
    assert Client().get(expired).status_code == 401


def test_it_names_new_files_with_an_unguessable_token(alice, picture):
    again = generated_image(alice, png(), position=1)

    pattern = r"images/\d{4}/\d{2}/([0-9a-f]{32})-content-1-featured-0\.png"
    tokens = {re.fullmatch(pattern, image.file.name).group(1) for image in (picture, again)}
    assert len(tokens) == 2


def test_it_still_serves_files_stored_under_the_old_names(alice, charlie):
    content = Content.objects.create(site=alice.site, title="Old guide")
    storage = Image._meta.get_field("file").storage
    name = storage.save("images/2024/05/content-7-featured-0.png", ContentFile(png()))
    old = Image.objects.create(site=alice.site, content=content, kind="featured", status="generated", file=name)

    assert body(alice.client().get(f"/media/{name}")) == png()
    assert Client().get(f"/media/{name}").status_code == 401
    assert body(Client().get(image_file_url(image=old))) == png()
    assert charlie.client().get(f"/media/{name}").status_code == 404
