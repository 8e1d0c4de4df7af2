"""Sites and Settings in headless Chromium: add, edit, connect to the real WordPress, test the connection,
deactivate / activate; API tokens (shown once, revoked); run notifications with a field error."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, Api, _open_page, no_overflow, screenshot, sign_in
from tests.support.wordpress import WordPressSite, wordpress  # noqa: F401  (the session fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.wordpress]


def wordpress_facts(site: WordPressSite) -> tuple[str, str]:
    """The version the site's feed shows and the display name of its user."""
    feed = requests.get(f"{site.url}/", params={"feed": "rss2"}, timeout=30).text
    version = feed.split("wordpress.org/?v=", 1)[1].split("<", 1)[0]
    me = requests.get(
        f"{site.url}/",
        params={"rest_route": "/wp/v2/users/me"},
        auth=(site.username, site.application_password),
        timeout=30,
    ).json()
    return version, me["name"]


def site_by_domain(api: Api, domain: str) -> dict:
    return next(s for s in api.get("/sites/?page_size=100")["results"] if s["domain"] == domain)


def test_it_adds_edits_connects_and_deactivates_a_site(
    page,
    browser,
    stack,
    api: Api,
    console,
    wordpress: WordPressSite,  # noqa: F811
):
    version, wp_user = wordpress_facts(wordpress)
    sign_in(page, "/sites")
    expect(page.get_by_role("heading", name="Sites", level=1)).to_be_visible()
    expect(page.get_by_role("article").first).to_be_visible()
    screenshot(page, "sites-01-list")

    # Add: a bad time zone is refused at its field and nothing is saved; then it is added.
    page.get_by_role("button", name="Add site").click()
    form = page.get_by_role("form", name="Add a site")
    form.get_by_label("Name").fill("Travel Notes")
    form.get_by_label("Domain").fill("travel.example.com")
    form.get_by_label("Time zone").fill("Mars/Olympus")
    form.get_by_role("button", name="Add site").click()
    expect(form.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    console.expect("400")
    expect(form.get_by_text("is not a known IANA timezone")).to_be_visible()
    screenshot(page, "sites-02-add-error")
    assert not any(s["domain"] == "travel.example.com" for s in api.get("/sites/?page_size=100")["results"])
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_role("button", name="Add site").click()
    card = page.get_by_role("article", name="Travel Notes")
    expect(card).to_be_visible()
    expect(card.get_by_text("Europe/Berlin", exact=True)).to_be_visible()
    expect(card.get_by_text("Not connected")).to_be_visible()
    site = site_by_domain(api, "travel.example.com")
    # The shell's site selector knows the new site without a reload.
    expect(page.get_by_label("Site", exact=True).locator("option", has_text="travel.example.com")).to_have_count(1)
    expect(card.get_by_role("link", name="Open automation")).to_have_attribute(
        "href", re.compile(rf"/automation\?site={site['id']}$")
    )

    # Edit.
    card.get_by_role("button", name="Edit").click()
    card.get_by_label("Name").fill("Travel Journal")
    card.get_by_role("button", name="Save site").click()
    card = page.get_by_role("article", name="Travel Journal")
    expect(card).to_be_visible()
    assert site_by_domain(api, "travel.example.com")["name"] == "Travel Journal"

    # Connect it to the real WordPress and test the saved connection.
    card.get_by_role("button", name="WordPress", exact=True).click()
    card.get_by_label("WordPress URL").fill(wordpress.url)
    card.get_by_label("WordPress user").fill(wordpress.username)
    card.get_by_label("Application password").fill(wordpress.application_password)
    card.get_by_role("button", name="Connect WordPress").click()
    expect(card.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(card.get_by_label("Application password")).to_have_value("")
    expect(card.get_by_label("Application password")).to_have_attribute(
        "placeholder", re.compile("leave blank to keep")
    )
    card.get_by_role("button", name="Test connection").click()
    result = card.get_by_label("Connection test result")
    expect(result).to_contain_text(f"WordPress {version}")
    expect(result).to_contain_text(f"user {wp_user}")
    expect(result).to_contain_text("REST mode")
    expect(card.get_by_text("Connected", exact=True)).to_be_visible()
    stored = site_by_domain(api, "travel.example.com")["wordpress"]
    assert stored["url"] == wordpress.url and stored["last_check_ok"] is True
    screenshot(page, "sites-03-connected")

    # A wrong password, tested before saving: says why, saves nothing.
    card.get_by_label("Application password").fill("wrong pass word")
    card.get_by_role("button", name="Test connection").click()
    failed = card.get_by_label("Connection test result")
    expect(failed).to_contain_text("WordPress rejected the user or application password")
    expect(failed).to_contain_text(f"rejected the credentials for user {wordpress.username} (401)")
    screenshot(page, "sites-04-test-failed")
    assert site_by_domain(api, "travel.example.com")["wordpress"]["last_check_ok"] is True
    card.get_by_label("Application password").fill("")

    # Deactivate, then activate (each confirmed).
    card.get_by_role("button", name="Deactivate").click()
    dialog = page.get_by_role("dialog", name="Deactivate Travel Journal?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Deactivate").click()
    expect(card.get_by_text("Deactivated", exact=True)).to_be_visible()
    expect(card.get_by_text("Does not run (site deactivated)")).to_be_visible()
    assert site_by_domain(api, "travel.example.com")["is_active"] is False
    screenshot(page, "sites-05-deactivated")
    card.get_by_role("button", name="Activate").click()
    page.get_by_role("dialog", name="Activate Travel Journal?").get_by_role("button", name="Activate").click()
    expect(card.get_by_text("Active", exact=True)).to_be_visible()
    assert site_by_domain(api, "travel.example.com")["is_active"] is True

    # Phone width and dark mode.
    context, phone = _open_page(browser, stack, console, {"width": 375, "height": 812})
    try:
        sign_in(phone, f"/sites?site={site['id']}")
        phone_card = phone.get_by_role("article", name="Travel Journal")
        phone_card.get_by_role("button", name="WordPress", exact=True).click()
        expect(phone_card.get_by_label("WordPress URL")).to_have_value(wordpress.url)
        no_overflow(phone)
        screenshot(phone, "sites-06-phone")
    finally:
        context.close()
    context, dark = _open_page(browser, stack, console, DESKTOP, color_scheme="dark")
    try:
        sign_in(dark, f"/sites?site={site['id']}")
        expect(dark.locator("html")).to_have_attribute("data-theme", "dark")
        dark.get_by_role("article", name="Travel Journal").get_by_role("button", name="WordPress", exact=True).click()
        expect(dark.get_by_role("article", name="Travel Journal").get_by_label("WordPress user")).to_have_value(
            wordpress.username
        )
        screenshot(dark, "sites-07-dark")
    finally:
        context.close()


def token_works(stack, key: str) -> bool:
    request = urllib.request.Request(f"{stack.base_url}/api/v1/auth/me/", headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10):
            return True
    except urllib.error.HTTPError:
        return False


def test_it_creates_and_revokes_a_token_and_saves_run_notifications(page, browser, stack, api: Api, console):
    site = api.post("/sites/", {"name": "Notify Blog", "domain": "notify.example.com"})
    sign_in(page, f"/settings?site={site['id']}")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()

    # A token: shown once with a copy button, then only its prefix; revoked after a confirmation.
    page.get_by_label("Token name").fill("CI deploy")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("status", name="New API token")
    expect(shown).to_contain_text("it will not be shown again")
    expect(shown.get_by_role("button", name="Copy")).to_be_visible()
    key = page.get_by_test_id("new-token-key").inner_text().strip()
    assert len(key) == 40 and token_works(stack, key)
    screenshot(page, "settings-01-token-created")
    shown.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_text(key)).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="CI deploy")
    expect(row).to_contain_text(f"{key[:8]}…")
    expect(row).to_contain_text("never")
    screenshot(page, "settings-02-tokens")
    row.get_by_role("button", name="Revoke CI deploy").click()
    page.get_by_role("dialog", name=re.compile("Revoke “CI deploy”")).get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row").filter(has_text="CI deploy")).to_have_count(0)
    assert not token_works(stack, key)

    # Notifications: a bad webhook URL is refused at its field and nothing is saved; then they are saved.
    notifications = page.get_by_role("form", name="Run notifications")
    expect(notifications.get_by_label("completes")).to_be_checked()
    notifications.get_by_label("completes").uncheck()
    notifications.get_by_label("Email the account's users").uncheck()
    notifications.get_by_label("Webhook URL (optional)").fill("not a url")
    notifications.get_by_role("button", name="Save notifications").click()
    webhook = notifications.get_by_label("Webhook URL (optional)")
    expect(webhook).to_have_attribute("aria-invalid", "true")
    console.expect("400")
    expect(notifications.get_by_text("Enter a valid URL.")).to_be_visible()
    screenshot(page, "settings-03-webhook-error")
    config = api.get(f"/automation/config/?site_id={site['id']}")
    assert (config["notify_on_complete"], config["notify_email"], config["notify_webhook_url"]) == (True, True, "")

    webhook.fill("https://hooks.example.com/igny8")
    notifications.get_by_role("button", name="Save notifications").click()
    expect(notifications.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(notifications.get_by_label("Webhook signing secret")).to_be_visible()
    config = api.get(f"/automation/config/?site_id={site['id']}")
    assert (config["notify_on_complete"], config["notify_on_fail"], config["notify_email"]) == (False, True, False)
    assert config["notify_webhook_url"] == "https://hooks.example.com/igny8"
    screenshot(page, "settings-04-notifications-saved")

    context, phone = _open_page(browser, stack, console, {"width": 375, "height": 812})
    try:
        sign_in(phone, f"/settings?site={site['id']}")
        expect(phone.get_by_role("form", name="Run notifications").get_by_label("completes")).not_to_be_checked()
        no_overflow(phone)
        screenshot(phone, "settings-05-phone")
    finally:
        context.close()
    context, dark = _open_page(browser, stack, console, DESKTOP, color_scheme="dark")
    try:
        sign_in(dark, f"/settings?site={site['id']}")
        expect(dark.locator("html")).to_have_attribute("data-theme", "dark")
        expect(dark.get_by_role("form", name="Run notifications").get_by_label("fails")).to_be_checked()
        screenshot(dark, "settings-06-dark")
    finally:
        context.close()
