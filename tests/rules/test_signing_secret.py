"""The signing secret of a rule's outbound calls: made for webhook rules, shown once, rotated, encrypted."""

from __future__ import annotations

from django.db import connection

from rules.models import AutomationRule
from rules.services import rule_signing_secret_ensure

RULES = "/api/v1/automation/rules/"
LOG = {"type": "log", "params": {"message": "hello"}}
WEBHOOK = {"type": "webhook", "params": {"url": "https://crm.example.com/hook"}}


def create(api, alice, actions) -> dict:
    response = api.post(
        RULES, {"name": "r", "site": alice.site.pk, "trigger": {"type": "manual"}, "actions": actions}, format="json"
    )
    assert response.status_code == 201, response.data
    return response.json()


def stored_ciphertext(rule_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_secret FROM rules_automationrule WHERE id = %s", [rule_id])
        return cursor.fetchone()[0]


def test_it_shows_the_signing_secret_of_a_webhook_rule_once(api, alice):
    body = create(api, alice, [LOG, WEBHOOK])

    secret = body["signing_secret"]
    assert len(secret) > 30 and AutomationRule.objects.get(pk=body["id"]).signing_secret == secret
    assert "signing_secret" not in api.get(f"{RULES}{body['id']}/").json()
    assert all("signing_secret" not in r for r in api.get(RULES).json()["results"])
    edited = api.patch(f"{RULES}{body['id']}/", {"name": "renamed"}, format="json").json()
    assert "signing_secret" not in edited and AutomationRule.objects.get(pk=body["id"]).signing_secret == secret
    assert secret not in stored_ciphertext(body["id"])  # encrypted at rest


def test_it_makes_no_signing_secret_for_a_rule_without_webhooks(api, alice):
    body = create(api, alice, [LOG])

    assert "signing_secret" not in body and AutomationRule.objects.get(pk=body["id"]).signing_secret == ""


def test_it_shows_the_signing_secret_once_when_an_update_adds_a_webhook(api, alice):
    body = create(api, alice, [LOG])

    added = api.patch(f"{RULES}{body['id']}/", {"actions": [LOG, WEBHOOK]}, format="json").json()
    again = api.patch(f"{RULES}{body['id']}/", {"actions": [WEBHOOK]}, format="json").json()

    assert added["signing_secret"] == AutomationRule.objects.get(pk=body["id"]).signing_secret
    assert "signing_secret" not in again


def test_it_shows_the_copys_own_signing_secret_when_a_webhook_rule_is_duplicated(api, alice):
    body = create(api, alice, [WEBHOOK])

    copy = api.post(f"{RULES}{body['id']}/duplicate/").json()

    assert copy["signing_secret"] == AutomationRule.objects.get(pk=copy["id"]).signing_secret
    assert copy["signing_secret"] != body["signing_secret"]


def test_it_rotates_the_signing_secret_of_any_rule(api, alice):
    webhook_rule, log_rule = create(api, alice, [WEBHOOK]), create(api, alice, [LOG])

    rotated = api.post(f"{RULES}{webhook_rule['id']}/rotate-signing-secret/")
    first = api.post(f"{RULES}{log_rule['id']}/rotate-signing-secret/")

    assert rotated.status_code == 200 and first.status_code == 200
    assert rotated.json()["signing_secret"] not in ("", webhook_rule["signing_secret"])
    assert AutomationRule.objects.get(pk=webhook_rule["id"]).signing_secret == rotated.json()["signing_secret"]
    assert AutomationRule.objects.get(pk=log_rule["id"]).signing_secret == first.json()["signing_secret"]


def test_it_hides_another_accounts_rule_from_rotation(api, alice, charlie):
    body = create(api, alice, [WEBHOOK])

    response = charlie.client().post(f"{RULES}{body['id']}/rotate-signing-secret/")

    assert response.status_code == 404
    assert AutomationRule.objects.get(pk=body["id"]).signing_secret == body["signing_secret"]


def test_it_ensures_a_signing_secret_once_and_then_keeps_it(make_rule):
    rule = make_rule(actions=[LOG])

    secret, created = rule_signing_secret_ensure(rule=rule)
    again, created_again = rule_signing_secret_ensure(rule=AutomationRule.objects.get(pk=rule.pk))

    assert created and not created_again and secret == again == rule.signing_secret and len(secret) > 30
