from __future__ import annotations

from backend.accounts.models import Site


def test_it_creates_a_site_in_the_callers_account(alice, api):
    response = api.post("/api/v1/sites/", {"name": "Blog", "domain": "Blog.Example.com", "timezone": "Europe/Berlin"})
    assert response.status_code == 201, response.json()
    site = Site.objects.get(pk=response.json()["id"])
    assert (site.account_id, site.domain, site.timezone) == (alice.account.id, "blog.example.com", "Europe/Berlin")


def test_it_rejects_an_unknown_timezone_naming_the_field(api):
    response = api.post("/api/v1/sites/", {"name": "Blog", "domain": "b.example.com", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "timezone" in response.json()
    assert not Site.objects.filter(domain="b.example.com").exists()


def test_it_rejects_a_duplicate_domain(alice, api):
    response = api.post("/api/v1/sites/", {"name": "Again", "domain": alice.site.domain})
    assert response.status_code == 400
    assert "already exists" in response.json()["domain"][0]


def test_it_rejects_unknown_fields(api):
    response = api.post("/api/v1/sites/", {"name": "Blog", "domain": "c.example.com", "colour": "red"})
    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}
