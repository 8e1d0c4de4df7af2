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


def preset(alice) -> AutomationRule:
    return AutomationRule.objects.get(preset_key="seven_stage", site=alice.site)


def test_it_shows_a_rule_editor_change_in_the_config_and_the_dashboard(alice, api):
    rule = preset(alice)
    actions = rule.actions
    actions[3]["params"]["batch_size"] = 7
    actions[3]["params"]["limit"] = 40  # a param the config does not model
    changed = api.patch(f"/api/v1/automation/rules/{rule.pk}/", {"actions": actions, "is_active": True}, format="json")
    assert changed.status_code == 200
    config = api.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").json()
    assert config["stage_4_batch_size"] == 7 and config["is_enabled"] is True and config["rule_id"] == rule.pk
    # and a config save keeps what the rule editor set beyond the config's fields
    api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", {"stage_2_batch_size": 3}, format="json")
    params = {a["params"]["stage"]: a["params"] for a in preset(alice).actions}
    assert params[4]["limit"] == 40 and params[4]["batch_size"] == 7 and params[2]["batch_size"] == 3
    paused = api.patch(f"/api/v1/automation/rules/{rule.pk}/", {"is_active": False}, format="json")
    assert paused.status_code == 200
    assert api.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").json()["is_enabled"] is False


def test_it_keeps_the_pipeline_rule_in_shape_whichever_screen_edits_it(alice, api):
    rule = preset(alice)
    url = f"/api/v1/automation/rules/{rule.pk}/"
    cut = api.patch(url, {"actions": rule.actions[:3]}, format="json")
    assert cut.status_code == 400 and "seven stages" in cut.json()["actions"][0]
    manual = api.patch(url, {"trigger": {"type": "manual"}}, format="json")
    assert manual.status_code == 400 and "trigger" in manual.json()
    assert api.patch(url, {"mode": "parallel"}, format="json").status_code == 400
    actions = rule.actions
    actions[5]["params"]["enabled"] = False  # stage 6 off in the rule editor: what depends on it follows
    assert api.patch(url, {"actions": actions}, format="json").status_code == 200
    params = {a["params"]["stage"]: a["params"] for a in preset(alice).actions}
    assert params[7]["handover_from"] == "generate_image_prompts" and params[7]["require_images"] is False
    assert api.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").json()["stage_6_enabled"] is False


def test_it_refuses_to_delete_the_pipeline_rule_saying_why(alice, api):
    rule = preset(alice)
    answer = api.delete(f"/api/v1/automation/rules/{rule.pk}/")
    assert answer.status_code == 409 and "cannot be deleted" in answer.json()["detail"]
    assert AutomationRule.objects.filter(pk=rule.pk).exists()
    assert api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").status_code in (202, 402)


def test_it_recreates_a_missing_pipeline_rule_instead_of_failing_run_now(alice, api):
    AutomationRule.objects.filter(pk=preset(alice).pk).delete()  # e.g. from the admin or a shell
    assert api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}").status_code in (202, 402)
    assert api.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").json()["rule_id"] == preset(alice).pk


@pytest.mark.parametrize(
    "change,cron,shown",
    [
        ({"frequency": "daily", "scheduled_time": "06:15"}, "15 6 * * *", {"frequency": "daily"}),
        (
            {"frequency": "weekly", "scheduled_time": "06:15", "scheduled_weekday": 4},
            "15 6 * * 5",
            {"frequency": "weekly", "scheduled_weekday": 4},
        ),
        (
            {"frequency": "monthly", "scheduled_time": "23:00", "scheduled_day_of_month": 15},
            "0 23 15 * *",
            {"frequency": "monthly", "scheduled_day_of_month": 15},
        ),
    ],
)
def test_it_schedules_on_the_day_picked_and_names_the_time_zone(alice, api, change, cron, shown):
    alice.site.timezone = "Europe/Berlin"
    alice.site.save()
    config = api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", change, format="json").json()
    assert preset(alice).trigger["cron"] == cron
    assert {k: config[k] for k in shown} == shown
    assert config["timezone"] == preset(alice).trigger["timezone"]
    assert config["schedule_description"]


def test_it_shows_a_custom_cron_from_the_rule_editor_and_keeps_it(alice, api):
    rule = preset(alice)
    trigger = {**rule.trigger, "cron": "*/30 * * * *"}
    assert api.patch(f"/api/v1/automation/rules/{rule.pk}/", {"trigger": trigger}, format="json").status_code == 200
    url = f"/api/v1/automation/config/?site_id={alice.site.pk}"
    config = api.get(url).json()
    assert config["frequency"] == "custom" and "30 minutes" in config["schedule_description"]
    api.put(url, {"stage_1_batch_size": 10}, format="json")
    assert preset(alice).trigger["cron"] == "*/30 * * * *"  # a save of other fields keeps it
    assert api.put(url, {"frequency": "custom"}, format="json").status_code == 200  # it is custom: allowed
    other = api.post("/api/v1/sites/", {"name": "Other", "domain": "o.example.com"}).json()
    assert api.put(f"/api/v1/automation/config/?site_id={other['id']}", {"frequency": "custom"}, format="json").json()[
        "frequency"
    ] == ["a custom schedule (any cron) is set in the rule editor"]


def test_it_shows_the_next_scheduled_time_after_a_scheduled_run(alice, api, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from rules.scheduler import schedule_claim_due

    api.put(f"/api/v1/automation/config/?site_id={alice.site.pk}", {"is_enabled": True}, format="json")
    AutomationRule.objects.filter(pk=preset(alice).pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False):
        schedule_claim_due()
    config = api.get(f"/api/v1/automation/config/?site_id={alice.site.pk}").json()
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(config["next_run_at"]) > timezone.now()


def test_it_agrees_on_batch_size_limits_with_the_action_schemas(alice, api):
    url = f"/api/v1/automation/config/?site_id={alice.site.pk}"
    assert api.put(url, {"stage_3_batch_size": 100}, format="json").status_code == 200
    assert "stage_3_batch_size" in api.put(url, {"stage_3_batch_size": 101}, format="json").json()
    from rules.core.registry import registry

    assert registry.params_errors("queue_to_writer", {"batch_size": 100}) == []


def test_it_queues_failed_items_again(alice, api):
    from backend.writer.models import Content, Image, Task

    task = Task.objects.create(site=alice.site, title="t", status="failed", error="boom")
    content = Content.objects.create(site=alice.site, title="c")
    image = Image.objects.create(site=alice.site, content=content, prompt="p", status="failed", error="no")
    answer = api.post(f"/api/v1/automation/retry_failed/?site_id={alice.site.pk}")
    assert answer.status_code == 200 and answer.json() == {"tasks": 1, "images": 1}
    task.refresh_from_db()
    image.refresh_from_db()
    assert (task.status, task.error, image.status, image.error) == ("queued", "", "pending", "")
    stats = api.get(f"/api/v1/automation/overview_stats/?site_id={alice.site.pk}").json()
    assert stats["attention_items"]["total_attention_needed"] == 0
