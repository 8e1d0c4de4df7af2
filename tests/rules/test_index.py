"""The rule index: per account, lazily loaded, and a change reloads only the account that made it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rules.index import RuleIndex


@pytest.fixture
def other_process(transactional_db):
    """An index as another process holds it (it shares Redis, not memory, with this one)."""
    return RuleIndex()


def queries_for(index: RuleIndex, account_id: int, event: str) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as captured:
        found = index.lookup(account_id, event, fresh=True)
    return len([q for q in captured.captured_queries if "rules_automationrule" in q["sql"]]), found


def test_it_reloads_only_the_account_whose_rules_changed(alice, charlie, make_rule, other_process):
    mine = make_rule(trigger={"type": "event", "event": "keyword.created"})
    theirs = make_rule(account_id=charlie.account.pk, trigger={"type": "event", "event": "keyword.created"})
    loads, found = queries_for(other_process, alice.account.pk, "keyword.created")
    assert loads == 1 and [r.id for r in found] == [mine.pk]
    loads, found = queries_for(other_process, charlie.account.pk, "keyword.created")
    assert loads == 1 and [r.id for r in found] == [theirs.pk]
    make_rule(name="another", trigger={"type": "event", "event": "keyword.created"})  # alice changes her rules
    loads, found = queries_for(other_process, charlie.account.pk, "keyword.created")
    assert loads == 0 and [r.id for r in found] == [theirs.pk]  # charlie's entries were not rebuilt
    loads, found = queries_for(other_process, alice.account.pk, "keyword.created")
    assert loads == 1 and len(found) == 2  # alice's were, and see her new rule


def test_it_holds_only_the_accounts_it_has_met(alice, charlie, make_rule, other_process):
    make_rule(account_id=charlie.account.pk, trigger={"type": "event", "event": "keyword.created"})
    other_process.lookup(alice.account.pk, "keyword.created", fresh=True)
    assert set(other_process._accounts) == {alice.account.pk}


def test_it_keeps_an_events_compiled_conditions_until_its_account_changes(alice, make_rule, other_process):
    on_created = {"type": "event", "event": "keyword.created"}
    make_rule(trigger=on_created, conditions={">": [{"var": "object.volume"}, 10]})
    first = other_process.listeners(alice.account.pk, "keyword.created", fresh=True)
    assert other_process.listeners(alice.account.pk, "keyword.created", fresh=True) is first  # nothing changed
    assert first.conditions.evaluate({"object": {"volume": 11}})[0].triggered

    make_rule(name="another", trigger=on_created, conditions={"<": [{"var": "object.volume"}, 10]})

    again = other_process.listeners(alice.account.pk, "keyword.created", fresh=True)
    assert again is not first and [len(again.rules), len(again.conditions)] == [2, 2]
    assert [r.triggered for r in again.conditions.evaluate({"object": {"volume": 11}})] == [True, False]


def test_a_deactivated_sites_rules_stop_listening_and_listen_again_when_it_is_activated(
    alice, make_rule, other_process
):
    from backend.accounts.models import Site

    site = Site.objects.create(account=alice.account, name="Blog", domain="blog.example.com")
    rule = make_rule(site=site, trigger={"type": "event", "event": "keyword.created"})
    everywhere = make_rule(name="every site", trigger={"type": "event", "event": "keyword.created"})

    def listening(site_id: int | None) -> set[int]:
        return {r.id for r in other_process.lookup(alice.account.pk, "keyword.created", site_id=site_id, fresh=True)}

    assert listening(site.pk) == listening(alice.site.pk) == {rule.pk, everywhere.pk}
    site.is_active = False
    site.save()
    assert listening(site.pk) == set()  # not even the account-wide rule hears the deactivated site's events
    assert listening(alice.site.pk) == {everywhere.pk}  # it still hears the other sites'
    assert other_process.listeners(alice.account.pk, "keyword.created", site_id=site.pk).rules == []
    site.is_active = True
    site.save(update_fields=["is_active"])
    assert listening(site.pk) == {rule.pk, everywhere.pk}
