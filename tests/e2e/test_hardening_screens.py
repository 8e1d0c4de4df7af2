"""The screens of the hardening work against the real stack: re-running a finished run from its page, the
import preview (renamed, inactive), and the pipeline's weekday picker in the site's time zone. (The failed-run
notice with Re-run and "Retry failed items" is in test_automation_dashboard.py, on that module's own stack:
its failed runs would show in the other tests' run lists.)

The weekday picker uses a site of its own (made through the API) so the demo site's dashboard stays as the
other tests expect it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, Api, screenshot, sign_in, wait_for_run

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 30_000


def test_it_reruns_a_finished_run_from_the_execution_page(page: Page, api: Api, demo_site: dict):
    rule = api.post(
        "/automation/rules/",
        {
            "name": "Re-run me",
            "site": demo_site["id"],
            "trigger": {"type": "manual"},
            "actions": [{"type": "log", "params": {"message": "logged once more"}}],
        },
    )
    first = api.post(f"/automation/rules/{rule['id']}/execute/", {"payload": {"keyword": "espresso"}})
    wait_for_run(api, first["run_id"], {"completed"})

    sign_in(page, f"/runs?site={demo_site['id']}")
    row = page.locator(f'[data-run-id="{first["run_id"]}"]')
    expect(row.get_by_role("button", name=f"Re-run: {first['run_id']}")).to_be_visible()

    page.goto(f"/runs/{first['run_id']}?site={demo_site['id']}")
    header = page.locator("header").filter(has=page.get_by_role("heading", name="Re-run me"))
    expect(header.locator(".rl-badge").first).to_have_text("Completed")
    page.get_by_role("button", name="Re-run", exact=True).click()

    # The new run opens in place of the old one, and runs with the same trigger data.
    expect(page).not_to_have_url(re.compile(rf"/runs/{first['run_id']}"))
    expect(page).to_have_url(re.compile(rf"/runs/run_\w+\?site={demo_site['id']}$"))
    second_id = re.search(r"/runs/([\w-]+)", page.url).group(1)
    expect(header.locator(".rl-badge").first).to_have_text("Completed", timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("run-log")).to_contain_text("step 1 (log) completed")  # steps count from 1
    expect(page.get_by_test_id("rerun-of")).to_have_text(first["run_id"])
    screenshot(page, "hardening-01-rerun-opened")
    second = api.get(f"/automation/executions/{second_id}/")
    assert second["run_id"] != first["run_id"]
    assert second["rule"] == rule["id"]
    assert second["trigger_payload"] == api.get(f"/automation/executions/{first['run_id']}/")["trigger_payload"]
    assert second["trigger_payload"]["payload"] == {"keyword": "espresso"}
    assert second["causation"]["root_event"] == f"rerun:{first['run_id']}"


def test_it_previews_an_import_with_renamed_inactive_rules(page: Page, api: Api, demo_site: dict, tmp_path):
    api.post(
        "/automation/rules/",
        {
            "name": "Imported twice",
            "site": demo_site["id"],
            "trigger": {"type": "manual"},
            "actions": [{"type": "log", "params": {"message": "original"}}],
        },
    )
    file = tmp_path / "team-rules.json"
    file.write_text(
        json.dumps(
            [
                {
                    "name": "Imported twice",
                    "trigger": {"type": "manual"},
                    "actions": [{"type": "log", "params": {"message": "copy"}}],
                },
                {
                    "name": "Brand new import",
                    "trigger": {"type": "event", "event": "keyword.created"},
                    "actions": [
                        {"type": "log", "params": {"message": "one"}},
                        {"type": "log", "params": {"message": "two"}},
                    ],
                    "is_active": True,
                },
            ]
        )
    )
    sign_in(page, f"/rules?site={demo_site['id']}")
    import_button = page.get_by_role("button", name="Import", exact=True)
    # The hidden file input takes no Tab stop: Shift+Tab from Import goes past it.
    import_button.focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement?.dataset?.testid") != "import-file"
    assert page.get_by_test_id("import-file").get_attribute("tabindex") == "-1"

    page.get_by_test_id("import-file").set_input_files(str(file))
    dialog = page.get_by_role("dialog", name="Import 2 rules from team-rules.json")
    rows = dialog.get_by_test_id("import-rule")
    expect(rows.first).to_contain_text("Imported twice (imported)")
    expect(rows.first).to_contain_text("renamed from “Imported twice”")
    expect(rows.nth(1)).to_contain_text("Brand new import")
    expect(rows.nth(1)).not_to_contain_text("renamed")
    expect(rows.nth(1)).to_contain_text("2 steps")
    for index in range(2):
        expect(rows.nth(index)).to_contain_text("comes in inactive")
    page.screenshot(path=str(SCREENSHOTS / "hardening-02-import-preview.png"))  # the viewport, where the dialog is
    names = [r["name"] for r in api.get("/automation/rules/?page_size=500")["results"]]
    assert "Brand new import" not in names, "the preview saved something"

    dialog.get_by_role("button", name="Import 2 rules").click()
    expect(page.get_by_role("status").filter(has_text="Imported 2 rules (inactive).")).to_be_visible()
    for name in ("Imported twice (imported)", "Brand new import"):
        row = page.get_by_test_id("rule-row").filter(has_text=name)
        expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    screenshot(page, "hardening-03-imported-inactive")
    imported = {r["name"]: r for r in api.get("/automation/rules/?page_size=500")["results"]}
    assert imported["Imported twice (imported)"]["is_active"] is False
    assert imported["Brand new import"]["is_active"] is False
    assert imported["Brand new import"]["mode"] == "queued"  # an event rule without a mode queues


def test_it_picks_the_weekday_of_a_weekly_run_in_the_sites_time_zone(page: Page, api: Api):
    site = api.post("/sites/", {"name": "Berlin Blog", "domain": "berlin.example.com", "timezone": "Europe/Berlin"})
    sign_in(page, f"/automation?site={site['id']}")
    expect(page.get_by_test_id("schedule-text")).to_have_text("Daily at 02:00 (Europe/Berlin)")

    page.get_by_role("button", name="Configure").click()
    dialog = page.get_by_role("dialog", name="Pipeline configuration")
    expect(dialog.get_by_label("Time (Europe/Berlin)")).to_have_value("02:00")
    dialog.get_by_label("Frequency").select_option("weekly")
    dialog.get_by_label("Day of the week").select_option(label="Tuesday")
    dialog.get_by_label("Time (Europe/Berlin)").fill("06:30")
    scheduled = dialog.get_by_label("Scheduled runs")
    if not scheduled.is_checked():
        scheduled.check()
    page.screenshot(path=str(SCREENSHOTS / "hardening-04-weekday-picker.png"))  # the viewport, where the dialog is
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)

    expect(page.get_by_test_id("schedule-text")).to_have_text("Weekly on Tuesday at 06:30 (Europe/Berlin)")
    next_run = page.get_by_test_id("schedule-next-run")
    expect(next_run).to_contain_text(re.compile(r"Next run Tue \d{1,2} \w{3}, 06:30 \(Europe/Berlin\)"))
    config = api.get(f"/automation/config/?site_id={site['id']}")
    assert (config["frequency"], config["scheduled_weekday"], config["scheduled_time"]) == ("weekly", 1, "06:30:00")
    fires = datetime.fromisoformat(config["next_run_at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Berlin"))
    assert (fires.weekday(), fires.hour, fires.minute) == (1, 6, 30)
    expect(next_run).to_contain_text(f"Tue {fires.day} {fires:%b}, 06:30 (Europe/Berlin)")
    expect(page.get_by_test_id("activity-caption")).to_contain_text("times in Europe/Berlin")
    screenshot(page, "hardening-05-weekly-schedule")
