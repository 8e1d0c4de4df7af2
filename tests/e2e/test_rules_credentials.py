"""The rule editor's credentials (write-only, sent with the save), the saved rule's warnings at their place,
a webhook's secret headers picking a credential, and the placeholder preview — in headless Chromium against
the real stack."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, _open_page, no_overflow, screenshot, sign_in

pytestmark = pytest.mark.e2e


def make_rule(api: Api, site_id: int) -> dict:
    return api.post(
        "/automation/rules/",
        {
            "name": "Tell the CRM about keywords",
            "site": site_id,
            "is_active": False,
            "trigger": {"type": "event", "event": "keyword.created", "fields": []},
            "conditions": {">": [{"var": "object.wordcount"}, 800]},
            "actions": [
                {
                    "type": "webhook",
                    "params": {"url": "https://crm.example.com/hook", "secret_headers": {"Authorization": "crm_token"}},
                },
                {
                    "type": "log",
                    "if": {"==": [{"var": "object.colour"}, "red"]},
                    "params": {
                        "message": "New keyword {object.text} ({object.volume}) {object.nope} {steps.step-1.output.ids}"
                    },
                },
            ],
            "credentials": {"crm_token": "Bearer first"},
        },
    )


def test_rules_credentials_warnings_and_placeholder_preview(page: Page, console, api: Api, demo_site: dict):
    rule = make_rule(api, demo_site["id"])
    assert rule["credential_names"] == ["crm_token"]
    assert set(rule["warnings"]) == {"conditions", "actions.1.if"}

    sign_in(page, f"/rules/{rule['id']}?site={demo_site['id']}")
    expect(page.get_by_test_id("warning-summary")).to_contain_text("2 warnings")
    expect(page.get_by_test_id("conditions-warnings")).to_contain_text("object.wordcount")
    expect(
        page.locator('[data-testid="step"][data-path="actions.1"]').get_by_test_id("entry-warning-chip")
    ).to_be_visible()

    panel = page.get_by_test_id("credentials-panel")
    expect(panel.get_by_test_id("credential")).to_have_count(1)
    expect(panel).to_contain_text("used by step-1 (Authorization)")
    expect(panel).not_to_contain_text("Bearer first")

    # The webhook's secret header picks one of the rule's credentials.
    webhook = page.locator('[data-testid="step"][data-path="actions.0"]')
    webhook.locator(".rl-step-title").click()
    expect(webhook.get_by_test_id("secret-headers").get_by_label("Credential")).to_have_value("crm_token")

    # The log step's message previews its placeholders.
    log = page.locator('[data-testid="step"][data-path="actions.1"]')
    log.locator(".rl-step-title").click()
    expect(log.get_by_test_id("entry-warnings")).to_contain_text("Run only if: object.colour")
    preview = log.get_by_test_id("placeholder-preview")
    expect(preview).to_contain_text("{object.nope}: not in what the trigger carries: stays as written")
    expect(preview).to_contain_text("filled when the run reaches this step")
    screenshot(page, "rules-credentials-01-warnings-preview")

    # Add a credential and replace the first one's value; both go with the save.
    panel.get_by_test_id("credential-name").fill("erp_key")
    panel.get_by_test_id("credential-value").fill("k-123")
    panel.get_by_test_id("credential-add").click()
    panel.get_by_role("button", name="Replace the value of crm_token").click()
    panel.get_by_label("New value for crm_token").fill("Bearer second")
    panel.get_by_role("button", name="Set", exact=True).click()
    expect(panel.locator('[data-name="erp_key"]').get_by_test_id("credential-state")).to_have_text("added on save")
    screenshot(page, "rules-credentials-02-pending")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text(re.compile(r"Saved as v\d+\."))).to_be_visible()
    expect(panel.locator('[data-name="erp_key"]').get_by_test_id("credential-state")).to_have_text("set")
    assert api.get(f"/automation/rules/{rule['id']}/")["credential_names"] == ["crm_token", "erp_key"]

    # A secret-looking plain header is refused at its row.
    headers = webhook.get_by_test_id("headers")
    headers.get_by_role("button", name="Add header").click()
    headers.get_by_label("Header 1", exact=True).fill("X-Api-Token")
    expect(headers.get_by_test_id("header-secret-hint")).to_be_visible()
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(headers).to_contain_text("looks like a secret")
    console.expect("400")
    screenshot(page, "rules-credentials-03-secret-header-refused")


def test_rules_credentials_phone_and_dark(browser, stack, console, api: Api, demo_site: dict):
    rule = make_rule(api, demo_site["id"])
    for name, viewport, scheme in (
        ("phone", {"width": 375, "height": 812}, "light"),
        ("dark", {"width": 1280, "height": 800}, "dark"),
    ):
        context, page = _open_page(browser, stack, console, viewport, scheme)
        sign_in(page, f"/rules/{rule['id']}?site={demo_site['id']}")
        expect(page.get_by_test_id("credentials-panel")).to_be_visible()
        log = page.locator('[data-testid="step"][data-path="actions.1"]')
        log.locator(".rl-step-title").click()
        expect(log.get_by_test_id("placeholder-preview")).to_be_visible()
        webhook = page.locator('[data-testid="step"][data-path="actions.0"]')
        webhook.locator(".rl-step-title").click()
        expect(webhook.get_by_test_id("secret-headers")).to_be_visible()
        if name == "phone":
            no_overflow(page, ".tabs, .sidenav ul, .rl-tabs-wrap")  # the tab strip scrolls on its own
        screenshot(page, f"rules-credentials-04-{name}")
        context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)
