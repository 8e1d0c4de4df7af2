"""Control flow in a real browser against the real stack (web server + Celery worker): build an if/else with an
approval and a for_each in the rule editor, run it, approve its wait on the graph, watch the loop finish."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, no_overflow, screenshot, sign_in, wait_for_run

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 30_000


def entry(page: Page, path: str):
    return page.locator(f'[data-testid=step][data-path="{path}"]')


def add_to(page: Page, list_path: str, option: str) -> None:
    page.get_by_test_id(f"add-{list_path}").select_option(option)
    page.get_by_test_id(f"add-button-{list_path}").click()


def test_control_flow_build_run_approve_and_watch(page: Page, api: Api, demo_site: dict):
    sign_in(page, "/rules/new")
    expect(page.get_by_role("heading", name="New rule")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Approve big batches")

    # if payload.count > 2 → wait for approval, else → log; then for each id → log
    page.get_by_label("Action to add").select_option("block:if")
    page.get_by_role("button", name="Add action").click()
    check = entry(page, "actions.0")
    check.get_by_test_id("block-condition").fill(json.dumps({">": [{"var": "payload.count"}, 2]}))
    add_to(page, "actions.0.then", "block:wait_approval")
    entry(page, "actions.0.then.0").get_by_test_id("wait-prompt").fill("Approve the batch?")
    add_to(page, "actions.0.else", "log")
    entry(page, "actions.0.else.0").get_by_label("Message").fill("small batch")

    page.get_by_label("Action to add").select_option("block:for_each")
    page.get_by_role("button", name="Add action").click()
    loop = entry(page, "actions.1")
    loop.get_by_test_id("block-items").fill(json.dumps({"var": "payload.ids"}))
    loop.get_by_label("At once").fill("2")
    add_to(page, "actions.1.do", "log")
    entry(page, "actions.1.do.0").get_by_label("Message").fill("item {item} ({steps.step-1-then-1.output.decision})")
    screenshot(page, "flow-01-editor-blocks")

    # The JSON view holds the same tree.
    page.get_by_test_id("actions-json-toggle").click()
    tree = json.loads(page.get_by_test_id("actions-json").input_value())
    assert [e["type"] for e in tree] == ["if", "for_each"] and tree[0]["then"][0]["prompt"] == "Approve the batch?"
    page.get_by_test_id("actions-visual-toggle").click()

    page.get_by_role("button", name="Create rule").first.click()
    expect(page).to_have_url(re.compile(r"/rules/\d+"))
    rule_id = int(re.search(r"/rules/(\d+)", page.url).group(1))
    saved = api.get(f"/automation/rules/{rule_id}/")
    approval = saved["actions"][0]["then"][0]
    assert (approval["type"], approval["for"], approval["prompt"]) == ("wait", "approval", "Approve the batch?")
    assert saved["actions"][1]["concurrency"] == 2

    started = api.post(f"/automation/rules/{rule_id}/execute/", {"payload": {"count": 3, "ids": [7, 8, 9]}})
    run_id = started["run_id"]
    page.goto(f"{page.url.split('/rules')[0]}/runs/{run_id}")
    approval = page.get_by_test_id("graph-approval-step-1-then-1")
    expect(approval).to_contain_text("Approve the batch?", timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("node-step-0-branch")).to_contain_text("then")
    expect(page.get_by_test_id("approvals-waiting")).to_be_visible()
    screenshot(page, "flow-02-run-waiting-for-approval")

    approval.get_by_label("Note (optional)").fill("looks fine")
    page.get_by_test_id("graph-approve-step-1-then-1").click()
    run = wait_for_run(api, run_id, {"completed", "completed_with_errors", "failed"})
    assert run["status"] == "completed"
    expect(page.get_by_test_id("loop-progress-step-2")).to_have_text("3/3", timeout=RUN_TIMEOUT)
    screenshot(page, "flow-03-run-completed")

    detail = api.get(f"/automation/executions/{run_id}/")
    steps = {step["key"]: step for step in detail["steps"]}
    assert steps["step-1-then-1"]["result"]["output"]["decision"] == "approved"
    assert steps["step-1-then-1"]["result"]["output"]["note"] == "looks fine"
    assert [steps[f"step-2-do-1@{i}"]["params"]["message"] for i in range(3)] == [
        f"item {n} (approved)" for n in (7, 8, 9)
    ]

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()  # drawn for the phone from the start
    expect(page.get_by_test_id("loop-progress-step-2")).to_have_text("3/3", timeout=RUN_TIMEOUT)
    no_overflow(page, ignore=".tabs, .sidenav ul, .rl-table-wrap")  # the steps table scrolls in its own box
    screenshot(page, "flow-04-run-phone")
