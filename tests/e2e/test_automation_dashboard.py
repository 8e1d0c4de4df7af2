"""The automation dashboard and run detail in headless Chromium, against the real stack and worker.

Runs the demo pipeline from the dashboard (Run now), follows the stage cards to the review gate
without a reload, pauses and resumes, opens the run from the history, reads its stage results and
credits donut, and exports it as CSV.

This module runs on a stack of its own (module scope; same harness, stack.py): a pipeline run
spends the demo account's credits and fills the review list, which the shell tests in
test_web_app.py expect untouched on the package-wide stack.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e import stack as stack_module
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    DEMO_USER,
    SCREENSHOTS,
    Api,
    sign_in,
)
from tests.e2e.conftest import screenshot as full_page_screenshot
from tests.e2e.stack import LOG_DIR, Stack, running_stack

pytestmark = pytest.mark.e2e

# Its own Redis database number, so this stack's worker never takes another stack's tasks.
OWN_REDIS_DB = 14
RUN_TIMEOUT_S = 90

# Elements whose right edge passes the viewport (the page would scroll sideways on a phone).
WIDEST_OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .filter((el) => !el.closest('.tabs, .sidenav ul'))
  .slice(0, 5)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`)"""

# The seven stage cards' statuses, the overall percent and the review count, read in one go.
READ_CARDS = """() => ({
  statuses: [1, 2, 3, 4, 5, 6, 7].map((n) =>
    document.querySelector(`[data-testid="stage-card-${n}"]`)?.getAttribute('data-status') ?? null),
  percent: document.querySelector('[data-testid="overall-percent"]')?.textContent ?? '',
  review: document.querySelector('[data-testid="review-count"]')?.textContent ?? '',
  current: document.querySelector('[data-testid="current-status"] h3')?.textContent ?? '',
})"""

STAGE_ORDER = {"ready": 0, "empty": 0, "waiting": 0, "running": 1, "paused": 1, "completed": 2, "skipped": 2}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    previous = stack_module.E2E_REDIS_DB
    stack_module.E2E_REDIS_DB = OWN_REDIS_DB
    try:
        with tempfile.TemporaryDirectory(prefix="igny8-e2e-automation-") as tmp:
            with running_stack(Path(tmp)) as running:
                yield running
                # Keep this stack's logs: the package-wide stack writes the same file names later.
                for name in ("web", "worker"):
                    if (LOG_DIR / f"{name}.log").exists():
                        shutil.copy(LOG_DIR / f"{name}.log", LOG_DIR / f"automation-{name}.log")
    finally:
        stack_module.E2E_REDIS_DB = previous


@pytest.fixture(scope="module")
def browser(stack: Stack):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Api:
    token = Api(stack.base_url).post("/auth/token/", {"username": DEMO_USER, "password": DEMO_PASSWORD})["token"]
    return Api(stack.base_url, token)


@pytest.fixture(scope="module")
def demo_site(api: Api) -> dict:
    return next(site for site in api.get("/auth/me/")["sites"] if site["domain"] == "demo.example.com")


def screenshot(page, name: str) -> None:
    """A full-page screenshot from the top (the sticky header would otherwise land mid-page)."""
    page.evaluate("window.scrollTo(0, 0)")
    full_page_screenshot(page, name)


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
        "keyword clustering takes at most 20 keywords per call"
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
    assert page.evaluate(WIDEST_OVERFLOW) == [], "elements wider than the 375px screen"
    screenshot(page, "automation-08-phone")

    runs = api.get(f"/automation/history/?site_id={demo_site['id']}")["runs"]
    if not runs:
        pytest.skip("no run to show (the dashboard test did not run first)")
    page.goto(f"/automation/runs/{runs[0]['run_id']}?site={demo_site['id']}")
    expect(page.get_by_test_id("credits-donut")).to_be_visible()
    expect(page.get_by_test_id("run-log")).to_be_visible()
    assert page.evaluate(WIDEST_OVERFLOW) == [], "elements wider than the 375px screen"
    screenshot(page, "automation-09-phone-run-detail")
