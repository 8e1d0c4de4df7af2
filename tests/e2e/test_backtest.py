"""The rule editor's backtest, shadow rules and dry runs in headless Chromium against the real stack (web + worker):
keywords created through the API land in the event journal; a new (unsaved) event rule is backtested in the editor
and its headline counts exactly the matching keywords; saved as a shadow rule it records what it would do and runs
nothing; the list shows it as Shadow with its summary; one click promotes it and it runs for real. On a phone
(no sideways scroll) and in dark mode too."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, Api, no_overflow, screenshot, sign_in

pytestmark = pytest.mark.e2e

SCROLLS_ON_ITS_OWN = ".tabs, .sidenav ul, .rl-tabs-wrap"  # the editor's tab strip scrolls in its own box

RUN_TIMEOUT = 30_000  # ms


def add_log_action(page: Page, message: str) -> None:
    steps = page.get_by_test_id("step")
    count = steps.count()
    page.get_by_label("Action to add").select_option("log")
    page.get_by_role("button", name="Add action").click()
    expect(steps).to_have_count(count + 1)
    steps.nth(count).get_by_label("Message").fill(message)


def backtest_until(page: Page, runs: int, timeout: float = 20) -> None:
    """Press Backtest until the headline counts `runs` (the journal is written after commit, in bulk)."""
    panel = page.get_by_test_id("backtest")
    headline = panel.get_by_test_id("backtest-headline")
    deadline = time.monotonic() + timeout
    while True:
        with page.expect_response(lambda response: response.url.endswith("/automation/rules/backtest/")) as answer:
            panel.get_by_role("button", name="Backtest").click()
        assert answer.value.status == 200, answer.value.text()
        expect(headline).to_be_visible()
        if headline.get_attribute("data-runs") == str(runs) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(headline).to_have_attribute("data-runs", str(runs))


def panel_shot(page: Page, name: str) -> None:
    """The screen with the backtest card at its top (below the sticky header)."""
    page.evaluate("document.getElementById('backtest').scrollIntoView({block: 'start'}); window.scrollBy(0, -72)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def wait_until(check, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_backtest_a_draft_then_shadow_then_promote(page: Page, api: Api, demo_site: dict):
    token = f"bt{uuid.uuid4().hex[:8]}"
    matching = [f"{token} espresso {n}" for n in range(3)]
    for text in matching:
        api.post("/keywords/", {"site": demo_site["id"], "text": text, "volume": 500})
    for n in range(2):
        api.post("/keywords/", {"site": demo_site["id"], "text": f"other {token[::-1]} {n}", "volume": 500})

    # A new event rule, true for the matching keywords only: backtested before it is saved.
    sign_in(page, f"/rules/new?site={demo_site['id']}")
    expect(page.get_by_role("heading", name="New rule")).to_be_visible()
    name = f"Backtest {token}"
    page.get_by_label("Name", exact=True).fill(name)
    page.locator("label.rl-choice", has_text="Event").click()
    page.get_by_label("Event", exact=True).select_option("keyword.created")
    page.get_by_role("button", name="+ Condition").click()
    page.get_by_title("Field", exact=True).select_option("object.text")
    page.get_by_title("Operator", exact=True).select_option("contains")
    page.get_by_title("Value", exact=True).fill(token)
    expect(page.get_by_test_id("conditions-summary")).to_contain_text(token)
    add_log_action(page, "would-be {object.text}")

    panel = page.get_by_test_id("backtest")
    panel.get_by_label("Backtest range").select_option("24h")
    backtest_until(page, len(matching))
    headline = panel.get_by_test_id("backtest-headline")
    expected = rf"^Would have fired {len(matching)} times in the last 24 hours, ≈ [\d,.]+ credits?$"
    expect(headline).to_have_text(re.compile(expected))
    expect(panel.get_by_test_id("backtest-scanned")).to_contain_text("events scanned in the last 24 hours")
    expect(panel.get_by_test_id("backtest-dropped")).to_contain_text("the conditions were false")
    expect(panel.get_by_test_id("backtest-clause")).to_contain_text(token)
    would = panel.locator("[data-testid=backtest-sample][data-decision=would_trigger]")
    expect(would).to_have_count(len(matching))
    expect(would.first).to_contain_text("keyword #")
    panel.get_by_text("Dropped events").click()  # folded while some would have run
    first_dropped = panel.locator("[data-testid=backtest-sample][data-decision=dropped_conditions]").first
    first_dropped.get_by_text("Condition trace").click()
    expect(first_dropped.get_by_role("table")).to_contain_text(token)  # the trace of the failed clause
    assert api.get("/automation/rules/?page_size=500")["results"] and not any(
        rule["name"] == name for rule in api.get("/automation/rules/?page_size=500")["results"]
    )  # nothing saved by a backtest
    screenshot(page, "backtest-01-editor-draft")
    panel_shot(page, "backtest-02-panel")

    # Saved as a shadow rule: it records what it would do and executes nothing.
    shadow = re.compile("^Shadow mode — watch live events and record what it would do, execute nothing")
    page.get_by_role("checkbox", name=shadow).check()
    page.get_by_role("button", name="Create rule").first.click()
    expect(page).to_have_url(re.compile(r"/rules/\d+"))
    rule_id = int(re.search(r"/rules/(\d+)", page.url).group(1))
    saved = api.get(f"/automation/rules/{rule_id}/")
    assert saved["is_shadow"] is True and saved["is_active"] is True
    expect(page.locator(".rl-editor-header .rl-chip-shadow")).to_be_visible()
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)

    api.post("/keywords/", {"site": demo_site["id"], "text": f"{token} shadowed", "volume": 500})
    page.get_by_role("tab", name="Why didn't it fire?").click()
    record = page.get_by_test_id("trigger-record").filter(has_text="Shadow")
    expect(record.first).to_be_visible(timeout=RUN_TIMEOUT)
    expect(record.first).to_contain_text("Nothing was executed or charged")
    screenshot(page, "backtest-03-shadow-triggers")
    assert api.get(f"/automation/executions/?rule={rule_id}")["results"] == []

    # The list: a Shadow badge and what it would have done; one click promotes it.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Rules").click()
    row = page.get_by_test_id("rule-row").filter(has_text=name)
    expect(row.get_by_test_id("shadow-badge")).to_have_text("Shadow")
    summary = re.compile(r"would have run 1 time in 7 days, ≈ [\d,.]+ credits?")
    expect(row.get_by_test_id("shadow-summary")).to_contain_text(summary, timeout=RUN_TIMEOUT)
    row.scroll_into_view_if_needed()
    screenshot(page, "backtest-04-list-shadow")
    row.get_by_role("button", name=f"Promote “{name}” to live").click()
    expect(page.get_by_role("status").filter(has_text=f"“{name}” is live")).to_be_visible()
    expect(row.get_by_test_id("shadow-badge")).to_have_count(0)
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    live = api.get(f"/automation/rules/{rule_id}/")
    assert live["is_shadow"] is False and live["is_active"] is True and live["shadow_summary"] is None

    # Live now: a matching keyword runs it for real.
    api.post("/keywords/", {"site": demo_site["id"], "text": f"{token} live", "volume": 500})
    runs = wait_until(lambda: api.get(f"/automation/executions/?rule={rule_id}")["results"], what="the live run")
    assert len(runs) == 1 and runs[0]["dry_run"] is False
    screenshot(page, "backtest-05-list-promoted")

    # A dry run from the list: recorded, labelled, linked like any run.
    row.get_by_role("button", name=f"Dry run “{name}”").click()
    notice = page.get_by_role("status").filter(has_text=f"Dry run of “{name}” started")
    expect(notice).to_contain_text("nothing is changed, called or charged")
    run_id = re.search(r"\(([^)]+)\)", notice.inner_text()).group(1)
    assert api.get(f"/automation/executions/{run_id}/")["dry_run"] is True
    notice.get_by_role("link", name="Watch the run").click()
    expect(page).to_have_url(re.compile(rf"/runs/{re.escape(run_id)}"))

    # Replay the last day's events to the live rule: the matching keywords run once, however often it is replayed.
    page.goto(f"/rules/{rule_id}?site={demo_site['id']}")
    page.get_by_role("button", name="Replay…").click()
    dialog = page.get_by_role("dialog", name=f"Replay events to “{name}”")
    dialog.get_by_label("Events from").select_option("24h")
    dialog.get_by_role("button", name="Replay", exact=True).click()
    result = dialog.get_by_test_id("replay-result")
    expect(result).to_contain_text(re.compile(r"Replayed \d+ events: "))
    expect(result.get_by_role("link")).not_to_have_count(0)
    screenshot(page, "backtest-12-replay")
    dialog.get_by_role("button", name="Replay", exact=True).click()
    expect(result).to_contain_text("already replayed before (not run again)")
    expect(result).not_to_contain_text("started")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def _shadow_rule(api: Api, site_id: int, token: str) -> dict:
    return api.post(
        "/automation/rules/",
        {
            "name": f"Shadow {token}",
            "site": site_id,
            "is_active": True,
            "is_shadow": True,
            "mode": "queued",
            "trigger": {"type": "event", "event": "keyword.created"},
            "conditions": {"in": [token, {"var": "object.text"}]},
            "actions": [{"type": "log", "params": {"message": "would-be {object.text}"}}],
        },
    )


def test_backtest_fits_a_phone_and_dark_mode(phone_page: Page, browser, stack, console, api: Api, demo_site: dict):
    token = f"bt{uuid.uuid4().hex[:8]}"
    for n in range(2):
        api.post("/keywords/", {"site": demo_site["id"], "text": f"{token} phone {n}", "volume": 100})
    rule = _shadow_rule(api, demo_site["id"], token)

    page = phone_page
    sign_in(page, f"/rules/{rule['id']}?site={demo_site['id']}")
    expect(page.get_by_role("heading", name=rule["name"])).to_be_visible()
    panel = page.get_by_test_id("backtest")
    panel.get_by_label("Backtest range").select_option("24h")
    backtest_until(page, 2)
    panel.locator("[data-testid=backtest-sample]").first.get_by_text("Condition trace").click()
    no_overflow(page, SCROLLS_ON_ITS_OWN)
    screenshot(page, "backtest-06-phone-editor")
    panel_shot(page, "backtest-07-phone-panel")
    page.goto(f"/rules?site={demo_site['id']}")
    expect(page.get_by_test_id("rule-row").filter(has_text=rule["name"]).get_by_test_id("shadow-badge")).to_be_visible()
    no_overflow(page)
    screenshot(page, "backtest-08-phone-list")

    dark = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        dark_page = dark.new_page()
        console.watch(dark_page)
        sign_in(dark_page, f"/rules/{rule['id']}?site={demo_site['id']}")
        expect(dark_page.locator("html")).to_have_attribute("data-theme", "dark")
        dark_panel = dark_page.get_by_test_id("backtest")
        dark_panel.get_by_label("Backtest range").select_option("24h")
        backtest_until(dark_page, 2)
        screenshot(dark_page, "backtest-09-dark-editor")
        panel_shot(dark_page, "backtest-10-dark-panel")
        dark_page.goto(f"/rules?site={demo_site['id']}")
        expect(
            dark_page.get_by_test_id("rule-row").filter(has_text=rule["name"]).get_by_test_id("shadow-summary")
        ).to_be_visible()
        screenshot(dark_page, "backtest-11-dark-list")
    finally:
        dark.close()
