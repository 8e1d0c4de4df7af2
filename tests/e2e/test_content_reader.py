"""The content screens in headless Chromium against the real stack: the list's title links, bulk reject and
the publish states; the article reader (read, images with a real regeneration on the worker, SEO panel),
edit with CodeMirror and a live preview, reject with a note, approve, publish refused without WordPress;
an article whose stored HTML holds a script and an onerror attribute renders without running either; a
phone and dark mode.

This module runs on a stack of its own (module scope, same harness as stack.py): regenerating an image
spends credits and the articles here fill the review lists, which test_web_app.py expects untouched on
the package-wide stack. Publishing to a real WordPress is the loop test's job; here the publish UI states
are reached without one (the 400 "no WordPress connection", and failed / queued / published rows written
straight into the database).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    PHONE,
    Api,
    ConsoleLog,
    screenshot,
    sign_in,
)
from tests.e2e.conftest import no_overflow as overflow_check
from tests.e2e.stack import Stack, manage

pytestmark = pytest.mark.e2e

OWN_STACK = ("content", 9)  # a stack of its own (tests/e2e/conftest.py `stack`), Redis database 9

BODY = (
    "<h2>Ratios that work</h2><p>Use one part coarse coffee to eight parts cold water.</p>"
    "<ul><li>Steep for twelve hours</li><li>Filter twice</li></ul>"
    "<p>Serve it over ice, or dilute it with milk.</p>"
)

# Stored raw, past the sanitizer: each part would leave a trace if it ever ran.
HOSTILE = (
    "<h2>Hostile markup</h2><p>Plain words stay.</p>"
    "<script>window.parent.__xss = 'script'; parent.document.title = 'pwned';"
    " fetch('/api/v1/xss-probe/script');</script>"
    "<img src=x onerror=\"window.parent.__xss = 'img'; document.body.setAttribute('data-pwned', 'img');"
    " fetch('/api/v1/xss-probe/img')\">"
    "<a href=\"javascript:parent.__xss='link'\">A scheme link</a>"
)

# What a script or handler in the article frame would have left behind.
TRACES = """() => {
  const frame = document.querySelector('iframe[data-testid="article-frame"]');
  const doc = frame.contentDocument;
  return {
    xss: window.__xss ?? null,
    title: document.title,
    frameTitle: doc.title,
    pwned: doc.body.getAttribute('data-pwned'),
    sandbox: frame.getAttribute('sandbox'),
    scripts: doc.querySelectorAll('script').length,
    handlers: doc.querySelectorAll('[onerror]').length,
    jsLinks: [...doc.querySelectorAll('a')].filter((a) => a.getAttribute('href')?.startsWith('javascript:')).length,
    text: doc.body.textContent,
  };
}"""


@pytest.fixture(scope="module")
def site(api: Api) -> dict:
    """A site of its own (no WordPress connection): the demo site's lists stay as the seed made them."""
    return api.post("/sites/", {"name": "Reader Blog", "domain": "reader.example.com"})


@pytest.fixture
def dark_page(browser, stack: Stack, console: ConsoleLog):
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.watch(page)
    yield page
    context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)


@pytest.fixture
def phone_dark_page(browser, stack: Stack, console: ConsoleLog):
    context = browser.new_context(base_url=stack.base_url, viewport=PHONE, color_scheme="dark")
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.watch(page)
    yield page
    context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)


def article(api: Api, site_id: int, title: str, *, status: str = "review", **fields) -> dict:
    """An article with SEO fields, moved to `status` the way the pipeline's review gate does."""
    body = {
        "site": site_id,
        "title": title,
        "html_content": BODY,
        "excerpt": f"{title}: the short version.",
        "meta_title": f"{title} | Reader Blog guide to better coffee"[:58],
        "meta_description": "Too short to be a good description.",
        "primary_keyword": "cold brew",
        **fields,
    }
    item = api.post("/content/", body)
    if status == "draft":
        return item
    item = api.patch(f"/content/{item['id']}/", {"status": "review"})
    return api.post(f"/content/{item['id']}/approve/") if status == "approved" else item


def write_raw(stack: Stack, content_id: int, **fields) -> None:
    """Write content fields straight into the database, past the API (and its sanitizer)."""
    assignments = ", ".join(f"{name}={value!r}" for name, value in fields.items())
    manage(
        stack.env,
        "shell",
        "-c",
        f"from backend.writer.models import Content; Content.objects.filter(pk={content_id}).update({assignments})",
    )


def no_overflow(page: Page) -> None:
    overflow_check(page, ignore=".tabs, .sidenav ul, .cm-editor")  # the code editor scrolls on its own


def assert_frame_fits(page: Page) -> None:
    """The article frame is as tall as its article: no inner scrollbar, no empty space below it."""
    frame = page.get_by_test_id("article-frame")
    height, content = frame.evaluate(
        "(f) => [f.getBoundingClientRect().height, f.contentDocument.body.getBoundingClientRect().height]"
    )
    assert abs(height - content) <= 2, f"the frame is {height}px for {content}px of article"


def take_blocked_script_errors(console: ConsoleLog) -> int:
    """The frame's refusals to run script are expected (Chromium logs each); any other error is not."""
    blocked = [e for e in console.errors if "sandboxed" in e or "Content Security Policy" in e]
    console.errors = [e for e in console.errors if e not in blocked]
    return len(blocked)


def test_it_reads_edits_rejects_and_approves_articles_from_the_list(page: Page, api: Api, site: dict, console):
    first = article(api, site["id"], "Cold brew at home")
    second = article(api, site["id"], "Choosing a burr grinder")
    featured = api.post(
        "/images/",
        {
            "site": site["id"],
            "content": first["id"],
            "kind": "featured",
            "position": 0,
            "prompt": "A glass of cold brew",
            "status": "failed",
        },
    )
    api.post(
        "/images/",
        {
            "site": site["id"],
            "content": first["id"],
            "kind": "in_article",
            "position": 1,
            "prompt": "A coffee scale",
            "status": "failed",
        },
    )

    sign_in(page, f"/content?status=review&site={site['id']}")
    expect(page.get_by_test_id("content-row")).to_have_count(2)
    screenshot(page, "content-01-list-review")

    # The title is the link to the reader.
    page.get_by_role("link", name=first["title"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/content/{first['id']}\?site={site['id']}$"))
    expect(page.get_by_role("heading", level=1, name=first["title"])).to_be_visible()
    frame = page.frame_locator('iframe[data-testid="article-frame"]')
    expect(frame.get_by_role("heading", name="Ratios that work")).to_be_visible()
    expect(frame.get_by_text("Filter twice")).to_be_visible()
    seo = page.get_by_test_id("seo-panel")
    expect(seo).to_contain_text("cold brew")
    expect(seo.get_by_test_id("seo-words")).to_have_text(str(first["word_count"]))
    expect(seo.get_by_test_id("seo-meta-description")).to_contain_text("short, recommended 120–160")
    assert_frame_fits(page)
    cards = page.get_by_test_id("image-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Featured image")
    expect(cards.nth(0).get_by_test_id("image-status")).to_have_text("Failed")
    screenshot(page, "content-02-reader")

    # Regenerate the featured image with an edited prompt: the worker makes it with the local provider.
    cards.nth(0).get_by_role("button", name="Regenerate featured image").click()
    prompt = cards.nth(0).get_by_label("Prompt")
    expect(prompt).to_have_value("A glass of cold brew")
    prompt.fill("Cold brew in a mason jar, morning light")
    cards.nth(0).get_by_role("button", name="Regenerate image").click()
    expect(cards.nth(0).get_by_test_id("image-status")).to_have_text("Generated", timeout=30_000)
    expect(cards.nth(0).get_by_role("img")).to_be_visible()
    # The new featured image shows above the article, loaded from its signed URL.
    page.wait_for_function("() => document.querySelector('img.ct-featured')?.naturalWidth > 0")
    stored = api.get(f"/images/{featured['id']}/")
    assert (stored["prompt"], stored["status"]) == ("Cold brew in a mason jar, morning light", "generated")
    assert_frame_fits(page)
    screenshot(page, "content-03-reader-image-regenerated")

    # Edit: a blank title is refused at its field and nothing is saved; then a real edit.
    page.get_by_role("button", name="Edit", exact=True).click()
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_value(first["title"])
    editor = page.locator(".cm-content")
    expect(editor).to_be_visible()
    expect(page.get_by_role("textbox", name="Body (HTML)")).to_be_visible()
    title.fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This field may not be blank.")).to_be_visible()
    expect(title).to_have_attribute("aria-invalid", "true")
    screenshot(page, "content-05-edit-error")
    assert api.get(f"/content/{first['id']}/")["title"] == first["title"]

    title.fill("Cold brew at home, step by step")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Paragraph").click()
    page.keyboard.type("Added in the editor.")
    preview = page.frame_locator('iframe[title="Preview of the edited article"]')
    expect(preview.get_by_text("Added in the editor.")).to_be_visible()
    expect(page.get_by_test_id("seo-words")).to_contain_text(str(first["word_count"] + 4))
    page.get_by_label("Meta description").fill(
        "Cold brew at home without special gear: the ratio that works, the steeping time,"
        " how to filter it twice and how to serve it."
    )
    expect(page.get_by_test_id("seo-meta-description")).to_contain_text("within the recommended 120–160")
    screenshot(page, "content-04-edit")

    # Leaving with unsaved changes asks first.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Content").click()
    guard = page.get_by_role("dialog", name="Discard your changes?")
    expect(guard).to_be_visible()
    guard.get_by_role("button", name="Keep editing").click()
    expect(page).to_have_url(re.compile(rf"/content/{first['id']}"))

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Cold brew at home, step by step")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(frame.get_by_text("Added in the editor.")).to_be_visible()
    saved = api.get(f"/content/{first['id']}/")
    assert saved["title"] == "Cold brew at home, step by step"
    assert "<p>Added in the editor.</p>" in saved["html_content"]

    # Reject with a note: back to Draft, the note shown on the article and in the Draft list.
    page.get_by_role("button", name="Reject…").click()
    dialog = page.get_by_role("dialog", name=re.compile("Reject “Cold brew at home, step by step”"))
    expect(dialog.get_by_label("Note for the writer")).to_be_focused()
    dialog.get_by_role("button", name="Reject", exact=True).click()
    expect(dialog.get_by_text("Write what should change")).to_be_visible()
    dialog.get_by_label("Note for the writer").fill("Add a section on water temperature and grind size.")
    screenshot(page, "content-06-reject-dialog")
    dialog.get_by_role("button", name="Reject", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("review-note")).to_have_text(
        "Rejected: Add a section on water temperature and grind size."
    )
    expect(page.get_by_role("status").filter(has_text="back in Draft with your note")).to_be_focused()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "content-07-reader-rejected")
    rejected = api.get(f"/content/{first['id']}/")
    assert (rejected["status"], rejected["review_note"]) == (
        "draft",
        "Add a section on water temperature and grind size.",
    )

    page.get_by_role("link", name="Draft content").click()
    row = page.get_by_test_id("content-row").filter(has_text="Cold brew at home, step by step")
    expect(row).to_be_visible()
    expect(row.get_by_test_id("row-review-note")).to_contain_text("Rejected: Add a section on water temperature")
    screenshot(page, "content-08-list-draft-with-note")

    # Approve the other one from its reader; publishing it is refused without a WordPress connection.
    page.get_by_test_id("tab-review").click()
    page.get_by_role("link", name=second["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1, name=second["title"])).to_be_visible()  # the reader, not the list
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
    assert api.get(f"/content/{second['id']}/")["status"] == "approved"
    page.get_by_role("button", name="Publish…").click()
    publish = page.get_by_role("dialog", name=re.compile("Publish: “Choosing a burr grinder”"))
    publish.get_by_label(re.compile("^Draft")).check()
    publish.get_by_role("button", name="Publish", exact=True).click()
    refusal = publish.get_by_role("alert")
    expect(refusal).to_contain_text("WordPress")
    expect(refusal.get_by_role("link", name="Connect WordPress in Sites")).to_be_visible()
    screenshot(page, "content-09-publish-no-wordpress")
    assert api.get(f"/content/{second['id']}/")["publish_status"] == ""
    console.expect("400")  # the blank title and the refused publish


def test_it_bulk_rejects_and_shows_the_publish_states_in_the_list(
    page: Page, api: Api, site: dict, stack: Stack, console
):
    a = article(api, site["id"], "Bulk one: espresso basics")
    b = article(api, site["id"], "Bulk two: milk frothing")
    sign_in(page, f"/content?status=review&site={site['id']}")
    for item in (a, b):
        page.get_by_label(f"Select “{item['title']}”").check()
    page.get_by_role("button", name="Reject selected (2)…").click()
    dialog = page.get_by_role("dialog", name="Reject 2 articles?")
    dialog.get_by_label("Note for the writer").fill("Both need sources for their claims.")
    screenshot(page, "content-10-bulk-reject-dialog")
    dialog.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Rejected 2 items")).to_be_focused()
    for item in (a, b):
        stored = api.get(f"/content/{item['id']}/")
        assert (stored["status"], stored["review_note"]) == ("draft", "Both need sources for their claims.")

    # The publish states the worker would write, written straight into the database (no WordPress here).
    failed = article(api, site["id"], "Failed to publish: grinder care", status="approved")
    queued = article(api, site["id"], "Queued: descaling a kettle", status="approved")
    live = article(api, site["id"], "Published: latte art", status="approved")
    write_raw(
        stack,
        failed["id"],
        publish_status="failed",
        publish_error="WordPress answered 401: the application password was refused.",
    )
    write_raw(stack, queued["id"], publish_status="queued")
    write_raw(
        stack,
        live["id"],
        status="published",
        publish_status="published",
        post_status="publish",
        external_id="41",
        external_url="https://reader.example.com/latte-art/",
    )
    page.get_by_test_id("tab-approved").click()
    failed_row = page.get_by_test_id("content-row").filter(has_text=failed["title"])
    expect(failed_row.get_by_test_id("publish-badge")).to_have_text("Failed")
    expect(failed_row.get_by_test_id("row-publish-error")).to_contain_text("application password was refused")
    queued_row = page.get_by_test_id("content-row").filter(has_text=queued["title"])
    expect(queued_row.get_by_test_id("publish-badge")).to_have_text("Queued")
    screenshot(page, "content-11-list-approved-publish-states")

    # Retry is another publish call: refused here (no WordPress connection), the reason shown.
    failed_row.get_by_role("button", name=f"Retry publishing “{failed['title']}”").click()
    alert = page.get_by_role("alert").filter(has_text="Could not publish")
    expect(alert).to_contain_text("WordPress")
    console.expect("400")

    # Bulk publish is validated all-or-nothing before anything is queued.
    page.get_by_label(f"Select “{failed['title']}”").check()
    page.get_by_role("button", name="Publish selected (1)…").click()
    dialog = page.get_by_role("dialog", name="Publish 1 article on WordPress")
    dialog.get_by_role("button", name="Publish", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("WordPress")
    console.expect("400")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert api.get(f"/content/{failed['id']}/")["publish_status"] == "failed"

    page.get_by_test_id("tab-published").click()
    live_row = page.get_by_test_id("content-row").filter(has_text=live["title"])
    expect(live_row.get_by_test_id("publish-badge")).to_have_text("Published")
    expect(live_row.get_by_role("link", name=f"View the post of “{live['title']}”")).to_have_attribute(
        "href", "https://reader.example.com/latte-art/"
    )
    screenshot(page, "content-12-list-published")
    live_row.get_by_role("link", name=live["title"], exact=True).click()
    expect(page.get_by_role("button", name="Update post…")).to_be_visible()
    expect(page.get_by_test_id("post-link")).to_have_attribute("href", "https://reader.example.com/latte-art/")
    expect(page.get_by_test_id("publish-detail")).to_have_text("Published as live on the site.")
    screenshot(page, "content-13-reader-published")


def test_it_requeues_a_rejected_draft_for_the_writer(page: Page, api: Api, site: dict):
    task = api.post("/tasks/", {"site": site["id"], "title": "Aeropress recipes", "status": "completed"})
    item = article(api, site["id"], "Aeropress recipes", task=task["id"])
    api.post(f"/content/{item['id']}/reject/", {"note": "Add the inverted method."})
    sign_in(page, f"/content/{item['id']}?site={site['id']}")
    expect(page.get_by_test_id("review-note")).to_have_text("Rejected: Add the inverted method.")
    page.get_by_role("button", name="Re-generate").click()
    expect(page.get_by_role("status").filter(has_text="Re-queued")).to_be_focused()
    assert api.get(f"/tasks/{task['id']}/")["status"] == "queued"
    stored = api.get(f"/content/{item['id']}/")
    assert (stored["status"], stored["review_note"]) == ("draft", "Add the inverted method.")


def test_stored_script_and_onerror_never_run(page: Page, api: Api, site: dict, stack: Stack, console):
    item = article(api, site["id"], "Hostile HTML from a provider")
    write_raw(stack, item["id"], html_content=HOSTILE)
    probes: list[str] = []
    page.on("request", lambda request: probes.append(request.url) if "xss-probe" in request.url else None)

    # Layer 1: the server sanitizes on read, so the browser never receives the script or the handler.
    served = api.get(f"/content/{item['id']}/")["html_content"]
    assert "<script" not in served and "onerror" not in served and "javascript:" not in served, served
    sign_in(page, f"/content/{item['id']}?site={site['id']}")
    frame = page.frame_locator('iframe[data-testid="article-frame"]')
    expect(frame.get_by_text("Plain words stay.")).to_be_visible()
    page.wait_for_timeout(500)  # time for an image error handler to have fired, had it been allowed
    traces = page.evaluate(TRACES)
    assert traces["xss"] is None and traces["pwned"] is None and "pwned" not in traces["title"], traces
    assert (traces["scripts"], traces["handlers"], traces["jsLinks"]) == (0, 0, 0), traces
    assert "allow-scripts" not in traces["sandbox"].split(), traces
    assert probes == []
    screenshot(page, "content-14-hostile-html")

    # Layer 2: even the raw HTML (as if the sanitizer had missed it) runs nothing in the sandboxed frame.
    raw = {**api.get(f"/content/{item['id']}/"), "html_content": HOSTILE}
    page.route(
        re.compile(rf"/api/v1/content/{item['id']}/$"),
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(raw)),
    )
    page.reload()
    expect(frame.get_by_text("Plain words stay.")).to_be_visible()
    page.wait_for_timeout(500)
    traces = page.evaluate(TRACES)
    assert (traces["scripts"], traces["handlers"], traces["jsLinks"]) == (1, 1, 1), traces  # there, inert
    assert traces["xss"] is None and traces["pwned"] is None, traces
    assert "pwned" not in traces["title"] and traces["frameTitle"] != "pwned", traces
    assert probes == []
    take_blocked_script_errors(console)


def test_it_shows_content_not_found(page: Page, site: dict, console):
    sign_in(page, f"/content/987654?site={site['id']}")
    expect(page.get_by_role("heading", level=1, name="Content not found")).to_be_visible()
    page.get_by_role("link", name="Back to content").click()
    expect(page).to_have_url(re.compile(rf"/content\?site={site['id']}$"))
    console.expect("404")


def test_it_works_on_a_phone(phone_page: Page, api: Api, site: dict):
    page = phone_page
    item = article(api, site["id"], "Phone reading: travel grinders compared side by side")
    sign_in(page, f"/content?status=review&site={site['id']}")
    expect(page.get_by_test_id("content-row").first).to_be_visible()
    no_overflow(page)
    screenshot(page, "content-15-phone-list")

    page.get_by_role("link", name=item["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1, name=item["title"])).to_be_visible()
    expect(page.frame_locator('iframe[data-testid="article-frame"]').get_by_text("Filter twice")).to_be_visible()
    no_overflow(page)
    screenshot(page, "content-16-phone-reader")

    page.get_by_role("button", name="Reject…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    no_overflow(page)
    screenshot(page, "content-17-phone-reject-dialog")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("button", name="Reject…")).to_be_focused()

    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.locator(".cm-content")).to_be_visible()
    expect(page.get_by_text("Ctrl+S saves.")).to_be_hidden()
    no_overflow(page)
    screenshot(page, "content-18-phone-edit")


def test_it_works_in_dark_mode(dark_page: Page, phone_dark_page: Page, api: Api, site: dict):
    page = dark_page
    item = article(api, site["id"], "Dark mode reading: pour-over at night")
    sign_in(page, f"/content/{item['id']}?site={site['id']}")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    frame = page.frame_locator('iframe[data-testid="article-frame"]')
    expect(frame.get_by_text("Filter twice")).to_be_visible()
    colours = page.get_by_test_id("article-frame").evaluate(
        "(f) => { const s = getComputedStyle(f.contentDocument.body); return [s.color, s.backgroundColor]; }"
    )
    assert colours == ["rgb(232, 234, 239)", "rgb(23, 26, 33)"], colours
    screenshot(page, "content-19-dark-reader")

    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.locator(".cm-content")).to_be_visible()
    screenshot(page, "content-20-dark-edit")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Reject…").click()
    screenshot(page, "content-21-dark-reject-dialog")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    page.get_by_role("link", name="Review content").click()
    expect(page.get_by_test_id("content-row").first).to_be_visible()
    screenshot(page, "content-22-dark-list")

    sign_in(phone_dark_page, f"/content/{item['id']}?site={site['id']}")
    expect(
        phone_dark_page.frame_locator('iframe[data-testid="article-frame"]').get_by_text("Filter twice")
    ).to_be_visible()
    no_overflow(phone_dark_page)
    screenshot(phone_dark_page, "content-23-phone-dark-reader")
