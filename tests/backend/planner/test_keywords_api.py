from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from backend.planner.models import Cluster, Keyword


def test_it_creates_and_filters_keywords_by_site_and_status(alice, api):
    created = api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "  Cold  Brew ", "volume": 2000})
    assert created.status_code == 201, created.json()
    assert created.json()["text"] == "cold brew" and created.json()["status"] == "new"
    Keyword.objects.create(site=alice.site, text="espresso", status="mapped")
    body = api.get(f"/api/v1/keywords/?site={alice.site.pk}&status=new").json()
    assert [k["text"] for k in body["results"]] == ["cold brew"]
    assert body["count"] == 1 and "next" in body


def test_it_rejects_a_filter_value_outside_the_choices(alice, api):
    response = api.get("/api/v1/keywords/?status=weird")
    assert response.status_code == 400 and "status" in response.json()


def test_it_rejects_wrong_types_naming_the_field(alice, api):
    response = api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "x", "volume": "lots"})
    assert response.status_code == 400
    assert "volume" in response.json()


def test_it_rejects_a_duplicate_keyword_on_the_site(alice, api):
    Keyword.objects.create(site=alice.site, text="cold brew")
    response = api.post("/api/v1/keywords/", {"site": alice.site.pk, "text": "Cold Brew"})
    assert response.status_code == 400 and "text" in response.json()


def test_it_bulk_creates_all_or_nothing_with_row_errors(alice, api):
    rows = [{"text": "a one"}, {"text": "b two", "volume": -5}, {"text": "a one"}, {"text": "c", "colour": "red"}]
    response = api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": rows})
    assert response.status_code == 400
    errors = response.json()["keywords"]
    assert set(errors) == {"1", "2", "3"}
    assert "volume" in errors["1"] and "text" in errors["2"] and "colour" in errors["3"]
    assert Keyword.objects.count() == 0
    ok = api.post("/api/v1/keywords/bulk_create/", {"site": alice.site.pk, "keywords": rows[:1] + [{"text": "d"}]})
    assert ok.status_code == 201 and ok.json()["created"] == 2


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("keywords.csv", text.encode(), content_type="text/csv")


def test_it_imports_a_csv_file(alice, api):
    csv = "keyword,volume,difficulty,intent\ncold brew,2000,30,informational\nbest grinder,900,45,commercial\n"
    response = api.post("/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": _csv(csv)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert sorted(Keyword.objects.values_list("text", "volume")) == [("best grinder", 900), ("cold brew", 2000)]


def test_it_rejects_a_csv_with_bad_rows_naming_line_and_field(alice, api):
    csv = "keyword,volume,difficulty,intent\nok one,10,5,informational\nbad,many,5,informational\nworse,1,500,shouty\n"
    response = api.post("/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": _csv(csv)}, format="multipart")
    assert response.status_code == 400
    rows = response.json()["rows"]
    assert set(rows) == {"3", "4"}
    assert "volume" in rows["3"] and {"difficulty", "intent"} <= set(rows["4"])
    assert Keyword.objects.count() == 0


def test_it_rejects_a_csv_without_a_keyword_column(alice, api):
    response = api.post(
        "/api/v1/keywords/import_csv/", {"site": alice.site.pk, "file": _csv("volume\n3\n")}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()


def test_it_rejects_a_duplicate_cluster_name(alice, api):
    Cluster.objects.create(site=alice.site, name="Coffee")
    response = api.post("/api/v1/clusters/", {"site": alice.site.pk, "name": "coffee"})
    assert response.status_code == 400 and "name" in response.json()


def test_it_counts_keywords_and_ideas_of_a_cluster(alice, api):
    cluster = Cluster.objects.create(site=alice.site, name="Coffee")
    Keyword.objects.create(site=alice.site, text="a", cluster=cluster)
    Keyword.objects.create(site=alice.site, text="b", cluster=cluster)
    body = api.get(f"/api/v1/clusters/{cluster.pk}/").json()
    assert (body["keywords_count"], body["ideas_count"], body["status"]) == (2, 0, "new")


def test_it_refuses_a_status_outside_the_lifecycle(alice, api):
    keyword = Keyword.objects.create(site=alice.site, text="a")
    ok = api.patch(f"/api/v1/keywords/{keyword.pk}/", {"status": "mapped"})
    assert ok.status_code == 200
    response = api.patch(f"/api/v1/keywords/{keyword.pk}/", {"status": "published"})
    assert response.status_code == 400 and "status" in response.json()


def test_it_refuses_to_move_an_object_to_another_site(alice, api):
    other = api.post("/api/v1/sites/", {"name": "Other", "domain": "other.example.com"}).json()
    keyword = Keyword.objects.create(site=alice.site, text="a")
    response = api.patch(f"/api/v1/keywords/{keyword.pk}/", {"site": other["id"]})
    assert response.status_code == 400 and "site" in response.json()


def test_it_filters_booleans_written_either_way(alice, api):
    Keyword.objects.create(site=alice.site, text="off", disabled=True)
    Keyword.objects.create(site=alice.site, text="on")
    for value, expected in (("true", ["off"]), ("True", ["off"]), ("0", ["on"]), ("false", ["on"])):
        assert [k["text"] for k in api.get(f"/api/v1/keywords/?disabled={value}").json()["results"]] == expected
