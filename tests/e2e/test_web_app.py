"""The web app in headless Chromium against the real stack: login, shell, content review, themes, phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Api, content_in_review, no_overflow, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def other_site(api: Api) -> dict:
    """A second site of the demo account, so tests that add content leave demo.example.com alone."""
    return api.post("/sites/", {"name": "Second Blog", "domain": "second.example.com"})


def test_it_signs_in_and_bulk_approves_content_in_review(page, api: Api, demo_site: dict):
    page.goto("/content?status=review")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "01-login")

    sign_in(page, "/content?status=review")
    expect(page).to_have_url(re.compile(rf"/content\?status=review&site={demo_site['id']}$"))
    site_select = page.get_by_label("Site")
    expect(site_select).to_have_value(str(demo_site["id"]))
    expect(site_select.locator("option:checked")).to_have_text("demo.example.com")
    expect(page.get_by_test_id("credits")).to_have_text("10,000")
    expect(page.get_by_role("heading", name="Nothing waiting for review")).to_be_visible()
    expect(page.get_by_test_id("tab-review")).to_contain_text("0")
    screenshot(page, "03-content-empty")

    first = content_in_review(api, demo_site["id"], "How to brew pour-over coffee")
    second = content_in_review(api, demo_site["id"], "Choosing a burr grinder")
    page.reload()
    rows = page.get_by_test_id("content-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("tab-review")).to_contain_text("2")
    screenshot(page, "04-content-review")

    page.get_by_label("Select all rows on this page").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Approve selected (2)").click()
    expect(page.get_by_role("status").filter(has_text="Approved 2 items.")).to_be_visible()
    expect(page.get_by_role("heading", name="Nothing waiting for review")).to_be_visible()
    expect(page.get_by_test_id("tab-approved")).to_contain_text("2")
    screenshot(page, "05-content-after-bulk-approve")

    page.get_by_test_id("tab-approved").click()
    expect(page).to_have_url(re.compile(r"status=approved"))
    expect(page.get_by_test_id("content-row")).to_have_count(2)
    expect(page.get_by_text(first["title"])).to_be_visible()
    expect(page.get_by_text(second["title"])).to_be_visible()
    screenshot(page, "06-content-approved")
    statuses = {api.get(f"/content/{item['id']}/")["status"] for item in (first, second)}
    assert statuses == {"approved"}


def test_it_navigates_the_shell_by_keyboard_and_shows_the_coming_screens(page, console, demo_site: dict):
    sign_in(page)
    expect(page).to_have_url(re.compile(rf"/automation\?site={demo_site['id']}$"))
    expect(page.get_by_role("heading", name="Automation", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stage-grid")).to_be_visible()
    screenshot(page, "02-automation")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Rules").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/rules\?site={demo_site['id']}$"))
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    expect(nav.get_by_role("link", name="Rules")).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name="Runs").click()
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()
    screenshot(page, "07-runs")

    page.goto(f"/automation/runs/42?site={demo_site['id']}")
    expect(page.get_by_role("heading", name="Run not found")).to_be_visible()
    console.expect("404")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/content")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_it_remembers_the_chosen_site(page, demo_site: dict, other_site: dict):
    sign_in(page, "/content")
    page.get_by_label("Site").select_option(str(other_site["id"]))
    expect(page).to_have_url(re.compile(rf"site={other_site['id']}"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Automation").click()
    expect(page).to_have_url(re.compile(rf"/automation\?site={other_site['id']}$"))

    page.goto("/content")  # no ?site=: the last choice comes back from localStorage
    expect(page.get_by_label("Site")).to_have_value(str(other_site["id"]))
    expect(page).to_have_url(re.compile(rf"site={other_site['id']}"))

    page.goto(f"/content?site={demo_site['id']}")  # the URL wins over the stored choice
    expect(page.get_by_label("Site")).to_have_value(str(demo_site["id"]))


def test_it_switches_between_light_and_dark_mode(page, browser, stack, console):
    sign_in(page, "/content")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    toggle = page.get_by_role("button", name="Switch to dark mode")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)", background
    screenshot(page, "08-content-dark")

    page.reload()  # the choice is remembered
    expect(html).to_have_attribute("data-theme", "dark")
    page.get_by_role("button", name="Switch to light mode").click()
    expect(html).to_have_attribute("data-theme", "light")

    dark_context = browser.new_context(base_url=stack.base_url, color_scheme="dark")
    try:
        dark_page = dark_context.new_page()
        console.watch(dark_page)
        dark_page.goto("/login")  # no stored choice: prefers-color-scheme decides
        expect(dark_page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(dark_page.get_by_role("heading", name="Sign in")).to_be_visible()
        screenshot(dark_page, "09-login-dark")
    finally:
        dark_context.close()


def test_it_works_at_phone_width(phone_page, api: Api, other_site: dict):
    page = phone_page
    item = content_in_review(api, other_site["id"], "Phone review: travel espresso kits")
    sign_in(page, f"/content?status=review&site={other_site['id']}")
    row = page.get_by_test_id("content-row").filter(has_text=item["title"])
    expect(row).to_be_visible()
    screenshot(page, "10-phone-content-review")
    no_overflow(page)

    row.get_by_role("button", name=f"Approve “{item['title']}”").click()
    expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
    expect(row).to_have_count(0)
    assert api.get(f"/content/{item['id']}/")["status"] == "approved"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Automation").click()
    expect(page.get_by_test_id("stage-grid")).to_be_visible()
    screenshot(page, "11-phone-automation")


def test_it_shows_an_error_banner_when_the_api_fails(page, console, demo_site: dict):
    sign_in(page)
    page.route(
        re.compile(r"/api/v1/content/\?"),
        lambda route: route.fulfill(status=500, content_type="application/json", body='{"detail": "boom"}'),
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Content").click()
    banner = page.get_by_role("alert").filter(has_text="Could not load content")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("boom")
    screenshot(page, "12-content-api-error")

    page.unroute(re.compile(r"/api/v1/content/\?"))
    banner.get_by_role("button", name="Try again").click()
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("tab-review")).to_be_visible()
    console.expect("500")


def test_it_explains_a_failed_sign_in(page, console):
    page.goto("/login")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Unable to log in with the given username and password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    console.expect("400")
