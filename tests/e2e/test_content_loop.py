"""The whole content loop in headless Chromium, as a new user does it on the demo: add a site, connect it to
the real WordPress the suite starts, import keywords from a CSV (one bad row first: nothing saved), run the
seven-stage pipeline, open an article and read it, edit its title, reject another with a note, approve the
first, publish it, and find the post on WordPress with its featured image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Api, screenshot, sign_in, wait_for_run
from tests.support.wordpress import WordPressSite, rest_read, wordpress  # noqa: F401  (the session fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.wordpress]

OWN_STACK = ("loop", 11)  # a stack of its own (tests/e2e/conftest.py `stack`), Redis database 11: it spends credits
RUN_TIMEOUT_S = 180

BAD_CSV = """keyword,volume,difficulty,intent
cold brew ratio,2400,35,informational
cold brew concentrate,lots,20,informational
"""
GOOD_CSV = """keyword,volume,difficulty,intent
cold brew ratio,2400,35,informational
cold brew concentrate,1300,20,informational
how to make cold brew,5400,30,informational
"""


def choose_file(page: Page, path: Path, button: str) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def review_titles(api: Api, site_id: int) -> list[dict]:
    return api.get(f"/content/?site={site_id}&status=review&page_size=50")["results"]


def test_a_new_user_goes_from_keywords_to_a_post_on_wordpress(
    page: Page,
    api: Api,
    console,
    tmp_path: Path,
    wordpress: WordPressSite,  # noqa: F811
):
    # A site, connected to the real WordPress, the connection tested.
    sign_in(page, "/sites")
    page.get_by_role("button", name="Add site").click()
    form = page.get_by_role("form", name="Add a site")
    form.get_by_label("Name").fill("Cold Brew Club")
    form.get_by_label("Domain").fill("coldbrew.example.com")
    form.get_by_role("button", name="Add site").click()
    card = page.get_by_role("article", name="Cold Brew Club")
    expect(card).to_be_visible()
    site = next(s for s in api.get("/sites/?page_size=100")["results"] if s["domain"] == "coldbrew.example.com")
    card.get_by_role("button", name="WordPress", exact=True).click()
    card.get_by_label("WordPress URL").fill(wordpress.url)
    card.get_by_label("WordPress user").fill(wordpress.username)
    card.get_by_label("Application password").fill(wordpress.application_password)
    card.get_by_role("button", name="Connect WordPress").click()
    expect(card.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_label("Connection test result")).to_contain_text("REST mode")
    screenshot(page, "loop-01-site-connected")

    # Keywords from a CSV: one bad row first (nothing saved), then the fixed file.
    page.goto(f"/keywords?site={site['id']}")
    page.locator(".kw-header-actions").get_by_role("button", name="Import CSV").click()
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    choose_file(page, tmp_path / "bad.csv", "Choose CSV file…")
    expect(page.get_by_test_id("import-summary")).to_have_text(re.compile(r"2 rows: 1 with problems"))
    expect(page.get_by_role("button", name=re.compile(r"^Import \d"))).to_be_disabled()
    assert api.get(f"/keywords/?site={site['id']}&page_size=1")["count"] == 0
    screenshot(page, "loop-02-import-bad-row")
    (tmp_path / "keywords.csv").write_text(GOOD_CSV)
    choose_file(page, tmp_path / "keywords.csv", "Choose another file…")
    page.get_by_role("button", name="Import 3 keywords").click()
    expect(page.get_by_role("status").filter(has_text="Imported 3 keywords")).to_be_visible()
    assert api.get(f"/keywords/?site={site['id']}&page_size=1")["count"] == 3

    # The pipeline, started from the dashboard: two ideas per cluster, so there is one article to reject and
    # one to publish.
    api.call("PUT", f"/automation/config/?site_id={site['id']}", {"ideas_per_cluster": 2, "between_stage_delay": 0})
    page.goto(f"/automation?site={site['id']}")
    page.get_by_role("button", name="Run now").click()
    started = page.get_by_text(re.compile(r"Run run_\w+ started\."))
    expect(started).to_be_visible()
    run_id = re.search(r"run_\w+", started.inner_text()).group(0)
    run = wait_for_run(api, run_id, {"completed", "failed", "cancelled"}, timeout=RUN_TIMEOUT_S)
    assert run["status"] == "completed", run
    articles = review_titles(api, site["id"])
    assert len(articles) >= 2, articles
    first, second = articles[0], articles[1]
    screenshot(page, "loop-03-pipeline-done")

    # Read the first article from the review list, then edit its title.
    page.goto(f"/content?status=review&site={site['id']}")
    page.get_by_role("link", name=first["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1, name=first["title"])).to_be_visible()
    frame = page.frame_locator('iframe[data-testid="article-frame"]')
    expect(frame.locator("body")).to_contain_text(re.compile(r"\w+ \w+ \w+"))
    screenshot(page, "loop-04-reader")
    new_title = f"{first['title']} (edited)"
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Title", exact=True).fill(new_title)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name=new_title)).to_be_visible()

    # Reject the second with a note: it goes back to draft with the note kept.
    page.goto(f"/content/{second['id']}?site={site['id']}")
    page.get_by_role("button", name="Reject…").click()
    dialog = page.get_by_role("dialog", name=re.compile("Reject"))
    dialog.get_by_label("Note for the writer").fill("Open with the ratio, then the steps.")
    dialog.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_test_id("review-note")).to_contain_text("Open with the ratio, then the steps.")
    rejected = api.get(f"/content/{second['id']}/")
    assert (rejected["status"], rejected["review_note"]) == ("draft", "Open with the ratio, then the steps.")

    # Approve the first and publish it live.
    page.goto(f"/content/{first['id']}?site={site['id']}")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
    page.get_by_role("button", name="Publish…").click()
    publish = page.get_by_role("dialog", name=re.compile("Publish"))
    publish.get_by_label(re.compile("^Published")).check()
    publish.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_test_id("publish-detail")).to_have_text("Published as live on the site.", timeout=60_000)
    link = page.get_by_test_id("post-link")
    expect(link).to_be_visible()
    screenshot(page, "loop-05-published")

    # The post is on WordPress: the edited title, live, with the featured image uploaded.
    published = api.get(f"/content/{first['id']}/")
    assert published["status"] == "published" and published["publish_status"] == "published", published
    post = rest_read(wordpress, f"wp/v2/posts/{published['external_id']}")
    assert post["title"]["raw"] == new_title
    assert post["status"] == "publish"
    assert link.get_attribute("href") == published["external_url"] == post["link"]
    assert post["featured_media"], "the post has no featured image"
    media = rest_read(wordpress, f"wp/v2/media/{post['featured_media']}")
    assert media["media_type"] == "image" and media["source_url"]
