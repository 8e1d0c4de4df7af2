"""The rules list and the execution monitor against the real stack: run now, live progress, pause /
resume / cancel, retry from the failed step and from the start, the causation chain both ways,
filters; import, export, duplicate and delete on the list."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, no_overflow, screenshot, sign_in, wait_for_run

pytestmark = pytest.mark.e2e


RUN_TIMEOUT = 30_000


def make_rule(api: Api, site: dict, name: str, actions: list[dict], **extra) -> dict:
    body = {"name": name, "site": site["id"], "trigger": {"type": "manual"}, "actions": actions, **extra}
    return api.post("/automation/rules/", body)


def test_rules_monitor_runs_live_with_pause_resume_retry_and_causation(page: Page, api: Api, demo_site: dict):
    slow = make_rule(
        api,
        demo_site,
        "Slow publisher",
        [
            {"type": "delay", "name": "Let the cache settle", "params": {"seconds": 4}},
            {"type": "log", "params": {"message": "published"}},
        ],
    )
    follower = api.post(
        "/automation/rules/",
        {
            "name": "After slow publisher",
            "site": demo_site["id"],
            "trigger": {"type": "event", "event": "run.completed"},
            "conditions": {"==": [{"var": "object.rule"}, slow["id"]]},
            "actions": [{"type": "log", "params": {"message": "follow-up"}}],
        },
    )
    flaky = make_rule(
        api,
        demo_site,
        "Flaky webhook",
        [
            {"type": "log", "params": {"message": "before"}},
            {"type": "webhook", "name": "Call the CRM", "params": {"url": "http://127.0.0.1:9/unreachable"}},
            {"type": "log", "params": {"message": "after"}},
        ],
    )

    sign_in(page, "/rules")
    row = page.get_by_test_id("rule-row").filter(has_text="Slow publisher")
    row.get_by_role("button", name="Run “Slow publisher” now").click()
    notice = page.get_by_role("status").filter(has_text="“Slow publisher” started")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Watch the run").click()

    # The execution page: live, pause between steps, resume, completes.
    expect(page).to_have_url(re.compile(r"/runs/run_"))
    run_id = re.search(r"/runs/([\w-]+)", page.url).group(1)
    header = page.locator("header").filter(has=page.get_by_role("heading", name="Slow publisher"))
    page.get_by_role("button", name="Pause").click()
    expect(header.locator(".rl-badge").first).to_have_text("Paused", timeout=RUN_TIMEOUT)
    screenshot(page, "rules-11-run-paused")
    page.get_by_role("button", name="Resume").click()
    expect(header.locator(".rl-badge").first).to_have_text("Completed", timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("node-step-1")).to_have_attribute("data-status", "completed")
    expect(page.get_by_test_id("run-log")).to_contain_text("published")

    # Causation, linked both ways: this run caused the follower's run, which points back here.
    children = page.get_by_test_id("child-runs")
    expect(children).to_contain_text("After slow publisher", timeout=RUN_TIMEOUT)
    screenshot(page, "rules-12-run-completed-with-child")
    children.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="After slow publisher")).to_be_visible()
    causation = page.get_by_test_id("causation")
    expect(causation).to_contain_text("run.completed")
    expect(causation.get_by_role("link", name="Slow publisher")).to_be_visible()
    causation.get_by_test_id("parent-run").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run_id}"))

    # A failing run: retry from the failed step, then from the start.
    started = api.post(f"/automation/rules/{flaky['id']}/execute/", {})
    wait_for_run(api, started["run_id"], {"failed"})
    page.goto(f"/runs?site={demo_site['id']}")
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()
    failed_row = page.locator(f'[data-run-id="{started["run_id"]}"]')
    expect(failed_row.locator(".rl-badge").first).to_have_text("Failed")
    expect(failed_row).to_contain_text("could not reach")
    page.get_by_label("Status").select_option("failed")
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.get_by_test_id("run-row")).to_have_count(1)
    screenshot(page, "rules-13-runs-filtered-failed")
    page.get_by_label("Status").select_option("")
    expect(page).not_to_have_url(re.compile(r"status=failed"))
    failed_row.get_by_role("button", name=f"Retry failed step: {started['run_id']}").click()
    expect(failed_row).to_contain_text("attempt 2", timeout=RUN_TIMEOUT)
    retried = wait_for_run(api, started["run_id"], {"failed"})
    assert retried["attempt"] == 2
    assert [s["attempts"] for s in retried["steps"]] == [1, 2, 0]  # the completed first step did not run again

    failed_row.get_by_role("link", name="Flaky webhook").click()
    expect(page.get_by_test_id("node-step-1")).to_have_attribute("data-status", "failed")
    page.get_by_test_id("node-step-1").click()
    details = page.get_by_test_id("node-details")
    expect(details).to_contain_text("transient error")
    expect(details.get_by_test_id("step-log")).to_contain_text("could not reach")
    screenshot(page, "rules-14-run-failed-step-details")
    page.get_by_role("button", name="Retry from start").click()
    expect(page.locator(".rl-editor-title .rl-chip").filter(has_text="attempt 3")).to_be_visible(timeout=RUN_TIMEOUT)
    again = wait_for_run(api, started["run_id"], {"failed"})
    assert [s["attempts"] for s in again["steps"]][:2] == [2, 3]

    # Cancel a running one.
    long = make_rule(
        api,
        demo_site,
        "Long wait",
        [{"type": "delay", "params": {"seconds": 60}}, {"type": "log", "params": {"message": "x"}}],
    )
    run = api.post(f"/automation/rules/{long['id']}/execute/", {})
    page.goto(f"/runs/{run['run_id']}?site={demo_site['id']}")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".rl-editor-title .rl-badge").first).to_have_text("Cancelled", timeout=RUN_TIMEOUT)
    assert api.get(f"/automation/executions/{run['run_id']}/")["status"] == "cancelled"
    del follower


def test_rules_list_toggles_duplicates_exports_imports_and_deletes(
    page: Page, api: Api, demo_site: dict, tmp_path, console
):
    rule = make_rule(api, demo_site, "Export me", [{"type": "log", "params": {"message": "exported"}}], mode="queued")
    sign_in(page, "/rules")
    row = page.get_by_test_id("rule-row").filter(has_text="Export me")

    switch = row.get_by_role("switch", name="Active: Export me")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(page.get_by_role("status").filter(has_text="“Export me” is paused.")).to_be_visible()
    assert api.get(f"/automation/rules/{rule['id']}/")["is_active"] is False

    with page.expect_download() as download_info:
        row.get_by_role("button", name="Export “Export me”").click()
    exported = json.loads(download_info.value.path().read_text())
    assert download_info.value.suggested_filename == "rule-export-me.json"
    assert exported["name"] == "Export me" and exported["mode"] == "queued"
    for server_only in ("id", "version", "execution_count", "last_run", "webhook_url", "created_at", "trigger_summary"):
        assert server_only not in exported

    exported["name"] = "Imported copy"
    file = tmp_path / "imported.json"
    file.write_text(json.dumps(exported))
    page.get_by_test_id("import-file").set_input_files(str(file))
    preview = page.get_by_role("dialog", name="Import 1 rule from imported.json")
    expect(preview.get_by_test_id("import-rule")).to_contain_text("comes in inactive")
    preview.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Imported “Imported copy” (inactive).")).to_be_visible()
    expect(page.get_by_test_id("rule-row").filter(has_text="Imported copy")).to_be_visible()

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**exported, "name": "Bad", "actions": [{"type": "nope", "params": {}}]}))
    page.get_by_test_id("import-file").set_input_files(str(bad))
    preview = page.get_by_role("dialog", name="Import 1 rule from bad.json")
    expect(preview.get_by_test_id("import-rule-errors")).to_contain_text("unknown action type 'nope'")
    expect(preview.get_by_role("button", name="Import", exact=True)).to_be_disabled()
    console.expect("400")
    preview.get_by_role("button", name="Cancel").click()
    expect(preview).to_have_count(0)
    assert "Bad" not in [r["name"] for r in api.get("/automation/rules/?page_size=500")["results"]]

    row.get_by_role("button", name="Duplicate “Export me”").click()
    expect(page.get_by_role("status").filter(has_text="Duplicated as")).to_be_visible()
    screenshot(page, "rules-15-list-after-import")

    copy_row = page.get_by_test_id("rule-row").filter(has_text="Imported copy")
    copy_row.get_by_role("button", name="Delete “Imported copy”").click()
    dialog = page.get_by_role("dialog", name="Delete “Imported copy”?")
    expect(dialog).to_be_visible()
    screenshot(page, "rules-16-delete-confirmation")
    dialog.get_by_role("button", name="Delete rule").click()
    expect(page.get_by_role("status").filter(has_text="Deleted “Imported copy”.")).to_be_visible()
    expect(copy_row).to_have_count(0)
    names = [r["name"] for r in api.get("/automation/rules/?page_size=500")["results"]]
    assert "Imported copy" not in names and "Export me" in names


def test_rules_run_now_explains_a_run_dropped_by_the_mode(page: Page, api: Api, demo_site: dict, console):
    make_rule(api, demo_site, "Single slow", [{"type": "delay", "params": {"seconds": 5}}], mode="single")
    sign_in(page, "/rules")
    row = page.get_by_test_id("rule-row").filter(has_text="Single slow")
    row.get_by_role("button", name="Run “Single slow” now").click()
    expect(page.get_by_role("status").filter(has_text="“Single slow” started")).to_be_visible()
    row.get_by_role("button", name="Run “Single slow” now").click()
    alert = page.get_by_role("alert").filter(has_text="“Single slow” did not start")
    expect(alert).to_be_visible()
    expect(row.locator(".rl-badge")).to_have_text("Running")
    screenshot(page, "rules-17-run-dropped-by-mode")
    console.expect("409")


def test_rules_screens_at_phone_width_and_in_dark_mode(
    phone_page: Page, browser, stack, console, api: Api, demo_site: dict
):

    rule = make_rule(api, demo_site, "Phone check", [{"type": "log", "params": {"message": "from a phone"}}])
    run = api.post(f"/automation/rules/{rule['id']}/execute/", {})
    wait_for_run(api, run["run_id"], {"completed"})

    page = phone_page
    sign_in(page, "/rules")
    expect(page.get_by_test_id("rule-row").filter(has_text="Phone check")).to_be_visible()
    no_overflow(page)
    screenshot(page, "rules-18-phone-rules")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(page.locator(f'[data-run-id="{run["run_id"]}"]')).to_be_visible()
    no_overflow(page)
    screenshot(page, "rules-19-phone-runs")

    dark = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        dark_page = dark.new_page()
        console.watch(dark_page)
        sign_in(dark_page, f"/rules/{rule['id']}")
        expect(dark_page.locator("html")).to_have_attribute("data-theme", "dark")
        dark_page.get_by_role("tab", name="Workflow").click()
        expect(dark_page.get_by_test_id("node-step-0")).to_have_attribute("data-status", "completed")
        screenshot(dark_page, "rules-20-dark-workflow")
        dark_page.goto(f"/runs/{run['run_id']}?site={demo_site['id']}")
        expect(dark_page.get_by_role("heading", name="Phone check")).to_be_visible()
        screenshot(dark_page, "rules-21-dark-run")
    finally:
        dark.close()
