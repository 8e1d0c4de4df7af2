"""The Keywords and Clusters screens in headless Chromium: CSV import with a preview (nothing saved on a bad row),
filters, search and sort, bulk disable / enable / delete, add one, paste many, clusters with their members;
at desktop and phone width and in dark mode."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Api, no_overflow, screenshot, sign_in

pytestmark = pytest.mark.e2e

# What may be wider than a phone because it scrolls in a box of its own (the import preview's table).
SCROLLS_ON_ITS_OWN = ".tabs, .sidenav ul, .kw-scroll"

_sites = itertools.count(1)

BAD_CSV = """keyword,volume,difficulty,intent
cold brew ratio,2400,35,informational
bad row keyword,lots,10,informational
best burr grinder,900,48,commercial
"""
FIXED_CSV = BAD_CSV.replace("lots", "150")


@pytest.fixture
def site(api: Api) -> dict:
    """A site of its own for each test, so the keyword lists it checks hold only what it arranged."""
    n = next(_sites)
    return api.post("/sites/", {"name": f"Keyword garden {n}", "domain": f"keywords-{n}.example.com"})


def add_keywords(api: Api, site: dict, rows: list[dict]) -> list[int]:
    return api.post("/keywords/bulk_create/", {"site": site["id"], "keywords": rows})["ids"]


def keyword_count(api: Api, site: dict, query: str = "") -> int:
    return api.get(f"/keywords/?site={site['id']}&page_size=1{query}")["count"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def choose_file(page, path: Path, button: str = "Choose CSV file…") -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def rows(page):
    return page.get_by_test_id("keyword-row")


def shown_keywords(page) -> list[str]:
    return rows(page).evaluate_all("(rows) => rows.map((row) => row.dataset.keyword)")


def test_it_imports_a_csv_only_when_every_row_is_right(page, console, api: Api, site: dict, tmp_path: Path):
    sign_in(page, f"/keywords?site={site['id']}")
    expect(page.get_by_role("heading", name="No keywords yet")).to_be_visible()
    screenshot(page, "keywords-01-empty")

    page.locator(".kw-header-actions").get_by_role("button", name="Import CSV").click()
    panel = page.get_by_role("region", name="Import keywords from a CSV file")
    expect(panel.get_by_role("heading", name="Import keywords from a CSV file")).to_be_focused()
    # The hidden file input takes no Tab stop: Tab goes from Close straight to the button that opens it.
    file_input = page.get_by_test_id("csv-file-input")
    assert file_input.evaluate("(el) => el.hidden && el.tabIndex === -1")
    panel.get_by_role("button", name="Close").focus()
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Choose CSV file…")).to_be_focused()

    # One bad row: the preview shows it at its row, Import stays disabled, nothing is saved.
    choose_file(page, write(tmp_path, "keywords.csv", BAD_CSV))
    expect(page.get_by_test_id("import-summary")).to_have_text(re.compile(r"3 rows: 1 with problems"))
    bad = page.locator('[data-testid="preview-row"][data-line="3"]')
    expect(bad).to_have_class(re.compile("kw-row-error"))
    expect(bad).to_contain_text("Volume: A valid integer is required.")
    expect(page.locator('[data-testid="preview-row"][data-line="2"]')).to_contain_text("OK")
    expect(panel.get_by_role("button", name=re.compile(r"^Import \d"))).to_be_disabled()
    screenshot(page, "keywords-02-import-preview-error")
    assert keyword_count(api, site) == 0

    # The fixed file: every row ready. Someone adds one of its keywords meanwhile: the import is refused at
    # that row and saves nothing.
    choose_file(page, write(tmp_path, "keywords-fixed.csv", FIXED_CSV), button="Choose another file…")
    expect(page.get_by_test_id("import-summary")).to_have_text(re.compile(r"3 rows: all ready to import"))
    (clash,) = add_keywords(api, site, [{"text": "best burr grinder"}])
    panel.get_by_role("button", name="Import 3 keywords").click()
    expect(panel.get_by_role("alert").filter(has_text="Nothing was imported")).to_be_visible()
    expect(page.locator('[data-testid="preview-row"][data-line="4"]')).to_contain_text("already exists")
    expect(panel.get_by_role("button", name="Import 3 keywords")).to_be_disabled()
    screenshot(page, "keywords-03-import-refused-at-row")
    assert keyword_count(api, site) == 1
    console.expect("import_csv")  # the refused import's 400

    api.call("DELETE", f"/keywords/{clash}/")
    choose_file(page, write(tmp_path, "keywords-fixed.csv", FIXED_CSV), button="Choose another file…")
    panel.get_by_role("button", name="Import 3 keywords").click()
    expect(page.get_by_role("status").filter(has_text="Imported 3 keywords from keywords-fixed.csv.")).to_be_visible()
    expect(panel).to_have_count(0)
    expect(page.locator(".kw-header-actions").get_by_role("button", name="Import CSV")).to_be_focused()
    expect(rows(page)).to_have_count(3)
    assert shown_keywords(page) == ["cold brew ratio", "best burr grinder", "bad row keyword"]  # by volume
    screenshot(page, "keywords-04-imported")
    assert keyword_count(api, site) == 3


def test_it_filters_searches_sorts_and_pages(page, console, api: Api, site: dict):
    cluster = api.post("/clusters/", {"site": site["id"], "name": "Espresso"})
    ids = add_keywords(
        api,
        site,
        [
            {"text": "espresso machine", "volume": 5000, "difficulty": 60, "intent": "commercial"},
            {"text": "espresso grind size", "volume": 800, "difficulty": 20},
            {"text": "cold brew at home", "volume": 1200, "difficulty": 15},
            {"text": "pour over kettle", "volume": 300, "difficulty": 30, "intent": "transactional"},
        ]
        + [{"text": f"long tail coffee {i:02d}", "volume": 10 + i} for i in range(24)],
    )
    for keyword_id in ids[:2]:
        api.patch(f"/keywords/{keyword_id}/", {"cluster": cluster["id"]})
    api.post("/keywords/bulk_update/", {"ids": [ids[3]], "disabled": True})

    sign_in(page, f"/keywords?site={site['id']}")
    expect(rows(page)).to_have_count(25)
    expect(page.get_by_role("navigation", name="Pagination")).to_contain_text("Showing 1–25 of 28")
    page.get_by_role("button", name="Next").click()
    expect(rows(page)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"page=2"))

    filters = page.get_by_role("search", name="Filter keywords")
    filters.get_by_label("Search").fill("espresso")
    expect(rows(page)).to_have_count(2)
    expect(page).not_to_have_url(re.compile(r"page=2"))
    assert shown_keywords(page) == ["espresso machine", "espresso grind size"]
    # Sort by keyword (A→Z), then the other way round.
    page.get_by_role("button", name="Keyword", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Keyword")
    expect(rows(page).first).to_have_attribute("data-keyword", "espresso grind size")
    page.get_by_role("button", name="Keyword", exact=True).click()
    expect(rows(page).first).to_have_attribute("data-keyword", "espresso machine")
    filters.get_by_label("Intent").select_option("commercial")
    expect(rows(page)).to_have_count(1)
    screenshot(page, "keywords-05-filtered")

    filters.get_by_role("button", name="Clear filters").click()
    expect(rows(page)).to_have_count(25)
    filters.get_by_label("Cluster").select_option(label="Espresso")
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first.get_by_role("link", name="Espresso")).to_be_visible()
    filters.get_by_label("Cluster").select_option(label="Any")
    filters.get_by_label("Minimum volume").fill("700")
    filters.get_by_label("Maximum volume").fill("2000")
    expect(rows(page)).to_have_count(2)
    assert sorted(shown_keywords(page)) == ["cold brew at home", "espresso grind size"]
    filters.get_by_label("Minimum volume").fill("lots")
    expect(filters.get_by_text("'lots' is not a whole number.")).to_be_visible()
    expect(filters.get_by_label("Minimum volume")).to_have_attribute("aria-invalid", "true")
    console.expect("status of 400")
    filters.get_by_role("button", name="Clear filters").click()
    filters.get_by_label("Enabled").select_option("true")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-keyword", "pour over kettle")
    expect(rows(page).first).to_contain_text("Disabled")
    # The filters live in the URL: a reload shows the same list.
    page.reload()
    expect(rows(page)).to_have_count(1)


def test_it_disables_enables_and_deletes_selected_keywords(page, api: Api, site: dict):
    brewers = (("aeropress", 900), ("moka pot", 700), ("chemex", 500))
    add_keywords(api, site, [{"text": text, "volume": volume} for text, volume in brewers])
    sign_in(page, f"/keywords?site={site['id']}")
    expect(rows(page)).to_have_count(3)
    bulk = page.get_by_role("region", name="Bulk actions")
    expect(bulk.get_by_role("button", name="Disable")).to_be_disabled()

    page.get_by_label("Select “aeropress”").check()
    page.get_by_label("Select “moka pot”").check()
    expect(bulk).to_contain_text("2 selected")
    bulk.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("status").filter(has_text="Disabled 2 keywords.")).to_be_visible()
    expect(rows(page).filter(has_text="Disabled")).to_have_count(2)
    assert keyword_count(api, site, "&disabled=true") == 2
    screenshot(page, "keywords-06-bulk-disabled")

    page.get_by_label("Select all rows on this page").check()
    bulk.get_by_role("button", name="Enable").click()
    expect(page.get_by_role("status").filter(has_text="Enabled 3 keywords.")).to_be_visible()
    expect(rows(page).filter(has_text="Disabled")).to_have_count(0)
    assert keyword_count(api, site, "&disabled=true") == 0

    page.get_by_label("Select “chemex”").check()
    bulk.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog", name="Delete 1 keyword?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(page, "keywords-07-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(bulk.get_by_role("button", name="Delete…")).to_be_focused()
    assert keyword_count(api, site) == 3
    bulk.get_by_role("button", name="Delete…").click()
    page.get_by_role("dialog", name="Delete 1 keyword?").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status").filter(has_text="Deleted 1 keyword.")).to_be_visible()
    expect(rows(page)).to_have_count(2)
    assert "chemex" not in shown_keywords(page)
    assert keyword_count(api, site) == 2


def test_it_adds_one_keyword_and_pastes_many(page, console, api: Api, site: dict):
    sign_in(page, f"/keywords?site={site['id']}")
    page.get_by_role("button", name="Add keyword").click()
    form = page.get_by_role("form", name="Add a keyword")
    form.get_by_label("Keyword").fill("Flat White Recipe")
    form.get_by_label("Search volume").fill("lots")
    form.get_by_role("button", name="Add keyword").click()
    volume = form.get_by_label("Search volume")
    expect(volume).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_text("A valid integer is required.")).to_be_visible()
    screenshot(page, "keywords-08-add-error")
    assert keyword_count(api, site) == 0
    console.expect("status of 400")
    volume.fill("1900")
    form.get_by_label("Intent").select_option("informational")
    form.get_by_role("button", name="Add keyword").click()
    expect(page.get_by_role("status").filter(has_text="Added “flat white recipe”.")).to_be_visible()
    expect(form.get_by_label("Keyword")).to_be_focused()
    expect(rows(page)).to_have_count(1)
    page.get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Paste many").click()
    paste = page.get_by_role("form", name="Paste many keywords")
    box = paste.get_by_label("Keywords, one per line")
    box.fill("latte art\ncortado vs flat white, -5\nflat white recipe\nturkish coffee, 400, 25, informational")
    paste.get_by_role("button", name="Add keywords").click()
    problems = paste.get_by_role("alert")
    expect(problems).to_contain_text("Line 2: Volume: Ensure this value is greater than or equal to 0.")
    expect(problems).to_contain_text("Line 3: Keyword: Keyword 'flat white recipe' already exists on this site.")
    expect(box).to_have_attribute("aria-invalid", "true")
    screenshot(page, "keywords-09-paste-errors")
    assert keyword_count(api, site) == 1
    console.expect("bulk_create")
    box.fill("latte art\ncortado vs flat white, 250\nturkish coffee, 400, 25, informational")
    paste.get_by_role("button", name="Add keywords").click()
    expect(page.get_by_role("status").filter(has_text="Added 3 keywords.")).to_be_visible()
    expect(rows(page)).to_have_count(4)
    assert keyword_count(api, site) == 4


def arrange_cluster(api: Api, site: dict) -> dict:
    cluster = api.post("/clusters/", {"site": site["id"], "name": "Home espresso"})
    ids = add_keywords(
        api, site, [{"text": "home espresso setup", "volume": 1500}, {"text": "espresso tamper", "volume": 400}]
    )
    for keyword_id in ids:
        api.patch(f"/keywords/{keyword_id}/", {"cluster": cluster["id"], "status": "mapped"})
    api.post("/clusters/", {"site": site["id"], "name": "Tea"})
    idea = api.post("/ideas/", {"site": site["id"], "title": "A home espresso setup guide", "cluster": cluster["id"]})
    task = api.post("/tasks/", {"site": site["id"], "title": idea["title"], "cluster": cluster["id"]})
    title = "Your first home espresso setup"
    body = {"site": site["id"], "task": task["id"], "title": title, "html_content": "<p>Hi.</p>"}
    article = api.post("/content/", body)
    return {"cluster": cluster, "article": article}


def test_it_shows_clusters_with_their_keywords_ideas_and_articles(page, api: Api, site: dict):
    arranged = arrange_cluster(api, site)
    sign_in(page, f"/keywords?site={site['id']}")
    page.get_by_role("navigation", name="Keywords and clusters").get_by_role("link", name="Clusters").click()
    expect(page).to_have_url(re.compile(r"/keywords/clusters\?site="))
    card = page.get_by_test_id("cluster-card").filter(has_text="Home espresso")
    expect(card.get_by_test_id("keywords-count")).to_have_text("2")
    expect(card.get_by_test_id("ideas-count")).to_have_text("1")
    expect(card.get_by_test_id("content-count")).to_have_text("1")
    expect(page.get_by_test_id("cluster-card").filter(has_text="Tea").get_by_test_id("keywords-count")).to_have_text(
        "0"
    )

    toggle = card.get_by_role("button", name="Home espresso")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    keywords = card.get_by_role("region", name="Keywords of Home espresso")
    expect(keywords.get_by_role("listitem")).to_have_count(2)
    expect(keywords.get_by_role("listitem").first).to_contain_text("home espresso setup")
    expect(keywords.get_by_role("listitem").first).to_contain_text("Mapped")
    expect(card.get_by_role("region", name="Ideas of Home espresso")).to_contain_text("A home espresso setup guide")
    articles = card.get_by_role("region", name="Articles of Home espresso")
    expect(articles).to_contain_text("Draft")
    link = articles.get_by_role("link", name="Your first home espresso setup")
    expect(link).to_have_attribute("href", f"/content/{arranged['article']['id']}?site={site['id']}")
    screenshot(page, "keywords-10-clusters")

    # From a keyword's cluster link the clusters page opens with that cluster expanded.
    keywords.get_by_role("link", name="Open in the keyword list").click()
    expect(rows(page)).to_have_count(2)
    rows(page).first.get_by_role("link", name="Home espresso").click()
    expect(
        page.get_by_test_id("cluster-card")
        .filter(has_text="Home espresso")
        .get_by_role("region", name="Keywords of Home espresso")
    ).to_be_visible()
    page.get_by_role("link", name="Your first home espresso setup").click()
    expect(page).to_have_url(re.compile(rf"/content/{arranged['article']['id']}\?site={site['id']}"))


def test_the_keyword_screens_fit_a_phone(phone_page, api: Api, site: dict, tmp_path: Path):
    page = phone_page
    arrange_cluster(api, site)
    add_keywords(api, site, [{"text": f"very long keyword about espresso extraction number {i}"} for i in range(3)])
    sign_in(page, f"/keywords?site={site['id']}")
    expect(rows(page)).to_have_count(5)
    screenshot(page, "keywords-11-phone-list")
    no_overflow(page, ignore=SCROLLS_ON_ITS_OWN)

    page.get_by_role("button", name="Import CSV").click()
    choose_file(page, write(tmp_path, "phone.csv", BAD_CSV))
    expect(page.locator('[data-testid="preview-row"][data-line="3"]')).to_contain_text("A valid integer is required.")
    screenshot(page, "keywords-12-phone-import-preview")
    no_overflow(page, ignore=SCROLLS_ON_ITS_OWN)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"/keywords/clusters?site={site['id']}")
    page.get_by_role("button", name="Home espresso").click()
    expect(page.get_by_role("link", name="Your first home espresso setup")).to_be_visible()
    screenshot(page, "keywords-13-phone-clusters")
    no_overflow(page, ignore=SCROLLS_ON_ITS_OWN)


def test_the_keyword_screens_in_dark_mode(browser, stack, console, api: Api, site: dict, tmp_path: Path):
    arrange_cluster(api, site)
    api.post(
        "/keywords/bulk_update/",
        {"ids": [add_keywords(api, site, [{"text": "decaf espresso", "volume": 90}])[0]], "disabled": True},
    )
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        console.watch(page)
        sign_in(page, f"/keywords?site={site['id']}")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(rows(page)).to_have_count(3)
        page.get_by_label("Select “decaf espresso”").check()
        screenshot(page, "keywords-14-dark-list")
        page.get_by_role("button", name="Import CSV").click()
        choose_file(page, write(tmp_path, "dark.csv", BAD_CSV))
        expect(page.get_by_test_id("import-summary")).to_contain_text("1 with problems")
        screenshot(page, "keywords-15-dark-import-preview")
        page.goto(f"/keywords/clusters?site={site['id']}")
        page.get_by_role("button", name="Home espresso").click()
        expect(page.get_by_role("link", name="Your first home espresso setup")).to_be_visible()
        screenshot(page, "keywords-16-dark-clusters")
    finally:
        context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)
