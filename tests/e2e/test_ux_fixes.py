"""What a person trying the web app ran into, fixed and checked in real Chromium (issue 13):

- the sidebar's "Running" badge on Automation while the site's run is active (paused: "Paused"),
  read with the link ("Automation, running"), polling modestly and not next to the dashboard's own;
- the Runs filter bar with a ~120-character rule name stays inside the screen (1,440 and 375 px);
- on a phone the rule editor's tab strip scrolls, with a fade at the clipped edge, to its last tab;
- the "Ctrl+S saves" hint: hidden on phones, "⌘S saves" on a Mac;
- the rules list's hidden file input takes no Tab stop (Import opens the file chooser);
- after "Add action" the focus is on the new step's Action select;
- content named outside the Content list links to its reader (`/content/<id>?site=<site>`).

Runs on a stack of its own (module scope, like test_automation_dashboard.py): a pipeline run and a
rule with a very long name would change what the package-wide stack's tests expect.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, SCREENSHOTS, Api, ConsoleLog, screenshot, sign_in, wait_for_run
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

OWN_STACK = ("ux", 12)  # a stack of its own (tests/e2e/conftest.py `stack`), Redis database 12
WIDE = {"width": 1440, "height": 900}
MAC_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
LONG_NAME = (
    "Publish every approved article about espresso machines, burr grinders and milk frothers "
    "to the WordPress blog at 9 a.m."
)
assert 115 <= len(LONG_NAME) <= 125

# What has the focus: "TAG:type:text".
ACTIVE = """() => { const el = document.activeElement;
  return `${el.tagName}:${el.type || ''}:${(el.textContent || '').trim()}` }"""

# The tab strip's fade at one edge (`::before` left, `::after` right) is fully shown.
CUE_SHOWN = """(edge) => getComputedStyle(document.querySelector('[data-testid="tab-strip"]'), edge).opacity === '1'"""

# The page's width against the viewport's (a page wider than the screen scrolls sideways).
PAGE_WIDTH = "() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })"


@pytest.fixture
def open_page(browser, stack: Stack, console: ConsoleLog):
    """`open_page(viewport, color_scheme="light", user_agent=None)`: a fresh signed-out page; closed afterwards."""
    contexts = []

    def make(viewport: dict, color_scheme: str = "light", user_agent: str | None = None) -> Page:
        options = {"base_url": stack.base_url, "viewport": viewport, "color_scheme": color_scheme}
        if user_agent:
            options["user_agent"] = user_agent
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        console.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)


def assert_fits(page: Page, where: str) -> None:
    size = page.evaluate(PAGE_WIDTH)
    assert size["scroll"] <= size["client"], f"{where}: the page is {size['scroll']} px wide in {size['client']} px"


def current_status(api: Api, site: int) -> str | None:
    run = api.get(f"/automation/current_run/?site_id={site}")["run"]
    return run["status"] if run else None


def wait_until(check, timeout: float = 20, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s")


def make_rule(api: Api, site: dict, name: str, actions: list[dict] | None = None, **extra) -> dict:
    body = {
        "name": name,
        "site": site["id"],
        "trigger": {"type": "manual"},
        "actions": actions or [{"type": "log", "params": {"message": "hello"}}],
        **extra,
    }
    return api.post("/automation/rules/", body)


# --- 1. the Running badge ----------------------------------------------------------------------------


def test_the_automation_entry_says_running_while_the_sites_run_is_active(open_page, api: Api, demo_site: dict):
    site = demo_site["id"]
    page = open_page(WIDE)
    sign_in(page, f"/content?site={site}")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Automation", exact=True)).to_be_visible()
    expect(nav.get_by_test_id("nav-run-badge")).to_have_count(0)

    started = api.post(f"/automation/run_now/?site_id={site}")
    wait_until(lambda: current_status(api, site) == "running", what="the run starting")
    page.reload()
    link = nav.get_by_role("link", name="Automation, running", exact=True)
    expect(link).to_be_visible()
    expect(link.get_by_test_id("nav-run-badge")).to_have_text("Running")
    screenshot(page, "ux-01-badge-running")

    # Away from the dashboard the badge checks the run every 5 s, not every 1.5 s.
    calls: list[float] = []
    page.on("request", lambda r: "/automation/current_run/" in r.url and calls.append(time.monotonic()))
    page.wait_for_timeout(6_500)
    assert 1 <= len(calls) <= 2, f"{len(calls)} current_run/ requests in 6.5 s on the content list"

    # Paused (the API), the badge says so within its next check.
    api.post(f"/automation/pause/?run_id={started['run_id']}")
    expect(nav.get_by_role("link", name="Automation, paused", exact=True)).to_be_visible(timeout=8_000)
    expect(nav.get_by_test_id("nav-run-badge")).to_have_text("Paused")
    screenshot(page, "ux-02-badge-paused")

    # On the dashboard the badge reads the dashboard's own polling of the same query: one poller.
    nav.get_by_role("link", name="Automation, paused").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Paused")
    page.wait_for_timeout(2_000)
    calls.clear()
    page.wait_for_timeout(7_000)
    gaps = [round(b - a, 2) for a, b in zip(calls, calls[1:], strict=False)]
    assert len(calls) >= 4, f"the dashboard polls every 1.5 s: {len(calls)} requests"
    assert min(gaps) >= 1.0, f"two pollers of current_run/ (gaps {gaps})"

    api.post(f"/automation/resume/?run_id={started['run_id']}")
    expect(nav.get_by_role("link", name="Automation, running", exact=True)).to_be_visible(timeout=8_000)

    # On a phone the badge is a dot on the tab bar's icon; the name is the same.
    phone = open_page(PHONE)
    sign_in(phone, f"/content?site={site}")
    phone_nav = phone.get_by_role("navigation", name="Main")
    expect(phone_nav.get_by_role("link", name="Automation, running", exact=True)).to_be_visible()
    expect(phone_nav.get_by_test_id("nav-run-badge")).to_be_visible()
    assert_fits(phone, "content list on a phone")
    screenshot(phone, "ux-03-badge-phone")
    dark = open_page(WIDE, color_scheme="dark")
    sign_in(dark, f"/rules?site={site}")
    expect(dark.get_by_role("link", name="Automation, running", exact=True)).to_be_visible()
    screenshot(dark, "ux-04-badge-dark")

    # Cancelled, the badge goes (the dashboard polls every 1.5 s).
    api.post(f"/automation/cancel/?run_id={started['run_id']}")
    expect(nav.get_by_role("link", name="Automation", exact=True)).to_be_visible(timeout=8_000)
    expect(nav.get_by_test_id("nav-run-badge")).to_have_count(0)
    wait_until(lambda: current_status(api, site) is None, what="the run ending")


# --- 2. the Runs filter bar with a long rule name ----------------------------------------------------


def test_the_runs_filter_bar_stays_inside_the_screen_with_a_long_rule_name(open_page, api: Api, demo_site: dict):
    rule = make_rule(api, demo_site, LONG_NAME)
    run = api.post(f"/automation/rules/{rule['id']}/execute/", {"site": demo_site["id"]})
    wait_for_run(api, run["run_id"], {"completed"})

    for viewport, suffix in ((WIDE, "desktop"), (PHONE, "phone")):
        page = open_page(viewport)
        sign_in(page, f"/runs?site={demo_site['id']}")
        expect(page.get_by_test_id("run-row").first).to_be_visible()
        assert_fits(page, f"runs at {viewport['width']} px")
        select = page.get_by_label("Rule", exact=True)
        expect(select.locator("option", has_text=LONG_NAME)).to_have_count(1)
        select.select_option(str(rule["id"]))
        expect(page).to_have_url(re.compile(rf"rule={rule['id']}"))
        expect(select).to_have_attribute("title", LONG_NAME)
        expect(page.get_by_test_id("run-row")).to_have_count(1)
        box = select.bounding_box()
        assert box and box["x"] + box["width"] <= viewport["width"], box
        assert_fits(page, f"runs filtered by the long rule at {viewport['width']} px")
        screenshot(page, f"ux-05-runs-long-rule-{suffix}")


# --- 3./4. the rule editor on a phone: tab strip, save hint ---------------------------------------------


def test_the_rule_tabs_scroll_to_the_last_one_with_a_cue_and_the_save_hint_fits_the_device(
    open_page, api: Api, demo_site: dict
):
    rule = make_rule(api, demo_site, "Tabs on a phone")
    phone = open_page(PHONE)
    sign_in(phone, f"/rules/{rule['id']}?site={demo_site['id']}")
    strip = phone.get_by_test_id("tab-strip")
    tabs = phone.get_by_role("tablist", name="Rule")
    last = tabs.get_by_role("tab", name="Why didn't it fire?")
    expect(last).to_be_attached()
    # The last tab starts clipped, and the strip says so with a fade + chevron at its right edge.
    assert last.bounding_box()["x"] + last.bounding_box()["width"] > PHONE["width"]
    expect(strip).to_have_attribute("data-clipped-end", "")
    phone.wait_for_function(CUE_SHOWN, arg="::after")
    assert_fits(phone, "the rule editor on a phone")
    phone.screenshot(path=str(SCREENSHOTS / "ux-06-tabs-phone-clipped.png"))

    # Arrow keys walk to the last tab; it scrolls into view, and the cue moves to the left edge.
    tabs.get_by_role("tab", name="Editor").focus()
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    expect(last).to_have_attribute("aria-selected", "true")
    expect(last).to_be_focused()
    expect(strip).not_to_have_attribute("data-clipped-end", "")
    expect(strip).to_have_attribute("data-clipped-start", "")
    phone.wait_for_function(CUE_SHOWN, arg="::before")
    box = last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    phone.screenshot(path=str(SCREENSHOTS / "ux-07-tabs-phone-last.png"))

    # "Ctrl+S saves" is a keyboard hint: not on a phone.
    tabs.get_by_role("tab", name="Editor").click()
    expect(phone.get_by_role("button", name="Save", exact=True).first).to_be_attached()
    expect(phone.get_by_test_id("save-hint")).to_be_hidden()

    desktop = open_page(WIDE)
    sign_in(desktop, f"/rules/{rule['id']}?site={demo_site['id']}")
    expect(desktop.get_by_test_id("save-hint")).to_have_text("Ctrl+S saves")
    expect(desktop.get_by_test_id("save-hint")).to_be_visible()
    expect(desktop.get_by_test_id("tab-strip")).not_to_have_attribute("data-clipped-end", "")

    mac = open_page(WIDE, user_agent=MAC_UA)
    sign_in(mac, f"/rules/{rule['id']}?site={demo_site['id']}")
    expect(mac.get_by_test_id("save-hint")).to_have_text("⌘S saves")

    dark = open_page(PHONE, color_scheme="dark")
    sign_in(dark, f"/rules/{rule['id']}?site={demo_site['id']}")
    expect(dark.get_by_test_id("tab-strip")).to_have_attribute("data-clipped-end", "")
    dark.screenshot(path=str(SCREENSHOTS / "ux-08-tabs-phone-dark.png"))


# --- 5./6. keyboard: the import input, Add action ----------------------------------------------------


def test_import_takes_no_hidden_tab_stop_and_add_action_focuses_the_new_step(
    open_page, api: Api, demo_site: dict, tmp_path
):
    page = open_page(WIDE)
    sign_in(page, f"/rules?site={demo_site['id']}")
    importer = page.get_by_role("button", name="Import", exact=True)
    expect(importer).to_be_visible()
    file_input = page.get_by_test_id("import-file")
    expect(file_input).to_have_attribute("tabindex", "-1")

    # Tab through the page from its heading: the focus goes to Import without stopping on the input.
    page.locator("#main").focus()
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(ACTIVE))
        if page.evaluate("() => document.activeElement?.textContent?.trim() === 'Import'"):
            break
    assert not any(":file:" in entry for entry in seen), seen
    expect(importer).to_be_focused()

    # Import (from the keyboard) opens the file chooser; a rule file gets its preview.
    exported = {
        "name": "Imported by keyboard",
        "trigger": {"type": "manual"},
        "actions": [{"type": "log", "params": {"message": "x"}}],
    }
    rule_file = tmp_path / "rule.json"
    rule_file.write_text(json.dumps(exported))
    with page.expect_file_chooser() as chooser:
        importer.press("Enter")  # Enter on the focused Import button (the list may re-render meanwhile)
    chooser.value.set_files(str(rule_file))
    dialog = page.get_by_role("dialog", name="Import 1 rule from rule.json")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)

    # Add action: the focus lands on the new step's Action select, not on the page body.
    rule = make_rule(api, demo_site, "Add a step by keyboard")
    page.goto(f"/rules/{rule['id']}?site={demo_site['id']}")
    page.get_by_label("Action to add").select_option("log")
    page.get_by_role("button", name="Add action").click()
    steps = page.get_by_test_id("step")
    expect(steps).to_have_count(2)
    new_type = steps.nth(1).get_by_label("Action", exact=True)
    expect(new_type).to_be_focused()
    expect(new_type).to_have_value("log")
    assert page.evaluate("() => document.activeElement !== document.body")
    page.keyboard.press("Tab")
    expect(steps.nth(1).get_by_label("Step name")).to_be_focused()
    screenshot(page, "ux-09-add-action-focus")


# --- 7. content named outside the Content list links to its reader --------------------------------------


def test_content_named_in_runs_and_trigger_records_links_to_its_reader(open_page, api: Api, demo_site: dict):
    site = demo_site["id"]
    listening = make_rule(
        api,
        demo_site,
        "When an article changes",
        trigger={"type": "event", "event": "content.updated"},
        is_active=True,
    )
    dropping = make_rule(
        api,
        demo_site,
        "Only for published articles",
        trigger={"type": "event", "event": "content.updated"},
        conditions={"==": [{"var": "object.status"}, "published"]},
        is_active=True,
    )
    item = api.post("/content/", {"site": site, "title": "Cold brew at home", "html_content": "<p>Cold brew.</p>"})
    api.patch(f"/content/{item['id']}/", {"title": "Cold brew at home, step by step"})
    reader = f"/content/{item['id']}?site={site}"

    def run_of(rule_id: int) -> dict | None:
        rows = api.get(f"/automation/executions/?rule={rule_id}")["results"]
        return rows[0] if rows and rows[0]["status"] == "completed" else None

    wait_until(lambda: run_of(listening["id"]) is not None, what="the content.updated run")
    run = run_of(listening["id"])

    page = open_page(WIDE)
    sign_in(page, f"/runs/{run['run_id']}?site={site}")
    link = page.get_by_test_id("trigger-content").get_by_role("link", name="Cold brew at home, step by step")
    expect(link).to_have_attribute("href", reader)
    screenshot(page, "ux-10-run-content-link")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(reader) + "$"))

    page.goto(f"/rules/{dropping['id']}?site={site}")
    page.get_by_role("tab", name="Why didn't it fire?").click()
    record = page.get_by_test_id("trigger-record").first
    expect(record).to_contain_text("Conditions false")
    expect(record.get_by_role("link", name=f"content #{item['id']}")).to_have_attribute("href", reader)
    screenshot(page, "ux-11-trigger-content-link")
