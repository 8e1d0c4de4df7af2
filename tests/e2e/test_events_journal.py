"""The event journal page and the dry-run label against the real stack (issue 15): a keyword created and
updated through the API shows up in /events as `keyword.created` and `keyword.updated` with its change in
words; the event filter and the object filter live in the URL; a row expands to its JSON; a rule executed
with `dry_run` is labelled "Dry run" on its run page and in the runs list. Screenshots `events-*.png`."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, Api, no_overflow, screenshot, sign_in, wait_for_run

pytestmark = pytest.mark.e2e

KEYWORD = "journal gooseneck kettle"


@pytest.fixture(scope="module")
def journal_site(api: Api) -> dict:
    """A site of its own, so the journal rows and the rule stay apart from other modules' data."""
    return api.post("/sites/", {"name": "Journal Blog", "domain": "journal.example.com"})


def wait_for_events(api: Api, query: str, names: set[str], timeout: float = 15) -> list[dict]:
    """Poll the journal (written after commit, in bulk) until every event in `names` is there."""
    deadline = time.monotonic() + timeout
    while True:
        found = api.get(f"/automation/events/?{query}")["results"]
        if names <= {record["event"] for record in found}:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the journal has {[r['event'] for r in found]} for {query}, not all of {names}")
        time.sleep(0.25)


def test_the_journal_lists_filters_and_expands_a_keywords_events(
    page: Page, browser, stack, console, api: Api, journal_site: dict
):
    keyword = api.post("/keywords/", {"site": journal_site["id"], "text": KEYWORD, "volume": 321})
    api.patch(f"/keywords/{keyword['id']}/", {"status": "mapped"})
    records = wait_for_events(
        api, f"object_type=keyword&object_id={keyword['id']}", {"keyword.created", "keyword.updated"}
    )
    assert [r["event"] for r in records if r["event"] in ("keyword.created", "keyword.updated")] == [
        "keyword.updated",
        "keyword.created",
    ], "newest first"

    sign_in(page, f"/events?site={journal_site['id']}")
    expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Events")).to_have_attribute("aria-current", "page")
    ref = f"keyword #{keyword['id']}"
    created = page.locator('[data-testid="event-row"][data-event="keyword.created"]').filter(has_text=ref)
    updated = page.locator('[data-testid="event-row"][data-event="keyword.updated"]').filter(has_text=ref)
    expect(created).to_have_count(1)
    expect(created).to_contain_text(KEYWORD)
    expect(created).to_contain_text("root event")
    expect(updated).to_have_count(1)
    expect(updated).to_contain_text("status: new → mapped")
    # Newest first: the update sits above the creation.
    rows = page.get_by_test_id("event-row")
    events = rows.evaluate_all("(rows) => rows.map((r) => r.dataset.event + ' ' + r.dataset.id)")
    order = [e for e in events if e.startswith(("keyword.created", "keyword.updated"))]
    assert order.index(f"keyword.updated {_id(records, 'keyword.updated')}") < order.index(
        f"keyword.created {_id(records, 'keyword.created')}"
    )
    # The exact time on hover.
    expect(updated.locator("time")).to_have_attribute("title", re.compile(r"\d{4}"))
    screenshot(page, "events-01-journal")

    # Filter by event: the URL carries it, and every row is that event.
    page.get_by_label("Event", exact=True).select_option("keyword.updated")
    expect(page).to_have_url(re.compile(r"[?&]event=keyword\.updated"))
    expect(rows.first).to_have_attribute("data-event", "keyword.updated")
    assert set(rows.evaluate_all("(rows) => rows.map((r) => r.dataset.event)")) == {"keyword.updated"}
    expect(updated).to_have_count(1)

    # Expand the row: object, changes and causation as JSON.
    updated.get_by_role("button", name="Details").click()
    expect(updated.get_by_role("button", name="Details")).to_have_attribute("aria-expanded", "true")
    detail = page.get_by_test_id("event-detail")
    expect(detail.get_by_label("Changes")).to_contain_text('"old": "new"')
    expect(detail.get_by_label("Changes")).to_contain_text('"new": "mapped"')
    expect(detail.get_by_label("Object")).to_contain_text(KEYWORD)
    screenshot(page, "events-02-filtered-expanded")

    # The link is shareable: a fresh load keeps the filter; then narrow to this one keyword.
    page.reload()
    expect(page.get_by_label("Event", exact=True)).to_have_value("keyword.updated")
    updated.get_by_role("button", name=f"keyword #{keyword['id']}").click()
    expect(page).to_have_url(re.compile(rf"object_type=keyword&object_id={keyword['id']}"))
    expect(page.get_by_test_id("object-filter")).to_contain_text(f"keyword #{keyword['id']}")
    expect(rows).to_have_count(1)

    # An event nothing matches: the empty state, and Clear filters brings everything back.
    page.get_by_label("Event", exact=True).select_option("run.failed")
    expect(page.get_by_role("heading", name="No events match these filters")).to_be_visible()
    page.get_by_role("button", name="Clear filters").first.click()
    expect(created).to_have_count(1)

    # Phone width: no sideways scroll, the rows are cards.
    page.set_viewport_size(PHONE)
    updated.get_by_role("button", name="Details").click()
    expect(page.get_by_test_id("event-detail")).to_be_visible()
    no_overflow(page)
    screenshot(page, "events-03-phone")
    page.set_viewport_size(DESKTOP)

    # Dark mode.
    dark = browser.new_context(base_url=stack.base_url, viewport=DESKTOP, color_scheme="dark")
    try:
        dark_page = dark.new_page()
        console.watch(dark_page)
        sign_in(dark_page, f"/events?site={journal_site['id']}")
        expect(dark_page.locator("html")).to_have_attribute("data-theme", "dark")
        dark_row = dark_page.get_by_test_id("event-row").filter(has_text=f"keyword #{keyword['id']}").first
        expect(dark_row).to_be_visible()
        dark_row.get_by_role("button", name="Details").click()
        expect(dark_page.get_by_test_id("event-detail")).to_be_visible()
        screenshot(dark_page, "events-04-dark")
    finally:
        dark.close()


def _id(records: list[dict], name: str) -> int:
    return next(r["id"] for r in records if r["event"] == name)


def test_a_dry_run_is_labelled_on_its_run_page_and_in_the_runs_list(page: Page, api: Api, journal_site: dict):
    rule = api.post(
        "/automation/rules/",
        {
            "name": "Journal dry run",
            "site": journal_site["id"],
            "trigger": {"type": "manual"},
            "actions": [{"type": "log", "params": {"message": "hello from a dry run"}}],
        },
    )
    started = api.post(f"/automation/rules/{rule['id']}/execute/", {"dry_run": True})
    run = wait_for_run(api, started["run_id"], {"completed", "failed"})
    assert run["status"] == "completed", run
    assert run["dry_run"] is True
    live = api.post(f"/automation/rules/{rule['id']}/execute/", {})
    wait_for_run(api, live["run_id"], {"completed", "failed"})

    sign_in(page, f"/runs/{run['run_id']}?site={journal_site['id']}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Journal dry run")
    expect(heading.get_by_test_id("dry-run-pill")).to_have_text("Dry run")
    expect(page.get_by_test_id("dry-run-notice")).to_contain_text("no credits were charged")
    screenshot(page, "events-05-dry-run-page")

    page.goto(f"/runs?site={journal_site['id']}&rule={rule['id']}")
    dry_row = page.locator(f'[data-testid="run-row"][data-run-id="{run["run_id"]}"]')
    live_row = page.locator(f'[data-testid="run-row"][data-run-id="{live["run_id"]}"]')
    expect(dry_row.get_by_test_id("dry-run-pill")).to_have_text("Dry run")
    expect(live_row).to_be_visible()
    expect(live_row.get_by_test_id("dry-run-pill")).to_have_count(0)
    screenshot(page, "events-06-runs-list-dry-run")

    page.set_viewport_size(PHONE)
    expect(dry_row.get_by_test_id("dry-run-pill")).to_be_visible()
    no_overflow(page)
    screenshot(page, "events-07-runs-list-phone")
