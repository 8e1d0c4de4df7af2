"""The rule editor in headless Chromium against the real stack (web server + Celery worker):
build a rule entirely through the editor, test its condition, save it, watch its run in the
visualizer; API validation errors at their fields; the seven-stage preset as a graph; versions,
the unsaved-changes guard and "why didn't it fire"."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, screenshot, sign_in

pytestmark = pytest.mark.e2e


RUN_TIMEOUT = 30_000  # ms: a run on the real worker usually finishes in well under a second


def open_new_rule(page: Page) -> None:
    page.get_by_role("link", name="New rule").first.click()
    expect(page.get_by_role("heading", name="New rule")).to_be_visible()


def add_action(page: Page, action_type: str):
    """Pick an action from the catalog and answer its step card."""
    steps = page.get_by_test_id("step")
    count = steps.count()
    page.get_by_label("Action to add").select_option(action_type)
    page.get_by_role("button", name="Add action").click()
    expect(steps).to_have_count(count + 1)
    return steps.nth(count)


def test_rules_build_test_save_and_watch_a_rule_run(page: Page, api: Api, demo_site: dict):
    sign_in(page, "/rules")
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    expect(page.get_by_test_id("rule-row").filter(has_text="Seven-stage content pipeline")).to_be_visible()
    screenshot(page, "rules-01-list")

    open_new_rule(page)
    page.get_by_label("Name", exact=True).fill("Big keywords")
    page.locator("label.rl-choice", has_text="Event").click()
    page.get_by_label("Event", exact=True).select_option("keyword.created")
    expect(page.get_by_text("A keyword was created.")).to_be_visible()

    # Conditions in the visual builder: object.volume > 1000 (a numeric field).
    page.get_by_role("button", name="+ Condition").click()
    page.get_by_title("Field", exact=True).select_option("object.volume")
    page.get_by_title("Operator", exact=True).select_option(">")
    page.get_by_title("Value", exact=True).fill("1000")
    expect(page.get_by_test_id("conditions-summary")).to_have_text("object.volume > 1000")

    # The raw JSONLogic view shows a number, not "1000", and switching back keeps the condition.
    page.get_by_role("button", name="JSONLogic", exact=True).click()
    raw = page.get_by_label("JSONLogic", exact=True)
    assert json.loads(raw.input_value()) == {">": [{"var": "object.volume"}, 1000]}
    page.get_by_role("button", name="Visual", exact=True).click()
    expect(page.get_by_title("Value", exact=True)).to_have_value("1000")

    # Test against a sample prefilled from the event's fields.
    page.get_by_role("button", name="Test the conditions").click()
    sample = page.get_by_label("Sample context (JSON)")
    prefill = json.loads(sample.input_value())
    assert prefill["event"]["name"] == "keyword.created"
    assert prefill["object"]["volume"] == 0
    prefill["object"].update(volume=2000, text="espresso grinder")
    sample.fill(json.dumps(prefill, indent=2))
    page.get_by_role("button", name="Run the test").click()
    result = page.get_by_test_id("test-result")
    expect(result).to_contain_text("Conditions pass")
    expect(result.get_by_role("table", name="Evaluation trace")).to_contain_text("[2000,1000]")

    # And one that fails.
    prefill["object"]["volume"] = 10
    sample.fill(json.dumps(prefill, indent=2))
    page.get_by_role("button", name="Run the test").click()
    expect(result).to_contain_text("Conditions fail")
    expect(page.locator(".rl-qb-rule.rl-qb-false")).to_have_count(1)

    step = add_action(page, "log")
    step.get_by_label("Message").fill("big keyword {object.text}")
    expect(page.get_by_text("Unsaved changes").first).to_be_visible()
    screenshot(page, "rules-02-editor-new-rule")

    page.get_by_role("button", name="Create rule").first.click()
    expect(page).to_have_url(re.compile(r"/rules/\d+"))
    expect(page.get_by_role("status").filter(has_text="Created “Big keywords”")).to_be_visible()
    rule_id = int(re.search(r"/rules/(\d+)", page.url).group(1))
    saved = api.get(f"/automation/rules/{rule_id}/")
    assert saved["trigger"] == {"type": "event", "event": "keyword.created", "fields": []}
    assert saved["conditions"] == {">": [{"var": "object.volume"}, 1000]}  # a number, not "1000"
    # the params form fills schema defaults (level "info")
    assert saved["actions"] == [
        {"type": "log", "params": {"message": "big keyword {object.text}", "level": "info"}, "on_error": "stop"}
    ]
    assert saved["site"] == demo_site["id"] and saved["is_active"] is True

    # Watch the run appear and complete in the visualizer.
    page.get_by_role("tab", name="Workflow").click()
    expect(page.get_by_test_id("workflow-graph")).to_be_visible()
    expect(page.get_by_text("No run yet")).to_be_visible()
    api.post("/keywords/", {"site": demo_site["id"], "text": "espresso grinder", "volume": 2000})
    node = page.get_by_test_id("node-step-0")
    expect(node).to_have_attribute("data-status", "completed", timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("workflow-run")).to_contain_text("Completed")
    expect(page.get_by_test_id("node-step-0-run")).to_contain_text("0→1")
    node.click()
    details = page.get_by_test_id("node-details")
    expect(details).to_contain_text("Completed")
    expect(details.get_by_test_id("step-log")).to_contain_text("big keyword espresso grinder")
    screenshot(page, "rules-03-workflow-run-completed")

    # A small keyword doesn't fire: the "why didn't it fire" tab says why.
    api.post("/keywords/", {"site": demo_site["id"], "text": "tiny keyword", "volume": 10})
    page.get_by_role("tab", name="Why didn't it fire?").click()
    record = page.get_by_test_id("trigger-record").filter(has_text="Conditions false")
    expect(record).to_be_visible(timeout=RUN_TIMEOUT)
    expect(record).to_contain_text("keyword #")
    screenshot(page, "rules-04-why-didnt-it-fire")

    # "Test with this keyword" runs the saved conditions against the real object.
    record.get_by_role("button", name="Test with this keyword").click()
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Run the test").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("Conditions fail")
    expect(page.get_by_test_id("test-result")).to_contain_text("[10,1000]")

    runs = api.get(f"/automation/executions/?rule={rule_id}")["results"]
    assert [run["status"] for run in runs] == ["completed"]


def test_rules_show_api_validation_errors_at_their_fields(page: Page, api: Api, console):
    sign_in(page, "/rules/new")
    expect(page.get_by_role("heading", name="New rule")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Invalid steps")

    # A schedule with a bad custom cron.
    page.locator("label.rl-choice", has_text="Schedule").click()
    page.get_by_label("Repeat").select_option("custom")
    page.get_by_label("Cron expression").fill("61 * * * *")

    hook = add_action(page, "webhook")
    hook.get_by_label("Url").fill("not a url")
    log = add_action(page, "log")
    log.get_by_label("Retries").fill("20")  # the API allows 0-10
    expect(log.get_by_label("Message")).to_have_value("")

    before = len(api.get("/automation/rules/?page_size=500")["results"])
    page.get_by_role("button", name="Create rule").first.click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Not saved")
    # Each message shows at the field it names.
    expect(page.locator(".rl-schedule").get_by_role("alert")).to_contain_text("minute field '61' is not valid")
    expect(page.get_by_label("Cron expression")).to_have_attribute("aria-invalid", "true")
    expect(hook.locator(".text-danger")).to_contain_text("must be an http:// or https:// URL")
    expect(hook).to_contain_text("needs attention")
    expect(log.locator(".text-danger")).to_contain_text(re.compile(r"required|should be non-empty"))
    expect(log.get_by_role("alert").filter(has_text="must be a whole number from 0 to 10")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/rules/new"))
    screenshot(page, "rules-05-validation-errors")
    assert len(api.get("/automation/rules/?page_size=500")["results"]) == before  # nothing saved
    console.expect("400")

    # Fix them: the errors go away and the rule is created.
    page.get_by_label("Cron expression").fill("30 6 * * 1-5")
    hook.get_by_label("Url").fill("http://127.0.0.1:9/hook")
    log.get_by_label("Message").fill("done")
    log.get_by_label("Retries").fill("2")
    page.get_by_role("button", name="Create rule").first.click()
    expect(page).to_have_url(re.compile(r"/rules/\d+"))
    expect(page.get_by_test_id("error-summary")).to_have_count(0)
    # The schedule preview now comes from the server: description and the next five times.
    expect(page.get_by_test_id("next-fire-times").locator("li")).to_have_count(5)
    expect(page.locator(".rl-preview")).to_contain_text("Every weekday at 06:30")


def test_rules_open_the_seven_stage_preset_as_a_readable_graph(page: Page, api: Api, demo_site: dict):
    preset = next(
        rule
        for rule in api.get("/automation/rules/?page_size=500")["results"]
        if rule["preset_key"] == "seven_stage" and rule["site"] == demo_site["id"]
    )
    sign_in(page, "/rules")
    page.get_by_role("link", name="Seven-stage content pipeline").click()
    expect(page.get_by_role("heading", name="Seven-stage content pipeline")).to_be_visible()
    expect(page.get_by_test_id("step")).to_have_count(7)
    page.get_by_role("tab", name="Workflow").click()
    graph = page.get_by_test_id("workflow-graph")
    expect(graph).to_be_visible()
    nodes = graph.locator(".rl-node")
    expect(nodes).to_have_count(8)  # trigger + 7 stages
    for index, action in enumerate(preset["actions"]):
        node = page.get_by_test_id(f"node-step-{index}")
        expect(node).to_contain_text(f"Stage {index + 1}")
        expect(node).to_contain_text(action["name"])
        expect(node).to_contain_text(action["type"])
    expect(graph.get_by_text("after queue drains")).to_have_count(6)

    # Readable: every node is on screen at a legible size, in order, without overlaps.
    boxes = [page.get_by_test_id(f"node-{i}").bounding_box() for i in ["trigger"] + [f"step-{n}" for n in range(7)]]
    for above, below in zip(boxes, boxes[1:], strict=False):
        assert below["y"] >= above["y"] + above["height"], (above, below)
    assert min(box["width"] for box in boxes) >= 240, boxes
    screenshot(page, "rules-06-seven-stage-graph")

    page.get_by_test_id("node-step-3").click()
    details = page.get_by_test_id("node-details")
    expect(details).to_contain_text("generate_content")
    expect(details).to_contain_text('"handover_from": "queue_to_writer"')
    screenshot(page, "rules-07-seven-stage-node-details")


def test_rules_versions_diff_restore_and_the_unsaved_changes_guard(page: Page, api: Api, demo_site: dict):
    rule = api.post(
        "/automation/rules/",
        {
            "name": "Versioned",
            "site": demo_site["id"],
            "trigger": {"type": "manual"},
            "actions": [{"type": "log", "params": {"message": "first"}}],
        },
    )
    sign_in(page, f"/rules/{rule['id']}")
    expect(page.get_by_role("heading", name="Versioned")).to_be_visible()

    # Unsaved changes: leaving through the app asks first.
    page.get_by_label("Name", exact=True).fill("Versioned rule")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    dialog = page.get_by_role("dialog", name="Leave without saving?")
    expect(dialog).to_be_visible()
    screenshot(page, "rules-08-unsaved-changes")
    dialog.get_by_role("button", name="Stay").click()
    expect(page).to_have_url(re.compile(rf"/rules/{rule['id']}"))
    expect(page.get_by_label("Name", exact=True)).to_have_value("Versioned rule")

    # Save v2 (Ctrl+S), change the step and save v3.
    page.keyboard.press("Control+s")
    expect(page.get_by_role("status").filter(has_text="Saved as v2.")).to_be_visible()
    step = page.get_by_test_id("step").first
    step.locator(".rl-step-title").click()
    step.get_by_label("Message").fill("second")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_role("status").filter(has_text="Saved as v3.")).to_be_visible()

    page.get_by_role("tab", name="Versions").click()
    diff = page.locator(".rl-diff")
    expect(diff.locator(".rl-diff-del").filter(has_text='"message": "first"')).to_have_count(1)
    expect(diff.locator(".rl-diff-add").filter(has_text='"message": "second"')).to_have_count(1)
    expect(diff.locator(".rl-diff-del").filter(has_text='"name": "Versioned"')).to_have_count(
        0
    )  # v2 → v3 kept the name
    page.get_by_label("Compare from v1").check()
    expect(diff.locator(".rl-diff-del").filter(has_text='"name": "Versioned"')).to_have_count(1)
    expect(diff.locator(".rl-diff-add").filter(has_text='"name": "Versioned rule"')).to_have_count(1)
    screenshot(page, "rules-09-versions-diff")

    page.get_by_role("row", name=re.compile(r"^v1")).get_by_role("button", name="Restore").click()
    page.get_by_role("dialog", name="Restore v1?").get_by_role("button", name="Restore v1").click()
    expect(page.get_by_role("status").filter(has_text="Restored as v4.")).to_be_visible()
    restored = api.get(f"/automation/rules/{rule['id']}/")
    assert restored["version"] == 4 and restored["name"] == "Versioned"
    assert restored["actions"][0]["params"] == {"message": "first"}

    # Discarding on leave really leaves.
    page.get_by_role("tab", name="Editor").click()
    page.get_by_label("Name", exact=True).fill("Never saved")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
    page.get_by_role("dialog", name="Leave without saving?").get_by_role("button", name="Discard changes").click()
    expect(page).to_have_url(re.compile(r"/rules\?"))
    assert api.get(f"/automation/rules/{rule['id']}/")["name"] == "Versioned"


def test_rules_webhook_trigger_shows_url_secret_once_and_signing(page: Page, api: Api):
    sign_in(page, "/rules/new")
    page.get_by_label("Name", exact=True).fill("Inbound hook")
    page.locator("label.rl-choice", has_text="Webhook").click()
    expect(page.get_by_text("Save the rule to get its hook URL and secret.")).to_be_visible()
    add_action(page, "log").get_by_label("Message").fill("hook called")
    page.get_by_role("button", name="Create rule").first.click()
    expect(page).to_have_url(re.compile(r"/rules/\d+"))
    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_be_visible()
    url = page.get_by_test_id("webhook-url").inner_text()
    assert re.search(r"/api/v1/automation/hooks/[\w-]+/$", url), url
    expect(page.get_by_text("X-Igny8-Signature: sha256=").first).to_be_visible()
    screenshot(page, "rules-10-webhook-secret-once")

    page.reload()  # shown once: not after a reload
    expect(page.get_by_test_id("webhook-url")).to_be_visible()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    expect(page.get_by_role("button", name="Rotate the secret")).to_be_visible()


def test_rules_reorder_steps_by_keyboard_and_by_drag(page: Page, api: Api, demo_site: dict):
    rule = api.post(
        "/automation/rules/",
        {
            "name": "Three steps",
            "site": demo_site["id"],
            "trigger": {"type": "manual"},
            "actions": [
                {"type": "log", "name": name, "params": {"message": name}} for name in ("alpha", "beta", "gamma")
            ],
        },
    )
    sign_in(page, f"/rules/{rule['id']}")
    names = page.get_by_test_id("step").locator(".rl-step-name")
    expect(names).to_have_text(["alpha", "beta", "gamma"])

    # Keyboard: focus the handle, Space picks the step up, arrows move it, Space drops it.
    # (dnd-kit measures between key presses, so give each one a frame or two.)
    page.get_by_role("button", name="Reorder step 1 (alpha)").focus()
    for key in ("Space", "ArrowDown", "ArrowDown", "Space"):
        page.keyboard.press(key)
        page.wait_for_timeout(200)
    expect(names).to_have_text(["beta", "gamma", "alpha"])
    expect(page.locator("[aria-live]").filter(has_text="dropped at position 3")).to_have_count(1)

    # Pointer: drag gamma above beta.
    handle = page.get_by_role("button", name="Reorder step 2 (gamma)").bounding_box()
    target = page.get_by_role("button", name="Reorder step 1 (beta)").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + (target["y"] - handle["y"] - 10) * step / 10)
    page.mouse.up()
    expect(names).to_have_text(["gamma", "beta", "alpha"])

    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_role("status").filter(has_text="Saved as v2.")).to_be_visible()
    assert [step["name"] for step in api.get(f"/automation/rules/{rule['id']}/")["actions"]] == [
        "gamma",
        "beta",
        "alpha",
    ]
