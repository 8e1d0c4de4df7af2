"""Every resource is scoped to the caller's account: another account's object is a 404."""

from __future__ import annotations

import pytest

from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task


@pytest.fixture
def alices_objects(alice):
    site = alice.site
    cluster = Cluster.objects.create(site=site, name="Coffee")
    keyword = Keyword.objects.create(site=site, text="cold brew", cluster=cluster)
    idea = ContentIdea.objects.create(site=site, title="Cold brew guide", cluster=cluster)
    task = Task.objects.create(site=site, title="Cold brew guide", idea=idea, cluster=cluster)
    content = Content.objects.create(site=site, title="Cold brew", task=task, html_content="<p>hi</p>")
    image = Image.objects.create(site=site, content=content, kind="featured", prompt="a cup")
    return {
        "sites": site,
        "keywords": keyword,
        "clusters": cluster,
        "ideas": idea,
        "tasks": task,
        "content": content,
        "images": image,
    }


RESOURCES = ["sites", "keywords", "clusters", "ideas", "tasks", "content", "images"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_it_answers_404_for_another_accounts_object(resource, alices_objects, charlie):
    obj = alices_objects[resource]
    client = charlie.client()
    url = f"/api/v1/{resource}/{obj.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("resource", RESOURCES)
def test_it_lists_none_of_another_accounts_objects(resource, alices_objects, charlie):
    body = charlie.client().get(f"/api/v1/{resource}/").json()
    ids = {row["id"] for row in body["results"]}
    assert alices_objects[resource].pk not in ids
    if resource != "sites":
        assert body["count"] == 0


def test_it_lets_a_teammate_see_the_same_objects(alices_objects, bob):
    assert bob.client().get(f"/api/v1/keywords/{alices_objects['keywords'].pk}/").status_code == 200


def test_it_refuses_to_write_into_another_accounts_site(alice, charlie):
    response = charlie.client().post("/api/v1/keywords/", {"site": alice.site.pk, "text": "intrusion"})
    assert response.status_code == 400
    assert "site" in response.json()
    assert not Keyword.objects.filter(text="intrusion").exists()


def test_it_refuses_a_relation_to_another_accounts_object(alices_objects, charlie):
    response = charlie.client().post(
        "/api/v1/keywords/", {"site": charlie.site.pk, "text": "sneaky", "cluster": alices_objects["clusters"].pk}
    )
    assert response.status_code == 400
    assert "cluster" in response.json()
