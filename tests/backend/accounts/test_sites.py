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


# --- the site list: WordPress connection and automation status ---------------------------------

import pytest  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.automation.preset import preset_rule  # noqa: E402
from backend.integrations.models import Integration  # noqa: E402
from rules.models import AutomationRule, AutomationRun  # noqa: E402
from rules.scheduler import schedule_claim_due  # noqa: E402

SITES = "/api/v1/sites/"


def make_run(site, status: str, *, run_id: str, minutes_ago: int = 0) -> AutomationRun:
    at = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    finished = status in AutomationRun.FINISHED
    return AutomationRun.objects.create(
        account=site.account,
        site=site,
        rule=preset_rule(site),
        run_id=run_id,
        trigger_type="manual",
        status=status,
        started_at=at,
        completed_at=at if finished else None,
    )


def add_site(api, n: int) -> dict:
    response = api.post(SITES, {"name": f"Site {n}", "domain": f"s{n}.example.com"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_lists_each_site_with_its_wordpress_connection_and_automation_status(api, alice):
    make_run(alice.site, "failed", run_id="old", minutes_ago=30)
    make_run(alice.site, "completed", run_id="last", minutes_ago=10)
    make_run(alice.site, "running", run_id="now")
    Integration.objects.create(site=alice.site, url="https://blog.example.com", username="ed", application_password="x")
    other = add_site(api, 1)

    sites = {s["id"]: s for s in api.get(SITES).json()["results"]}

    mine = sites[alice.site.pk]
    assert mine["wordpress"]["url"] == "https://blog.example.com" and mine["wordpress"]["username"] == "ed"
    assert "application_password" not in mine["wordpress"]
    automation = mine["automation"]
    assert automation["rule_id"] == preset_rule(alice.site).pk
    assert automation["schedule"].endswith("(UTC)") and automation["schedule"] != "(UTC)"
    assert automation["active_run"]["run_id"] == "now" and automation["active_run"]["status"] == "running"
    assert (automation["last_run"]["run_id"], automation["last_run"]["status"]) == ("last", "completed")
    assert sites[other["id"]]["wordpress"] is None
    assert (sites[other["id"]]["automation"]["active_run"], sites[other["id"]]["automation"]["last_run"]) == (
        None,
        None,
    )


def test_it_lists_sites_in_a_fixed_number_of_queries(api, alice):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(SITES).status_code == 200
        return len(queries)

    add_site(api, 1)
    few = count()
    for n in range(2, 8):
        site = add_site(api, n)
        make_run(alice.account.sites.get(pk=site["id"]), "completed", run_id=f"r{n}")
        Integration.objects.create(
            site_id=site["id"], url=f"https://s{n}.example.com", username="ed", application_password="x"
        )

    assert count() == few


def test_it_answers_a_created_site_with_its_status(api):
    created = add_site(api, 9)

    assert created["automation"]["rule_id"] is not None and created["wordpress"] is None


def test_it_deactivates_and_activates_a_site(api, alice):
    response = api.patch(f"{SITES}{alice.site.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert response.json()["automation"]["is_enabled"] is False
    assert api.patch(f"{SITES}{alice.site.pk}/", {"is_active": True}, format="json").json()["is_active"] is True


def test_it_edits_a_site_and_moves_the_pipeline_schedule_to_its_new_time_zone(api, alice):
    response = api.patch(f"{SITES}{alice.site.pk}/", {"name": "Renamed", "timezone": "Europe/Berlin"}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["timezone"]) == ("Renamed", "Europe/Berlin")
    assert preset_rule(alice.site).trigger["timezone"] == "Europe/Berlin"
    assert response.json()["automation"]["schedule"].endswith("(Europe/Berlin)")


def test_it_refuses_a_bad_edit_at_its_field_and_saves_nothing(api, alice):
    response = api.patch(f"{SITES}{alice.site.pk}/", {"name": "", "timezone": "Mars/Base"}, format="json")

    assert response.status_code == 400 and set(response.json()) == {"name", "timezone"}
    alice.site.refresh_from_db()
    assert alice.site.timezone == "UTC" and alice.site.name != ""


def test_it_hides_another_accounts_site(api, charlie):
    for method in ("get", "patch", "delete"):
        assert getattr(api, method)(f"{SITES}{charlie.site.pk}/").status_code == 404
    assert charlie.site.pk not in {s["id"] for s in api.get(SITES).json()["results"]}


def test_it_refuses_run_now_on_a_deactivated_site(api, alice):
    api.patch(f"{SITES}{alice.site.pk}/", {"is_active": False}, format="json")

    response = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}")

    assert response.status_code == 409 and response.json()["code"] == "site_inactive"
    assert not AutomationRun.objects.filter(site=alice.site).exists()


@pytest.mark.parametrize("active", [True, False])
def test_it_schedules_the_pipeline_only_of_an_active_site(alice, django_capture_on_commit_callbacks, active):
    rule = preset_rule(alice.site)
    AutomationRule.objects.filter(pk=rule.pk).update(
        is_active=True,
        trigger={**rule.trigger, "cron": "* * * * *"},
        next_run_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    alice.site.is_active = active
    alice.site.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=False):
        fired = schedule_claim_due()

    assert len(fired) == (1 if active else 0)
    rule.refresh_from_db()
    assert rule.next_run_at > timezone.now()  # an inactive site's fire time passes, it does not pile up
