"""Importing a rule file never makes a second live copy: rules come in inactive, previewed, names kept apart."""

from __future__ import annotations

from rules.models import AutomationRule

URL = "/api/v1/automation/rules/import/"
LOG = [{"type": "log", "params": {"message": "x"}}]


def exported(name: str, **extra) -> dict:
    return {
        "name": name,
        "is_active": True,
        "trigger": {"type": "event", "event": "keyword.created"},
        "actions": LOG,
        **extra,
    }


def test_it_previews_an_import_without_saving_anything(alice, api, make_rule):
    make_rule(name="Big keywords")
    answer = api.post(URL, {"rules": [exported("Big keywords"), exported("New one")], "preview": True}, format="json")
    assert answer.status_code == 200
    rows = answer.json()["rules"]
    assert [(r["name"], r["renamed"], r["is_active"], r["id"]) for r in rows] == [
        ("Big keywords (imported)", True, False, None),
        ("New one", False, False, None),
    ]
    assert rows[0]["trigger_summary"] == "on keyword.created" and rows[0]["steps"] == 1
    assert AutomationRule.objects.filter(account=alice.account, preset_key="").count() == 1


def test_it_imports_rules_inactive_and_renames_a_clash(alice, api, make_rule):
    original = make_rule(name="Big keywords", trigger={"type": "event", "event": "keyword.created"})
    answer = api.post(URL, {"rules": [exported("Big keywords"), exported("Big keywords")]}, format="json")
    assert answer.status_code == 201
    names = [r["name"] for r in answer.json()["rules"]]
    assert names == ["Big keywords (imported)", "Big keywords (imported 2)"]
    imported = AutomationRule.objects.filter(pk__in=[r["id"] for r in answer.json()["rules"]])
    assert imported.count() == 2 and not imported.filter(is_active=True).exists()
    assert AutomationRule.objects.get(pk=original.pk).is_active  # the live one is untouched


def test_it_refuses_a_clash_when_asked_and_saves_nothing(alice, api, make_rule):
    make_rule(name="Big keywords")
    answer = api.post(
        URL, {"rules": [exported("Other"), exported("Big keywords")], "on_conflict": "refuse"}, format="json"
    )
    assert answer.status_code == 400 and "already exists" in answer.json()["rules.1.name"][0]
    assert not AutomationRule.objects.filter(name="Other").exists()


def test_it_names_the_rule_and_field_of_a_bad_rule_and_saves_nothing(alice, api):
    bad = exported("Broken", actions=[{"type": "nope"}])
    answer = api.post(URL, {"rules": [exported("Fine"), bad]}, format="json")
    assert answer.status_code == 400 and "rules.1.actions.0.type" in answer.json()
    assert not AutomationRule.objects.filter(name__in=["Fine", "Broken"]).exists()


def test_it_shows_the_secrets_of_an_imported_webhook_rule_once(alice, api):
    webhook = exported("Hooked", trigger={"type": "webhook"})
    row = api.post(URL, {"rules": [webhook]}, format="json").json()["rules"][0]
    assert row["webhook_secret"]
    again = api.get(f"/api/v1/automation/rules/{row['id']}/").json()
    assert "webhook_secret" not in again


def test_it_counts_an_import_against_the_rule_limit(alice, api, settings):
    settings.AUTOMATION_MAX_RULES_PER_ACCOUNT = AutomationRule.objects.filter(account=alice.account).count() + 1
    answer = api.post(URL, {"rules": [exported("A"), exported("B")]}, format="json")
    assert answer.status_code == 400 and "AUTOMATION_MAX_RULES_PER_ACCOUNT" in answer.json()["rules"][0]


def test_it_exports_exactly_the_rule_fields_and_imports_the_file_back(alice, api, make_rule):
    rule = make_rule(name="Round trip", trigger={"type": "event", "event": "keyword.created"}, mode="queued")
    answer = api.get(f"/api/v1/automation/rules/{rule.pk}/export/")
    assert answer.status_code == 200
    file = answer.json()
    assert list(file) == list(AutomationRule.FIELDS)  # the one field list, in its reading order
    assert file["mode"] == "queued" and file["trigger"]["event"] == "keyword.created"
    back = api.post(URL, {"rules": [file]}, format="json")
    assert back.status_code == 201, back.json()
    copy = AutomationRule.objects.get(pk=back.json()["rules"][0]["id"])
    assert (copy.name, copy.mode, copy.trigger, copy.is_active) == (
        "Round trip (imported)",
        "queued",
        rule.trigger,
        False,
    )


def test_it_imports_a_rule_as_the_api_shows_it_leaving_out_what_the_server_computes(alice, api, make_rule):
    shown = api.get(f"/api/v1/automation/rules/{make_rule(name='Shown').pk}/").json()
    assert {"id", "version", "trigger_summary", "last_run"} <= set(shown)
    answer = api.post(URL, {"rules": [shown]}, format="json")
    assert answer.status_code == 201, answer.json()
    refused = api.post(URL, {"rules": [{**shown, "colour": "red"}]}, format="json")
    assert refused.status_code == 400 and refused.json()["rules.0.colour"] == ["Unknown field."]


def test_it_answers_404_for_another_accounts_rule_file(charlie, api, make_rule):
    theirs = make_rule(account_id=charlie.account.pk, name="Theirs")
    assert api.get(f"/api/v1/automation/rules/{theirs.pk}/export/").status_code == 404
