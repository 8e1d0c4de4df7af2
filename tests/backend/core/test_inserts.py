from decimal import Decimal

import pytest
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone

from backend.core.inserts import insert_many
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
