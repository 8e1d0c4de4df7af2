from decimal import Decimal

import pytest
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone

from backend.core.inserts import insert_many, unsaved
from backend.planner.models import Keyword
from rules.models import AutomationRun, RunLog, RunStep

pytestmark = pytest.mark.django_db


NOW = timezone.now()


def _runs(alice, tag: str, now=NOW) -> list[AutomationRun]:
    return [
        AutomationRun(
            run_id=f"run_{tag}_{i}",
            account=alice.account,
            site=alice.site if i % 2 else None,
            rule_name=f"rule {i} ‘quoted’",
            trigger_type="event",
            trigger_payload={"object": {"id": i, "tags": ["a", None, 1.5]}, "text": "ünïcode"},
            concurrency_key=f"rule:{i}",
            status="running",
            started_at=now,
            heartbeat_at=now,
            credits_reserved=Decimal("12.345"),
            causation={"root_id": "x", "depth": i},
            program=None if i % 2 else [{"id": "a"}],
            dry_run=bool(i % 2),
            idempotency_key=None if i % 2 else f"key-{tag}-{i}",
        )
        for i in range(45)  # more than one statement's rows on SQLite (its parameter limit)
    ]


def _steps(runs: list[AutomationRun]) -> list[RunStep]:
    return [
        RunStep(
            run=run, index=0, key="s0", path="actions/0", action_type="log", params={"message": f"hi {i}", "n": 0.1},
            retry_backoff=1.7 + i, timeout=None if i % 2 else 30, status="running", started_at=NOW,
        )
        for i, run in enumerate(runs)
    ]  # fmt: skip


UNIQUE = ("run_id", "idempotency_key", "created_at")  # told apart by tag, or the time of the insert


def _stored(model, pks: list[int]) -> list[dict]:
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in UNIQUE]
    return [model_to_dict(row, fields=fields) for row in model.objects.filter(pk__in=pks).order_by("pk")]


def test_it_writes_what_bulk_create_writes_and_gives_each_instance_its_key(alice):
    ours, django = _runs(alice, "ours"), _runs(alice, "django")
    before = timezone.now()
    insert_many(AutomationRun, ours)
    AutomationRun.objects.bulk_create(django)

    assert all(run.pk is not None and not run._state.adding for run in ours)
    stored = AutomationRun.objects.filter(pk__in=[r.pk for r in ours]).order_by("pk")
    assert [(run.run_id, run.idempotency_key) for run in stored] == [(run.run_id, run.idempotency_key) for run in ours]
    assert _stored(AutomationRun, [r.pk for r in ours]) == _stored(AutomationRun, [r.pk for r in django])
    our_steps, django_steps = _steps(ours), _steps(django)
    insert_many(RunStep, our_steps)
    RunStep.objects.bulk_create(django_steps)
    assert _stored(RunStep, [s.pk for s in our_steps]) == [
        {**row, "run": ours[i].pk} for i, row in enumerate(_stored(RunStep, [s.pk for s in django_steps]))
    ]
    stamped = AutomationRun.objects.get(pk=ours[0].pk).created_at
    assert stamped >= before and ours[0].created_at == stamped  # auto_now_add, on the instance too


def test_it_takes_the_key_of_a_related_object_saved_after_it_was_assigned(alice):
    run = _runs(alice, "related")[0]
    step = RunStep(run=run, index=0, key="s0", path="0", action_type="log", params={"message": "x"})
    line = RunLog(run=run, message="started")
    insert_many(AutomationRun, [run])
    insert_many(RunStep, [step])
    insert_many(RunLog, [line])

    assert RunStep.objects.get(pk=step.pk).run_id == run.pk
    assert RunLog.objects.get(pk=line.pk).at is not None


def test_it_refuses_rows_it_would_not_write_as_bulk_create_does(alice):
    written = _runs(alice, "written")[:1]
    insert_many(AutomationRun, written)
    with pytest.raises(ValueError, match="has a primary key"):
        insert_many(AutomationRun, written)
    expression = _runs(alice, "expression")[0]
    expression.current_step = F("current_step") + 1
    with pytest.raises(ValueError, match="current_step is an expression"):
        insert_many(AutomationRun, [expression])
    assert not AutomationRun.objects.filter(run_id__startswith="run_expression").exists()


def test_rows_that_share_a_value_are_written_as_if_each_had_its_own(alice):
    payload, params = {"object": {"id": 7, "text": "ünïcode"}}, {"message": "hi"}
    shared = [AutomationRun(run_id=f"run_shared_{i}", account=alice.account, trigger_payload=payload) for i in range(3)]
    own = [AutomationRun(run_id=f"run_own_{i}", account=alice.account, trigger_payload=dict(payload)) for i in range(3)]
    insert_many(AutomationRun, shared + own)
    steps = [RunStep(run=run, index=0, key="s0", path="0", action_type="log", params=params) for run in shared]
    insert_many(RunStep, steps)

    assert _stored(AutomationRun, [r.pk for r in shared]) == _stored(AutomationRun, [r.pk for r in own])
    assert [s.params for s in RunStep.objects.filter(pk__in=[s.pk for s in steps])] == [params] * 3


def _attributes(instance) -> dict:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


def test_an_unsaved_instance_is_what_the_models_init_makes(alice):
    rule_run = _runs(alice, "init")[0]
    for model, values in (
        (AutomationRun, {"account_id": alice.account.pk, "site": alice.site, "rule_name": "r", "parent_run": None}),
        (RunStep, {"run": rule_run, "index": 2, "key": "k", "params": {"a": 1}, "timeout": None}),
        (RunLog, {"run_id": 5, "step_index": None, "level": "info", "message": "started"}),
    ):
        ours, django = unsaved(model, **values), model(**values)
        assert _attributes(ours) == _attributes(django), model
        assert ours._state.adding and ours._state.db is None
        assert ours._state.fields_cache == django._state.fields_cache  # related objects given, cached
    first, second = unsaved(AutomationRun), unsaved(AutomationRun)
    assert first.trigger_payload == {} and first.trigger_payload is not second.trigger_payload  # callable defaults
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        unsaved(RunLog, nope=1)


def test_a_model_watched_at_init_is_made_by_its_init(alice):
    from rules.event_sources import SNAPSHOT

    keyword = unsaved(Keyword, site=alice.site, account=alice.account, text="a")  # an event source
    assert getattr(keyword, SNAPSHOT)["text"] == "a"  # what its post_init receiver took, for the save's changes
