from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from backend.automation.models import AutomationConfig
from rules.models import AutomationRule


def test_it_gives_every_new_site_its_own_preset_rule(alice, api):
    other = api.post("/api/v1/sites/", {"name": "Other", "domain": "other.example.com"}).json()
    rules = AutomationRule.objects.filter(preset_key="seven_stage")
    assert sorted(rules.values_list("site_id", flat=True)) == sorted([alice.site.pk, other["id"]])
    rule = rules.get(site_id=alice.site.pk)
    assert [a["type"] for a in rule.actions] == [
        "cluster_keywords",
        "generate_ideas",
        "queue_to_writer",
        "generate_content",
        "generate_image_prompts",
        "generate_images",
        "review_gate",
    ]
    assert rule.mode == "single" and rule.mode_scope == "site" and rule.is_active is False
    assert rule.actions[1]["params"]["handover_from"] == "cluster_keywords"
    assert AutomationConfig.objects.filter(site_id=other["id"]).exists()


def test_it_reinstalls_the_preset_from_the_command_line(alice):
    rule = AutomationRule.objects.get(preset_key="seven_stage", site=alice.site)
    AutomationRule.objects.filter(pk=rule.pk).update(actions=[{"type": "log", "params": {"message": "broken"}}])
    out = StringIO()
    call_command("install_preset", "seven_stage", "--site", alice.site.domain, stdout=out)
    rule.refresh_from_db()
    assert len(rule.actions) == 7 and "7 steps" in out.getvalue()


def test_it_can_be_copied_into_a_custom_rule(alice, api):
    rule = AutomationRule.objects.get(preset_key="seven_stage", site=alice.site)
    copy = api.post(f"/api/v1/automation/rules/{rule.pk}/duplicate/").json()
    assert copy["preset_key"] == "" and len(copy["actions"]) == 7
    edited = api.patch(f"/api/v1/automation/rules/{copy['id']}/", {"actions": copy["actions"][:3]}, format="json")
    assert edited.status_code == 200 and len(edited.json()["actions"]) == 3


def test_it_carries_config_changes_into_the_preset_rule(alice, api):
    url = f"/api/v1/automation/config/?site_id={alice.site.pk}"
    body = api.put(
        url,
        {
            "is_enabled": True,
            "frequency": "weekly",
            "scheduled_time": "03:30",
            "stage_2_batch_size": 2,
            "within_stage_delay": 1,
            "stage_4_concurrency": 4,
            "stage_5_enabled": False,
        },
        format="json",
    ).json()
    assert body["frequency"] == "weekly" and body["next_run_at"] is not None
    rule = AutomationRule.objects.get(preset_key="seven_stage", site=alice.site)
    assert rule.is_active and rule.trigger["cron"] == "30 3 * * 1" and rule.trigger["timezone"] == "UTC"
    params = {a["params"]["stage"]: a["params"] for a in rule.actions}
    assert params[2]["batch_size"] == 2 and params[4]["concurrency"] == 4 and params[5]["enabled"] is False
    assert params[3]["delay_seconds"] == 1 and params[3]["wait_before_seconds"] == 5
    assert api.get(url).json()["stage_5_enabled"] is False
    assert (
        api.put(
            f"/api/v1/automation/update_config/?site_id={alice.site.pk}", {"frequency": "monthly"}, format="json"
        ).json()["frequency"]
        == "monthly"
    )


@pytest.mark.parametrize(
    "change,field",
    [
        ({"stage_1_batch_size": 0}, "stage_1_batch_size"),
        ({"stage_3_batch_size": 5000}, "stage_3_batch_size"),
        ({"stage_1_batch_size": 50}, "stage_1_batch_size"),
        ({"scheduled_time": "25:99"}, "scheduled_time"),
        ({"frequency": "hourly"}, "frequency"),
        ({"within_stage_delay": -1}, "within_stage_delay"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_it_rejects_bad_config_naming_the_field_and_saves_nothing(alice, api, change, field):
    url = f"/api/v1/automation/config/?site_id={alice.site.pk}"
    before = api.get(url).json()
    response = api.put(url, {"is_enabled": True, **change}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert api.get(url).json() == before


def test_it_answers_404_for_another_accounts_site_or_run(alice, charlie):
    client = charlie.client()
    assert client.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").status_code == 404
    assert client.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").status_code == 404
    assert client.get("/api/v1/automation/config/").status_code == 400
    assert client.get("/api/v1/automation/run_detail/?run_id=run_x").status_code == 404
