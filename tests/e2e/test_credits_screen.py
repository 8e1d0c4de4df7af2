"""The Credits screen in headless Chromium, against the real stack and worker.

Before anything is spent: the balance and the empty usage. Then a real pipeline run (stages 1 and 2 of
the demo site: clustering and ideas, the stages that charge quickly) fills the ledger: its rows, the
charts per day and per stage, a filter by operation, the CSV export of the filtered rows, a link to the
run, and the daily budget (a bad value shows the API's message at the field; a good one is saved, shown
and is what the API answers). On a phone and in dark mode.

This module runs on a stack of its own (module scope, like test_automation_dashboard.py): its run spends
the demo account's credits and its budget would stop the other modules' runs.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, no_overflow, screenshot, sign_in, wait_for_run
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

OWN_STACK = ("credits", 10)  # a stack of its own (tests/e2e/conftest.py `stack`), Redis database 10
RUN_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def spent(api: Api, demo_site: dict) -> dict:
    """A real pipeline run of the demo site's stages 1 and 2 (keywords → clusters → ideas), finished."""
    site = demo_site["id"]
    config = {f"stage_{n}_enabled": n <= 2 for n in range(1, 8)}
    api.call("PUT", f"/automation/config/?site_id={site}", {**config, "ideas_per_cluster": 1, "between_stage_delay": 0})
    started = api.post(f"/automation/run_now/?site_id={site}")
    run = wait_for_run(api, started["run_id"], {"completed", "failed", "cancelled"}, timeout=RUN_TIMEOUT_S)
    assert run["status"] == "completed", run
    return run


def test_it_shows_the_balance_and_no_usage_before_anything_is_spent(page: Page, demo_site: dict):
    sign_in(page, f"/credits?site={demo_site['id']}")
    expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    expect(page.get_by_test_id("credits-available")).to_have_text("10,000 credits")
    expect(page.get_by_test_id("credits-reserved")).to_have_text("0")
    expect(page.get_by_test_id("credits-spent-today")).to_have_text("0 credits today")
    expect(page.get_by_test_id("credits-budget")).to_contain_text("No daily budget")
    expect(page.get_by_role("heading", name="No spending in this range")).to_be_visible()
    rows = page.get_by_test_id("ledger-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Initial grant")
    expect(rows.first).to_contain_text("+10,000")
    screenshot(page, "credits-01-before-spending")


def test_it_shows_the_ledger_and_charts_after_a_run_then_filters_and_exports(
    page: Page, console, api: Api, demo_site: dict, spent: dict
):
    site, run_id = demo_site["id"], spent["run_id"]
    debits = api.get(f"/credits/ledger/?kind=debit&run_id={run_id}&page_size=500")
    assert debits["count"] > 0
    operations = {row["operation"] for row in debits["results"]}
    assert operations == {"cluster_keywords", "generate_ideas"}, operations
    total = sum(float(row["amount"]) for row in debits["results"])

    sign_in(page, f"/credits?site={site}")
    # Usage: the day's total, both charts drawn, the stages in the legend.
    expect(page.get_by_test_id("credits-usage-total")).to_contain_text(f"{total:,.2f}".rstrip("0").rstrip("."))
    expect(page.get_by_test_id("credits-daily-chart").locator("svg.recharts-surface")).to_be_visible()
    expect(page.get_by_test_id("credits-stage-chart").locator("svg.recharts-surface")).to_be_visible()
    expect(page.get_by_test_id("credits-daily-chart").locator(".recharts-bar-rectangle path")).not_to_have_count(0)
    legend = page.get_by_test_id("credits-stage-legend")
    expect(legend).to_contain_text("Stage 1: Keywords → Clusters")
    expect(legend).to_contain_text("Stage 2: Clusters → Ideas")
    expect(page.get_by_test_id("credits-spent-today")).not_to_have_text("0 credits today")

    # The ledger: the run's rows, newest first, each with its run linked.
    rows = page.get_by_test_id("ledger-row")
    expect(rows.first).to_contain_text(run_id)
    expect(page.get_by_test_id("ledger-row").filter(has_text="Generate ideas").first).to_be_visible()
    link = rows.first.get_by_role("link", name=run_id)
    expect(link).to_have_attribute("href", f"/runs/{run_id}?site={site}")
    screenshot(page, "credits-02-ledger-and-charts")

    # Filter by operation: only that operation's rows, in the URL and in the export link.
    page.get_by_label("Operation").select_option("generate_ideas")
    expect(page).to_have_url(re.compile(r"operation=generate_ideas"))
    ideas = sum(1 for row in debits["results"] if row["operation"] == "generate_ideas")
    expect(rows).to_have_count(min(ideas, 25))
    for text in rows.all_inner_texts():
        assert "Generate ideas" in text and "Cluster keywords" not in text
    export = page.get_by_test_id("credits-export")
    expect(export).to_have_attribute("href", "/api/v1/credits/ledger/export/?operation=generate_ideas")
    screenshot(page, "credits-03-filtered")

    # Export CSV: a download of the filtered rows, with the header and the run's rows.
    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert re.fullmatch(r"credits-ledger-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert table[0][:4] == ["created_at", "kind", "operation", "amount"] and "run_id" in table[0]
    body = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    assert len(body) == ideas
    assert {(row["kind"], row["operation"], row["run_id"]) for row in body} == {("debit", "generate_ideas", run_id)}
    assert body[0]["amount"] == "2.00" and body[0]["balance_after"]

    # The run id leads to the run.
    link = rows.first.get_by_role("link", name=run_id)
    link.click()
    expect(page).to_have_url(re.compile(rf"/runs/{run_id}\?site={site}$"))
    expect(page.get_by_text(run_id).first).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Operation")).to_have_value("generate_ideas")

    # A date range that ends before it starts: the API's message at the field, no rows.
    page.goto(f"/credits?site={site}&since=2026-12-05&until=2026-12-01")
    expect(page.get_by_label("To (UTC)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("must be later than since.")).to_be_visible()
    expect(page.get_by_test_id("ledger-row")).to_have_count(0)
    console.expect("400")


def test_it_sets_the_daily_budget_with_field_errors(page: Page, console, api: Api, demo_site: dict, spent: dict):
    sign_in(page, f"/credits?site={demo_site['id']}")
    page.get_by_role("button", name="Set a daily budget").click()
    field = page.get_by_label("Daily budget (credits per UTC day)")
    expect(field).to_be_focused()
    field.fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("budget-error")).to_have_text("Ensure this value is greater than or equal to 0.")
    expect(field).to_have_attribute("aria-invalid", "true")
    console.expect("400")
    field.fill("12.345")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("budget-error")).to_have_text("Ensure that there are no more than 2 decimal places.")
    console.expect("400")
    screenshot(page, "credits-04-budget-error")
    assert api.get("/credits/budget/")["daily_credit_budget"] is None  # nothing saved

    field.fill("500")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Daily budget saved: 500 credits.")).to_be_visible()
    expect(page.get_by_test_id("credits-spent-today")).to_contain_text("of 500 credits")
    expect(page.get_by_role("meter", name="Daily budget used")).to_be_visible()
    expect(page.get_by_role("button", name="Change daily budget")).to_be_focused()
    screenshot(page, "credits-05-budget-saved")
    assert api.get("/credits/budget/")["daily_credit_budget"] == "500.00"
    assert api.get("/credits/")["daily_credit_budget"] == "500.00"
    page.reload()
    expect(page.get_by_test_id("credits-budget")).to_contain_text("Daily budget 500")


def test_it_fits_a_phone(browser, stack: Stack, console, demo_site: dict, spent: dict):
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    console.watch(page)
    try:
        sign_in(page, f"/credits?site={demo_site['id']}")
        expect(page.get_by_test_id("ledger-row").first).to_be_visible()
        expect(page.get_by_test_id("credits-stage-chart").locator("svg.recharts-surface")).to_be_visible()
        no_overflow(page)
        screenshot(page, "credits-06-phone")
        page.get_by_role("button", name=re.compile("daily budget")).click()
        expect(page.get_by_label("Daily budget (credits per UTC day)")).to_be_visible()
        no_overflow(page)
        screenshot(page, "credits-07-phone-budget-form")
    finally:
        context.close()
    assert console.errors == [], console.errors


def test_it_reads_well_in_dark_mode(browser, stack: Stack, console, demo_site: dict, spent: dict):
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page = context.new_page()
    console.watch(page)
    try:
        sign_in(page, f"/credits?site={demo_site['id']}")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.get_by_test_id("credits-daily-chart").locator("svg.recharts-surface")).to_be_visible()
        expect(page.get_by_test_id("ledger-row").first).to_be_visible()
        screenshot(page, "credits-08-dark")
        phone = context.new_page()
        phone.set_viewport_size({"width": 375, "height": 812})
        console.watch(phone)
        phone.goto(f"/credits?site={demo_site['id']}")
        expect(phone.get_by_test_id("ledger-row").first).to_be_visible()
        screenshot(phone, "credits-09-dark-phone")
    finally:
        context.close()
    assert console.errors == [], console.errors
