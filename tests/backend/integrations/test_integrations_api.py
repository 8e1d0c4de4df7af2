"""The integrations API: write-only encrypted password, one active integration per site, connection test."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from django.db import connection

from backend.core.crypto import decrypt
from backend.integrations.models import Integration
from tests.support.wordpress import WordPressSite, wordpress  # noqa: F401

URL = "/api/v1/integrations/"
SECRET = "abcd EFGH ijkl MNOP qrst UVWX"


def payload(site, **overrides):
    return {
        "site": site.pk,
        "kind": "wordpress",
        "url": "https://blog.example.com/",
        "username": "editor",
        "application_password": SECRET,
        **overrides,
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def integration(alice) -> Integration:
    return Integration.objects.create(
        site=alice.site, url="https://blog.example.com", username="editor", application_password=SECRET
    )


def test_it_creates_an_integration_and_never_returns_the_password(api, alice):
    created = api.post(URL, payload(alice.site), format="json")

    assert created.status_code == 201, created.data
    body = created.json()
    assert "application_password" not in body and body["has_password"] is True
    assert (body["url"], body["username"], body["is_active"], body["last_check_ok"]) == (
        "https://blog.example.com",
        "editor",
        True,
        None,
    )
    detail = f"{URL}{body['id']}/"
    responses = [
        created,
        api.get(URL),
        api.get(detail),
        api.patch(detail, {"username": "chief"}, format="json"),
        api.put(detail, payload(alice.site, username="chief"), format="json"),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200]
    for response in responses:
        assert SECRET not in response.content.decode() and "application_password" not in response.content.decode()


def test_it_stores_the_password_encrypted(api, alice):
    integration_id = api.post(URL, payload(alice.site), format="json").json()["id"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT application_password FROM integrations_integration WHERE id = %s", [integration_id])
        stored = cursor.fetchone()[0]

    assert SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert decrypt(stored) == SECRET == Integration.objects.get(pk=integration_id).application_password


def test_it_requires_a_password_on_create(api, alice):
    response = api.post(
        URL, {k: v for k, v in payload(alice.site).items() if k != "application_password"}, format="json"
    )

    assert response.status_code == 400 and set(response.data) == {"application_password"}


def test_it_keeps_the_password_when_an_update_omits_it_and_forgets_the_last_check_on_new_credentials(api, integration):
    Integration.objects.filter(pk=integration.pk).update(last_check_ok=True, last_check_error="")
    detail = f"{URL}{integration.pk}/"

    renamed = api.patch(detail, {"is_active": True}, format="json")
    assert renamed.status_code == 200 and renamed.data["last_check_ok"] is True
    assert Integration.objects.get(pk=integration.pk).application_password == SECRET

    changed = api.patch(detail, {"application_password": "new pass word"}, format="json")
    assert changed.status_code == 200 and changed.data["last_check_ok"] is None
    assert Integration.objects.get(pk=integration.pk).application_password == "new pass word"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://blog.example.com",
        "blog.example.com",
        "https://",
        "javascript:alert(1)",
        "http://user:pw@blog.example.com",
        "http://blog.example.com/?page=1",
        "http://blog.example.com:99999",
    ],
)
def test_it_rejects_an_address_that_is_not_an_http_site(api, alice, url):
    response = api.post(URL, payload(alice.site, url=url), format="json")

    assert response.status_code == 400 and set(response.data) == {"url"}, response.data


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("http://wordpress", "http://wordpress"),
        ("http://127.0.0.1:8080/blog/", "http://127.0.0.1:8080/blog"),
        ("HTTPS://Blog.Example.com", "HTTPS://Blog.Example.com"),
    ],
)
def test_it_accepts_http_and_https_addresses(api, alice, url, stored, allow_loopback_outbound):
    response = api.post(URL, payload(alice.site, url=url), format="json")

    assert response.status_code == 201, response.data
    assert response.data["url"] == stored


@pytest.mark.parametrize("extra", [{"password": "x"}, {"has_password": False, "colour": "red"}])
def test_it_rejects_unknown_fields(api, alice, extra):
    response = api.post(URL, {**payload(alice.site), **extra}, format="json")

    assert response.status_code == 400
    assert set(response.data) == set(extra) - {"has_password"}


def test_it_allows_one_active_wordpress_integration_per_site(api, alice, integration):
    duplicate = api.post(URL, payload(alice.site), format="json")
    assert duplicate.status_code == 400 and set(duplicate.data) == {"site"}
    assert f"already has an active WordPress integration (id {integration.pk})" in duplicate.data["site"][0]

    spare = api.post(URL, payload(alice.site, is_active=False), format="json")
    assert spare.status_code == 201
    activated = api.patch(f"{URL}{spare.data['id']}/", {"is_active": True}, format="json")
    assert activated.status_code == 400 and set(activated.data) == {"site"}

    api.patch(f"{URL}{integration.pk}/", {"is_active": False}, format="json")
    assert api.patch(f"{URL}{spare.data['id']}/", {"is_active": True}, format="json").status_code == 200


def test_it_filters_by_site_and_hides_other_accounts(api, alice, charlie, integration):
    theirs = Integration.objects.create(
        site=charlie.site, url="https://charlie.example", username="c", application_password="c-secret"
    )

    assert [i["id"] for i in api.get(URL, {"site": alice.site.pk}).data["results"]] == [integration.pk]
    assert api.get(URL, {"site": charlie.site.pk}).data["results"] == []
    assert [i["id"] for i in charlie.client().get(URL).data["results"]] == [theirs.pk]
    other = charlie.client()
    detail = f"{URL}{integration.pk}/"
    assert [
        other.get(detail).status_code,
        other.patch(detail, {"username": "x"}, format="json").status_code,
        other.post(f"{detail}test/").status_code,
        other.delete(detail).status_code,
    ] == [404, 404, 404, 404]
    stolen = other.post(URL, payload(alice.site), format="json")
    assert stolen.status_code == 400 and set(stolen.data) == {"site"}
    assert Integration.objects.get(pk=integration.pk).username == "editor"


def test_it_deletes_an_integration(api, integration):
    assert api.delete(f"{URL}{integration.pk}/").status_code == 204
    assert not Integration.objects.filter(pk=integration.pk).exists()


@pytest.mark.wordpress
def test_it_reports_a_working_connection(api, alice, wordpress: WordPressSite, allow_loopback_outbound):  # noqa: F811
    created = api.post(
        URL,
        payload(
            alice.site,
            url=wordpress.url,
            username=wordpress.username,
            application_password=wordpress.application_password,
        ),
        format="json",
    ).data

    response = api.post(f"{URL}{created['id']}/test/")

    me = requests.get(
        f"{wordpress.url}/",
        params={"rest_route": "/wp/v2/users/me"},
        timeout=30,
        auth=(wordpress.username, wordpress.application_password),
    ).json()
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["user"], body["error"]) == (True, me["name"], None)
    modes = {None: {"pretty", "rest_route"}, True: {"pretty"}, False: {"rest_route"}}
    assert body["rest_mode"] in modes[wordpress.pretty_permalinks]
    stored = Integration.objects.get(pk=created["id"])
    assert (stored.last_check_ok, stored.last_check_error) == (True, "") and stored.last_checked_at is not None
    assert api.get(f"{URL}{created['id']}/").data["last_check_ok"] is True


@pytest.mark.wordpress
def test_it_reports_wrong_credentials_without_failing(api, alice, wordpress: WordPressSite, allow_loopback_outbound):  # noqa: F811
    created = api.post(
        URL,
        payload(alice.site, url=wordpress.url, username=wordpress.username, application_password="wrong pass word"),
        format="json",
    ).data

    response = api.post(f"{URL}{created['id']}/test/")

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["user"], body["rest_mode"]) == (False, None, None)
    assert f"rejected the credentials for user {wordpress.username} (401)" in body["error"]
    assert "check the username and application password" in body["error"]
    stored = Integration.objects.get(pk=created["id"])
    assert (stored.last_check_ok, stored.last_check_error) == (False, body["error"])
    assert "wrong pass word" not in json.dumps(body)


def test_it_reports_an_unreachable_site_without_failing(api, alice, allow_loopback_outbound):
    url = f"http://127.0.0.1:{closed_port()}"
    created = api.post(URL, payload(alice.site, url=url), format="json").data

    response = api.post(f"{URL}{created['id']}/test/")

    assert response.status_code == 200
    assert response.json()["ok"] is False and response.json()["error"].startswith(f"could not reach WordPress at {url}")
    assert Integration.objects.get(pk=created["id"]).last_check_ok is False


# --- private destinations (SSRF) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ip"),
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://localhost/", "127.0.0.1"),
        ("http://2130706433:8080", "127.0.0.1"),
        ("http://[::1]/blog", "::1"),
        ("http://169.254.169.254", "169.254.169.254"),
        ("https://10.0.0.7", "10.0.0.7"),
    ],
)
def test_it_refuses_to_save_an_address_on_a_private_network(api, alice, settings, url, ip):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    response = api.post(URL, payload(alice.site, url=url), format="json")

    assert response.status_code == 400 and set(response.data) == {"url"}, response.data
    assert str(response.data["url"][0]).startswith(f"destination {ip} is a private address")
    assert not Integration.objects.exists()


def test_it_refuses_to_move_an_integration_onto_a_private_network(api, integration, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    response = api.patch(f"{URL}{integration.pk}/", {"url": "http://localhost:8080"}, format="json")

    assert response.status_code == 400 and set(response.data) == {"url"}
    assert Integration.objects.get(pk=integration.pk).url == "https://blog.example.com"


def test_it_saves_an_address_whose_host_does_not_resolve(api, alice, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ""

    response = api.post(URL, payload(alice.site, url="http://wordpress.invalid"), format="json")

    assert response.status_code == 201, response.data


def test_it_saves_a_private_address_the_operator_allows(api, alice, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = "localhost"

    assert api.post(URL, payload(alice.site, url="http://localhost:8080"), format="json").status_code == 201


def test_it_answers_ok_false_and_sends_nothing_when_the_site_is_on_a_private_network(api, alice, settings):
    from tests.support.http_sink import HttpSink

    settings.OUTBOUND_ALLOWED_NETWORKS = ""
    with HttpSink() as sink:
        # saved while the operator allowed it, or before its name pointed at loopback
        integration = Integration.objects.create(
            site=alice.site, url=f"http://localhost:{sink.port}", username="editor", application_password=SECRET
        )

        response = api.post(f"{URL}{integration.pk}/test/")

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["user"], body["rest_mode"]) == (False, None, None)
    assert f"refused to call WordPress at http://localhost:{sink.port}" in body["error"]
    assert "destination 127.0.0.1 is a private address" in body["error"]
    assert sink.received == []
    stored = Integration.objects.get(pk=integration.pk)
    assert (stored.last_check_ok, stored.last_check_error) == (False, body["error"])


# --- what a connection test found, or why it failed ----------------------------------------------


def wordpress_version(site: WordPressSite) -> str:
    feed = requests.get(f"{site.url}/", params={"feed": "rss2"}, timeout=30).text
    return feed.split("wordpress.org/?v=", 1)[1].split("<", 1)[0]


@pytest.mark.wordpress
def test_it_reports_the_wordpress_version_and_site_name(
    api,
    alice,
    wordpress: WordPressSite,
    allow_loopback_outbound,  # noqa: F811
):
    created = api.post(
        URL,
        payload(
            alice.site,
            url=wordpress.url,
            username=wordpress.username,
            application_password=wordpress.application_password,
        ),
        format="json",
    ).data

    body = api.post(f"{URL}{created['id']}/test/").json()

    index = requests.get(f"{wordpress.url}/", params={"rest_route": "/"}, timeout=30).json()
    assert (body["ok"], body["reason"]) == (True, None)
    assert body["wordpress_version"] == wordpress_version(wordpress) and body["site_name"] == index["name"]


@pytest.mark.wordpress
def test_it_tests_values_before_they_are_saved(api, alice, wordpress: WordPressSite, allow_loopback_outbound):  # noqa: F811
    body = {
        "url": wordpress.url,
        "username": wordpress.username,
        "application_password": wordpress.application_password,
    }

    good = api.post(f"{URL}test/", body, format="json")
    bad = api.post(f"{URL}test/", {**body, "application_password": "wrong pass word"}, format="json")

    assert good.status_code == 200 and good.json()["ok"] is True, good.json()
    assert good.json()["wordpress_version"] == wordpress_version(wordpress)
    assert (bad.json()["ok"], bad.json()["reason"]) == (False, "bad_credentials")
    assert "rejected the credentials" in bad.json()["error"]
    assert not Integration.objects.exists()


@pytest.mark.wordpress
def test_it_tests_new_values_with_the_stored_password(
    api,
    alice,
    wordpress: WordPressSite,
    allow_loopback_outbound,  # noqa: F811
):
    integration = Integration.objects.create(
        site=alice.site,
        url="https://old.example.com",
        username="x",
        application_password=wordpress.application_password,
    )

    response = api.post(
        f"{URL}test/",
        {"url": wordpress.url, "username": wordpress.username, "integration": integration.pk},
        format="json",
    )

    assert response.json()["ok"] is True, response.json()
    integration.refresh_from_db()
    assert (integration.url, integration.last_checked_at) == ("https://old.example.com", None)


def test_it_reports_why_an_unsaved_connection_fails(api, alice, settings, allow_loopback_outbound):
    from tests.support.http_sink import HttpSink

    unreachable = api.post(
        f"{URL}test/",
        {"url": f"http://127.0.0.1:{closed_port()}", "username": "ed", "application_password": SECRET},
        format="json",
    ).json()
    with HttpSink() as sink:  # answers every request with the same 200: no WordPress there
        not_wordpress = api.post(
            f"{URL}test/", {"url": sink.origin, "username": "ed", "application_password": SECRET}, format="json"
        ).json()
        sink.reply_body = b"<html><body>Hello</body></html>"
        html_site = api.post(
            f"{URL}test/", {"url": sink.origin, "username": "ed", "application_password": SECRET}, format="json"
        ).json()
        settings.OUTBOUND_ALLOWED_NETWORKS = ""
        refused = api.post(
            f"{URL}test/",
            {"url": f"http://localhost:{sink.port}", "username": "ed", "application_password": SECRET},
            format="json",
        ).json()

    assert (unreachable["ok"], unreachable["reason"]) == (False, "unreachable")
    assert (not_wordpress["ok"], not_wordpress["reason"]) == (False, "not_wordpress"), not_wordpress
    assert "does not answer like a WordPress site" in not_wordpress["error"]
    assert (html_site["ok"], html_site["reason"]) == (False, "not_wordpress"), html_site
    assert (refused["ok"], refused["reason"]) == (False, "refused")
    assert "private address" in refused["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://x.example.com", "username": "ed", "application_password": SECRET}, "url"),
        ({"url": "https://x.example.com", "username": "ed"}, "application_password"),
        ({"url": "https://x.example.com", "application_password": SECRET}, "username"),
    ],
)
def test_it_refuses_unsaved_values_it_cannot_test_at_their_field(api, body, field):
    response = api.post(f"{URL}test/", body, format="json")

    assert response.status_code == 400 and set(response.json()) == {field}, response.json()


def test_it_does_not_test_with_another_accounts_stored_password(api, charlie):
    theirs = Integration.objects.create(
        site=charlie.site, url="https://c.example.com", username="c", application_password=SECRET
    )

    response = api.post(f"{URL}test/", {"url": "https://x.example.com", "username": "ed", "integration": theirs.pk})

    assert response.status_code == 400 and set(response.json()) == {"integration"}
