"""The automation dashboard and run detail in headless Chromium, against the real stack and worker.

Runs the demo pipeline from the dashboard (Run now), follows the stage cards to the review gate
without a reload, pauses and resumes, opens the run from the history, reads its stage results and
credits donut, and exports it as CSV. Then a pipeline run that really fails (on a site of its own):
the failed-run notice, Re-run, and "Retry failed items"; on a phone and in dark mode.

This module runs on a stack of its own (module scope; same harness, stack.py): a pipeline run
spends the demo account's credits and fills the review list, which the shell tests in
test_web_app.py expect untouched on the package-wide stack.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, Api, no_overflow, screenshot, sign_in, wait_for_run

pytestmark = pytest.mark.e2e

OWN_STACK = ("automation", 14)  # a stack of its own (tests/e2e/conftest.py `stack`), Redis database 14
RUN_TIMEOUT_S = 90

# The seven stage cards' statuses, the overall percent and the review count, read in one go.
READ_CARDS = """() => ({
  statuses: [1, 2, 3, 4, 5, 6, 7].map((n) =>
    document.querySelector(`[data-testid="stage-card-${n}"]`)?.getAttribute('data-status') ?? null),
  percent: document.querySelector('[data-testid="overall-percent"]')?.textContent ?? '',
  review: document.querySelector('[data-testid="review-count"]')?.textContent ?? '',
  current: document.querySelector('[data-testid="current-status"] h3')?.textContent ?? '',
})"""

STAGE_ORDER = {"ready": 0, "empty": 0, "waiting": 0, "running": 1, "paused": 1, "completed": 2, "skipped": 2}


def _progressed(previous: list, current: list) -> bool:
    """No stage card goes backwards (waiting → running → completed)."""
    return all(STAGE_ORDER.get(b, 0) >= STAGE_ORDER.get(a, 0) for a, b in zip(previous, current, strict=True))


def test_it_runs_the_pipeline_live_then_reads_and_exports_the_run(page, console, api: Api, demo_site: dict):
    site = demo_site["id"]
    sign_in(page)
    expect(page).to_have_url(re.compile(rf"/automation\?site={site}$"))
    expect(page.get_by_role("heading", name="Automation", exact=True)).to_be_visible()

    # Idle: the demo keywords wait at stage 1; the schedule row and metric cards show the site.
    expect(page.get_by_test_id("schedule-text")).to_have_text("Daily at 02:00 (UTC)")
    expect(page.get_by_test_id("estimate")).to_contain_text("credits")
    expect(page.get_by_test_id("metric-keywords-total")).to_have_text("71")
    expect(page.get_by_test_id("stage-1-status")).to_have_text("Ready")
    expect(page.get_by_test_id("stage-1-remaining")).to_have_text("71")
    expect(page.get_by_test_id("review-count")).to_have_text("0")
    expect(page.get_by_role("heading", name="No runs yet")).to_be_visible()
    screenshot(page, "automation-01-idle")

    # The configuration dialog shows the API's validation message at the field, then saves.
    page.get_by_role("button", name="Configure").click()
    dialog = page.get_by_role("dialog", name="Pipeline configuration")
    dialog.get_by_label("Stage 1 batch size").fill("25")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_test_id("error-stage_1_batch_size")).to_have_text(
        "Ensure this value is less than or equal to 20."
    )
    expect(dialog.get_by_label("Stage 1 batch size")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(SCREENSHOTS / "automation-02-config-error.png"))  # the viewport, where the dialog is
    console.expect("400")
    assert api.get(f"/automation/config/?site_id={site}")["stage_1_batch_size"] == 20
    # One idea per cluster keeps the run short on the e2e worker (a solo pool: no parallel images).
    dialog.get_by_label("Stage 1 batch size").fill("20")
    dialog.get_by_label("Ideas per cluster").fill("1")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Configuration saved.")).to_be_visible()
    assert api.get(f"/automation/config/?site_id={site}")["ideas_per_cluster"] == 1

    # Run now, then watch the cards move without a reload (the marker would vanish on a reload).
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_text(re.compile(r"Run run_\w+ started\."))).to_be_visible()
    expect(page.get_by_test_id("current-status").get_by_role("heading", name="Current run")).to_be_visible()

    # Pause and resume from the dashboard.
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Paused", timeout=15_000)
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    screenshot(page, "automation-03-paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Running", timeout=15_000)

    snapshots: list[dict] = []
    running_shot = False
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        state = page.evaluate(READ_CARDS)
        if not snapshots or state["statuses"] != snapshots[-1]["statuses"]:
            snapshots.append(state)
        if not running_shot and state["statuses"][3:6].count("running") == 1:
            screenshot(page, "automation-04-running")
            running_shot = True
        if state["current"] == "Last run" and state["statuses"][6] == "completed":
            break
        page.wait_for_timeout(250)
    else:
        pytest.fail(f"the run did not reach the review gate in {RUN_TIMEOUT_S}s; seen: {snapshots}")

    sequence = [s["statuses"] for s in snapshots]
    assert len(sequence) >= 4, f"the cards hardly changed: {sequence}"
    assert any("running" in statuses for statuses in sequence), sequence
    assert sequence[0][6] in ("waiting", "empty"), sequence
    assert sequence[-1] == ["completed"] * 7, sequence
    for before, after in zip(sequence, sequence[1:], strict=False):
        assert _progressed(before, after), f"a stage went backwards: {before} → {after}"
    assert page.evaluate("window.__noReload === true"), "the page reloaded"

    # The review gate holds the articles; everything points at the finished run.
    expect(page.get_by_test_id("review-count")).not_to_have_text("0")
    in_review = int(page.get_by_test_id("review-count").inner_text().replace(",", ""))
    assert in_review > 0
    assert api.get(f"/content/?site={site}&status=review&page_size=1")["count"] == in_review
    expect(page.get_by_test_id("overall-percent")).to_have_text("100%")
    expect(page.get_by_test_id("overall-stage")).to_have_text("Stage 7/7")
    expect(page.get_by_role("link", name="Go to review")).to_have_attribute(
        "href", f"/content?status=review&site={site}"
    )
    expect(page.get_by_role("button", name="Publish without review")).to_be_disabled()
    expect(page.get_by_test_id("activity-log")).to_contain_text("run completed")
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Completed")
    screenshot(page, "automation-05-after-run")

    page.get_by_role("button", name="Switch to dark mode").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(page, "automation-06-dark")
    page.get_by_role("button", name="Switch to light mode").click()

    # Open the run from the history.
    run = api.get(f"/automation/history/?site_id={site}")["runs"][0]
    history.get_by_role("link", name="demo.example.com #1").click()
    expect(page).to_have_url(re.compile(rf"/automation/runs/{run['run_id']}\?site={site}$"))
    expect(page.get_by_role("heading", name="demo.example.com #1")).to_be_visible()
    expect(page.get_by_test_id("run-detail-status")).to_have_text("Completed")
    expect(page.get_by_test_id("run-summary")).to_contain_text("7/7")
    expect(page.get_by_test_id("flow-stage-1")).to_contain_text("71 keywords")
    expect(page.get_by_test_id("stage-details-1")).to_contain_text("Input71 keywords")
    page.get_by_test_id("stage-details-4").locator("summary").click()
    expect(page.get_by_test_id("stage-details-4")).to_contain_text("Efficiency")
    donut = page.get_by_test_id("credits-donut")
    expect(donut).to_be_visible()
    assert donut.locator(".recharts-pie-sector").count() >= 4
    expect(page.get_by_role("list", name="Credits by stage")).to_contain_text("Tasks → Content")
    expect(page.get_by_test_id("timeline")).to_contain_text("Run completed")
    expect(page.get_by_test_id("run-log")).to_contain_text("run completed")
    screenshot(page, "automation-07-run-detail")

    # Export CSV: one row per stage with the numbers of run_detail/.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"demo.example.com-1-{run['run_id']}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    detail = api.get(f"/automation/run_detail/?run_id={run['run_id']}")
    assert [row["stage"] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert {row["status"] for row in rows} == {"completed"}
    assert all(row["run_id"] == run["run_id"] for row in rows)
    assert rows[0]["name"] == "Keywords → Clusters"
    assert int(rows[0]["input_count"]) == 71
    for row, stage in zip(rows, detail["stages"], strict=True):
        assert int(row["input_count"]) == stage["result"]["input_count"]
        assert float(row["credits_used"]) == pytest.approx(stage["result"]["credits_used"])
    assert sum(float(row["credits_used"]) for row in rows) == pytest.approx(detail["run"]["total_credits_used"])
    assert int(rows[6]["created"]) == in_review

    with page.expect_download() as json_info:
        page.get_by_role("button", name="Export JSON").click()
    assert json_info.value.suggested_filename.endswith(".json")


def test_it_fits_a_phone(phone_page, api: Api, demo_site: dict):
    page = phone_page
    sign_in(page, f"/automation?site={demo_site['id']}")
    expect(page.get_by_test_id("stage-grid")).to_be_visible()
    expect(page.get_by_test_id("metric-keywords-total")).not_to_have_text("–")
    page.wait_for_load_state("networkidle")
    no_overflow(page)
    screenshot(page, "automation-08-phone")

    runs = api.get(f"/automation/history/?site_id={demo_site['id']}")["runs"]
    if not runs:
        pytest.skip("no run to show (the dashboard test did not run first)")
    page.goto(f"/automation/runs/{runs[0]['run_id']}?site={demo_site['id']}")
    expect(page.get_by_test_id("credits-donut")).to_be_visible()
    expect(page.get_by_test_id("run-log")).to_be_visible()
    no_overflow(page)
    screenshot(page, "automation-09-phone-run-detail")


def _pipeline_fails_at_stage_1(api: Api, site: dict) -> None:
    """Point stage 1 at a sector that does not exist: the real pipeline stops there, before spending anything."""
    rule_id = api.get(f"/automation/config/?site_id={site['id']}")["rule_id"]
    rule = api.get(f"/automation/rules/{rule_id}/")
    actions = rule["actions"]
    assert actions[0]["params"]["stage"] == 1
    actions[0]["params"]["sector_id"] = 999999
    api.patch(f"/automation/rules/{rule_id}/", {"actions": actions})


def test_it_says_the_last_run_failed_reruns_it_and_queues_failed_items_again(page: Page, api: Api):
    site = api.post("/sites/", {"name": "Failing Blog", "domain": "failing.example.com"})
    site_id = site["id"]
    _pipeline_fails_at_stage_1(api, site)
    # Failed work from earlier: a writing task and two images.
    task = api.post("/tasks/", {"site": site_id, "title": "Descaling an espresso machine", "status": "failed"})
    content = api.post("/content/", {"site": site_id, "title": "Grinder guide", "html_content": "<p>Burrs.</p>"})
    images = [
        api.post(
            "/images/",
            {"site": site_id, "content": content["id"], "position": n, "prompt": "a grinder", "status": "failed"},
        )
        for n in (1, 2)
    ]
    started = api.post(f"/automation/run_now/?site_id={site_id}")
    failed = wait_for_run(api, started["run_id"], {"failed", "completed", "cancelled"})
    assert failed["status"] == "failed", failed

    sign_in(page, f"/automation?site={site_id}")
    banner = page.get_by_test_id("failed-run")
    expect(banner).to_contain_text("The last run failed")
    expect(banner).to_contain_text("sector_id 999999")
    expect(banner.get_by_role("link", name="Open the run")).to_have_attribute(
        "href", f"/automation/runs/{started['run_id']}?site={site_id}"
    )
    expect(page.get_by_test_id("stage-1-status")).to_have_text("Failed")
    attention = page.get_by_test_id("attention-items")
    expect(attention.get_by_test_id("attention-failed-run")).to_contain_text("The last run failed")
    expect(attention).not_to_contain_text("Nothing needs attention")
    expect(attention).to_contain_text("1 article failed to generate")
    expect(attention).to_contain_text("2 images failed to generate")
    screenshot(page, "automation-10-failed-run")

    # Re-run from the notice: a new run of the pipeline, which fails the same way (the sector is still wrong).
    banner.get_by_role("button", name="Re-run").click()
    notice = page.get_by_role("status").filter(has_text=re.compile(rf"started \(a re-run of {started['run_id']}\)"))
    expect(notice).to_be_visible()
    rerun_id = re.search(r"Run (\S+) started", notice.inner_text()).group(1)
    assert rerun_id != started["run_id"]
    wait_for_run(api, rerun_id, {"failed"})
    expect(banner).to_contain_text(rerun_id, timeout=RUN_TIMEOUT_S * 1000)

    # Retry the failed items: they go back in the queue, and the panel says how many.
    attention.get_by_role("button", name="Retry failed items").click()
    expect(attention.get_by_test_id("retry-failed-result")).to_have_text(
        "Queued 1 writing task and 2 images again; the next run takes them."
    )
    expect(attention.get_by_role("button", name="Retry failed items")).to_have_count(0)
    assert api.get(f"/tasks/{task['id']}/")["status"] == "queued"
    assert {api.get(f"/images/{image['id']}/")["status"] for image in images} == {"pending"}
    expect(attention).not_to_contain_text("Nothing needs attention")  # the failed run still does
    screenshot(page, "automation-11-failed-items-queued")


def test_it_shows_the_failed_run_on_a_phone_and_in_dark_mode(phone_page: Page, browser, stack, console, api: Api):
    site = next((s for s in api.get("/auth/me/")["sites"] if s["domain"] == "failing.example.com"), None)
    if site is None:
        pytest.skip("no failed run to show (the failed-run test did not run first)")
    page = phone_page
    sign_in(page, f"/automation?site={site['id']}")
    expect(page.get_by_test_id("failed-run")).to_be_visible()
    expect(page.get_by_test_id("metric-keywords-total")).not_to_have_text("–")
    no_overflow(page)
    screenshot(page, "automation-12-phone-failed-run")
    page.get_by_role("button", name="Configure").click()
    dialog = page.get_by_role("dialog", name="Pipeline configuration")
    dialog.get_by_label("Frequency").select_option("monthly")
    expect(dialog.get_by_label("Day of the month")).to_be_visible()
    no_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / "automation-13-phone-config-monthly.png"))
    dialog.get_by_role("button", name="Cancel").click()

    dark = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        dark_page = dark.new_page()
        console.watch(dark_page)
        sign_in(dark_page, f"/automation?site={site['id']}")
        expect(dark_page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(dark_page.get_by_test_id("failed-run")).to_be_visible()
        screenshot(dark_page, "automation-14-dark-failed-run")
        dark_page.goto(f"/rules/new?site={site['id']}")
        expect(dark_page.get_by_role("radiogroup", name=re.compile("Mode"))).to_be_visible()
        dark_page.get_by_role("radiogroup", name="Trigger type").get_by_text("Event", exact=True).click()
        expect(dark_page.get_by_role("radio", name=re.compile("^Queued"))).to_be_checked()
        dark_page.get_by_role("heading", name="Run behaviour").scroll_into_view_if_needed()
        dark_page.screenshot(path=str(SCREENSHOTS / "automation-15-dark-rule-modes.png"))
    finally:
        dark.close()
