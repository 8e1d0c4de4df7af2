"""What the Keywords and Clusters screens use: filters, CSV preview, bulk switch/delete, clusters with counts."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Task

# --- list filters --------------------------------------------------------------------------------


def _texts(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/keywords/?{query}")
    assert response.status_code == 200, response.json()
    return [k["text"] for k in response.json()["results"]]


def test_it_filters_keywords_by_volume_range_cluster_intent_disabled_and_search(alice, api):
    coffee = Cluster.objects.create(site=alice.site, name="Coffee")
    Keyword.objects.create(site=alice.site, text="cold brew", volume=2000, cluster=coffee, intent="commercial")
    Keyword.objects.create(site=alice.site, text="espresso", volume=500, cluster=coffee)
    Keyword.objects.create(site=alice.site, text="green tea", volume=50, disabled=True)
    site = f"site={alice.site.pk}"

    assert _texts(api, f"{site}&volume_min=100&volume_max=1000") == ["espresso"]
    assert _texts(api, f"{site}&volume_min=500&ordering=volume") == ["espresso", "cold brew"]
    assert _texts(api, f"{site}&cluster={coffee.pk}&ordering=text") == ["cold brew", "espresso"]
    assert _texts(api, f"{site}&intent=commercial") == ["cold brew"]
    assert _texts(api, f"{site}&disabled=true") == ["green tea"]
    assert _texts(api, f"{site}&search=tea") == ["green tea"]
    assert _texts(api, f"{site}&ordering=-volume") == ["cold brew", "espresso", "green tea"]
    assert _texts(api, f"{site}&ordering=status,text&page_size=2") == ["cold brew", "espresso"]
    row = api.get(f"/api/v1/keywords/?{site}&search=cold").json()["results"][0]
    assert row["cluster"] == coffee.pk and row["cluster_name"] == "Coffee"


def test_it_rejects_a_volume_bound_that_is_not_a_number(alice, api):
    for query in ("volume_min=lots", "volume_max=-1"):
        response = api.get(f"/api/v1/keywords/?{query}")
        assert response.status_code == 400 and query.split("=")[0] in response.json()


def test_it_lists_keywords_with_a_constant_number_of_queries(alice, api, django_assert_max_num_queries):
    for i in range(30):
        cluster = Cluster.objects.create(site=alice.site, name=f"c{i}")
        Keyword.objects.create(site=alice.site, text=f"kw {i}", cluster=cluster)
    with django_assert_max_num_queries(4):  # the token (and its last use), the count, the page with its clusters
        assert api.get(f"/api/v1/keywords/?site={alice.site.pk}").status_code == 200


# --- CSV import with a preview -------------------------------------------------------------------


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("keywords.csv", text.encode(), content_type="text/csv")


BAD_CSV = "keyword,volume,difficulty,intent\ncold brew,2000,30,informational\nbad row,many,5,informational\n"


def test_a_preview_answers_every_row_and_its_errors_and_saves_nothing(alice, api):
    Keyword.objects.create(site=alice.site, text="espresso")
    csv = BAD_CSV + "espresso,10,1,informational\nCold Brew,1,1,commercial\n"
    response = api.post(
        "/api/v1/keywords/import_csv/",
        {"site": alice.site.pk, "file": _csv(csv), "preview": "true"},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["preview"], body["total"], body["valid"], body["invalid"]) == (True, 4, 1, 3)
    first, bad = body["rows"][0], body["rows"][1]
    assert first == {
        "row": 2,
        "values": {"text": "cold brew", "volume": "2000", "difficulty": "30", "intent": "informational"},
        "keyword": {"text": "cold brew", "volume": 2000, "difficulty": 30, "intent": "informational"},
        "errors": [],
    }
    assert bad["keyword"] is None and bad["values"]["volume"] == "many"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "volume"), (4, "text"), (5, "text")]
    assert "already exists" in body["errors"][1]["message"]
    assert "more than once" in body["errors"][2]["message"]
    assert list(Keyword.objects.values_list("text", flat=True)) == ["espresso"]


def test_a_good_preview_saves_nothing_either(alice, api):
    good = "keyword,volume\ncold brew,2000\nlatte art,300\n"
    preview = api.post(
        "/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": _csv(good), "preview": True}, format="multipart"
    )
    assert preview.status_code == 200 and preview.json()["valid"] == 2 and preview.json()["errors"] == []
    assert not Keyword.objects.exists()
    saved = api.post("/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": _csv(good)}, format="multipart")
    assert saved.status_code == 201 and saved.json()["created"] == 2
    assert sorted(Keyword.objects.values_list("text", flat=True)) == ["cold brew", "latte art"]


def test_an_import_with_a_bad_row_answers_its_errors_and_saves_nothing_then_the_fixed_file_imports(alice, api):
    url = "/api/v1/keywords/import_csv/"
    response = api.post(url, {"site": alice.site.pk, "file": _csv(BAD_CSV)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"rows": {"3": {"volume": ["A valid integer is required."]}}}
    assert not Keyword.objects.exists()
    fixed = BAD_CSV.replace("many", "120")
    response = api.post(url, {"site": alice.site.pk, "file": _csv(fixed)}, format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 2


def test_a_preview_of_another_accounts_site_is_refused(alice, charlie, api):
    response = api.post(
        "/api/v1/keywords/import_csv/",
        {"site": charlie.site.pk, "file": _csv(BAD_CSV), "preview": "true"},
        format="multipart",
    )
    assert response.status_code == 400 and "site" in response.json()


# --- bulk disable / enable / delete --------------------------------------------------------------


def _keywords(persona, *texts: str) -> list[Keyword]:
    return [Keyword.objects.create(site=persona.site, text=text) for text in texts]


def test_it_disables_and_enables_keywords_in_bulk(alice, bob, api):
    a, b, c = _keywords(alice, "a", "b", "c")
    response = api.post("/api/v1/keywords/bulk_update/", {"ids": [a.pk, b.pk], "disabled": True}, format="json")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert set(Keyword.objects.filter(disabled=True).values_list("text", flat=True)) == {"a", "b"}
    # Bob shares Alice's account: her keywords are his too.
    again = bob.client().post("/api/v1/keywords/bulk_update/", {"ids": [a.pk, c.pk], "disabled": False}, format="json")
    assert again.status_code == 200 and again.json() == {"updated": 2}
    assert list(Keyword.objects.filter(disabled=True).values_list("text", flat=True)) == ["b"]


def test_a_bulk_update_with_another_accounts_id_changes_nothing_and_names_it(alice, charlie, api):
    (mine,) = _keywords(alice, "mine")
    (theirs,) = _keywords(charlie, "theirs")
    body = {"ids": [mine.pk, theirs.pk, 99999], "disabled": True}
    response = api.post("/api/v1/keywords/bulk_update/", body, format="json")
    assert response.status_code == 400
    assert str(sorted([theirs.pk, 99999])) in response.json()["ids"][0]
    assert not Keyword.objects.filter(disabled=True).exists()


def test_a_bulk_update_needs_ids_and_a_boolean(alice, api):
    for body, field in (
        ({"ids": [], "disabled": True}, "ids"),
        ({"ids": ["x"], "disabled": True}, "ids"),
        ({"ids": [1]}, "disabled"),
        ({"ids": [1], "disabled": True, "status": "new"}, "status"),
    ):
        response = api.post("/api/v1/keywords/bulk_update/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())


def test_it_deletes_keywords_in_bulk_all_or_nothing(alice, charlie, api):
    a, b, c = _keywords(alice, "a", "b", "c")
    (theirs,) = _keywords(charlie, "theirs")
    refused = api.post("/api/v1/keywords/bulk_delete/", {"ids": [a.pk, theirs.pk]}, format="json")
    assert refused.status_code == 400 and str(theirs.pk) in refused.json()["ids"][0]
    assert Keyword.objects.count() == 4
    response = api.post("/api/v1/keywords/bulk_delete/", {"ids": [a.pk, b.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"deleted": 2}
    assert set(Keyword.objects.values_list("text", flat=True)) == {"c", "theirs"}
    # Charlie cannot delete Alice's keyword: for him it does not exist.
    assert charlie.client().post("/api/v1/keywords/bulk_delete/", {"ids": [c.pk]}, format="json").status_code == 400
    assert charlie.client().delete(f"/api/v1/keywords/{c.pk}/").status_code == 404
    assert Keyword.objects.filter(pk=c.pk).exists()


def test_bulk_changes_still_reach_the_rules_engine(alice, api, make_rule, eager):
    """Disabling and deleting in bulk send `keyword.updated` / `keyword.deleted` events, one per keyword."""
    from rules.models import TriggerRecord

    make_rule(name="on update", trigger={"type": "event", "event": "keyword.updated"}, mode="parallel")
    make_rule(name="on delete", trigger={"type": "event", "event": "keyword.deleted"}, mode="parallel")
    a, b, c = _keywords(alice, "a", "b", "c")
    c.disabled = True
    c.save()
    TriggerRecord.objects.all().delete()

    response = api.post("/api/v1/keywords/bulk_update/", {"ids": [a.pk, b.pk, c.pk], "disabled": True}, format="json")
    assert response.status_code == 200
    assert TriggerRecord.objects.filter(event="keyword.updated").count() == 2  # c was off already: no change
    response = api.post("/api/v1/keywords/bulk_delete/", {"ids": [a.pk, b.pk]}, format="json")
    assert response.status_code == 200
    assert TriggerRecord.objects.filter(event="keyword.deleted").count() == 2


# --- clusters ------------------------------------------------------------------------------------


def _cluster_with_members(persona, name: str, keywords: int = 2, ideas: int = 1, articles: int = 1) -> Cluster:
    cluster = Cluster.objects.create(site=persona.site, name=name)
    for i in range(keywords):
        Keyword.objects.create(site=persona.site, text=f"{name} kw {i}", cluster=cluster, volume=i * 10)
    for i in range(ideas):
        ContentIdea.objects.create(site=persona.site, title=f"{name} idea {i}", cluster=cluster)
    for i in range(articles):
        task = Task.objects.create(site=persona.site, title=f"{name} task {i}", cluster=cluster)
        Content.objects.create(site=persona.site, task=task, title=f"{name} article {i}")
    Task.objects.create(site=persona.site, title=f"{name} unwritten task", cluster=cluster)  # no content yet
    return cluster


def test_it_lists_clusters_with_their_counts(alice, charlie, api):
    coffee = _cluster_with_members(alice, "Coffee", keywords=3, ideas=2, articles=2)
    _cluster_with_members(alice, "Tea", keywords=1, ideas=0, articles=0)
    _cluster_with_members(charlie, "Theirs")
    body = api.get(f"/api/v1/clusters/?site={alice.site.pk}&ordering=name").json()
    counts = [(c["name"], c["keywords_count"], c["ideas_count"], c["content_count"]) for c in body["results"]]
    assert counts == [("Coffee", 3, 2, 2), ("Tea", 1, 0, 0)]
    one = api.get(f"/api/v1/clusters/{coffee.pk}/").json()
    assert (one["keywords_count"], one["ideas_count"], one["content_count"]) == (3, 2, 2)
    by_size = api.get(f"/api/v1/clusters/?site={alice.site.pk}&ordering=-keywords_count").json()["results"]
    assert [c["name"] for c in by_size] == ["Coffee", "Tea"]


def test_the_cluster_list_takes_the_same_number_of_queries_for_more_clusters(alice, api, django_assert_num_queries):
    _cluster_with_members(alice, "first")
    api.get("/api/v1/auth/me/")  # the token's last use is recorded once, not on every call
    with django_assert_num_queries(3):  # the token, the count, the page with its counts
        api.get(f"/api/v1/clusters/?site={alice.site.pk}")
    for i in range(15):
        _cluster_with_members(alice, f"more {i}", keywords=3, ideas=2, articles=2)
    with django_assert_num_queries(3):
        body = api.get(f"/api/v1/clusters/?site={alice.site.pk}").json()
    assert body["count"] == 16 and all(c["keywords_count"] == 3 for c in body["results"][:15])


def test_a_clusters_members_are_its_keywords_ideas_and_articles(alice, charlie, api, django_assert_max_num_queries):
    coffee = _cluster_with_members(alice, "Coffee", keywords=2, ideas=1, articles=1)
    _cluster_with_members(alice, "Tea")
    with django_assert_max_num_queries(6):  # the token (and its last use), the cluster, keywords, ideas, articles
        response = api.get(f"/api/v1/clusters/{coffee.pk}/members/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [k["text"] for k in body["keywords"]] == ["Coffee kw 1", "Coffee kw 0"]  # by volume
    assert set(body["keywords"][0]) == {"id", "text", "volume", "difficulty", "intent", "status", "disabled"}
    assert [(i["title"], i["status"]) for i in body["ideas"]] == [("Coffee idea 0", "new")]
    article = Content.objects.get(title="Coffee article 0")
    assert body["articles"] == [
        {"id": article.pk, "title": "Coffee article 0", "status": "draft", "task": article.task_id}
    ]
    assert charlie.client().get(f"/api/v1/clusters/{coffee.pk}/members/").status_code == 404
