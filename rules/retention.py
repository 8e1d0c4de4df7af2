"""History retention: finished runs older than a cutoff go, with their steps, logs, trigger records and the
records plugins keep per run (AI calls; rules.core.records), in small batches, and so do the journal's events;
what statistics need of the runs stays behind in RunTally. The credit ledger is never touched, nor is an active
run, whatever its age."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from rules.core.records import run_records
from rules.models import AutomationRun, EventRecord, RunLog, RunStep, RunTally, TriggerRecord

ENGINE_KINDS = ("runs", "steps", "logs", "trigger_records", "events")  # then each plugin's records (run_records)
CENTS = Decimal("0.01")  # credits in the tally's step sums, as "x.xx" on every database
TallyKey = tuple[int, int | None, int | None]  # (account, site, rule)


def history_prune(*, older_than: datetime, batch_size: int = 500) -> dict[str, int]:
    """Delete history older than `older_than` in batches of `batch_size`, each its own transaction; return
    how many rows of each kind went."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    deleted = dict.fromkeys([*ENGINE_KINDS, *run_records.keys()], 0)
    for ids in _id_batches(prunable_runs(older_than=older_than), batch_size):
        for kind, count in _runs_prune(ids, older_than=older_than).items():
            deleted[kind] += count
    # Records of a run go with the run (above); these are the ones that never had a run, or outlived it.
    runless_records = TriggerRecord.objects.filter(at__lt=older_than, run__isnull=True)
    deleted["trigger_records"] += _delete_in_batches(runless_records, batch_size)
    for kind in run_records.keys():
        orphans = run_records.get(kind).orphans(older_than, AutomationRun.objects.values("run_id"))
        deleted[kind] += _delete_in_batches(orphans, batch_size)
    deleted["events"] += _delete_in_batches(EventRecord.objects.filter(at__lt=older_than), batch_size)
    return deleted


def prunable_runs(*, older_than: datetime) -> QuerySet[AutomationRun]:
    """Finished runs that ended (or, with no end recorded, started) before `older_than`."""
    ended_before = Q(completed_at__lt=older_than) | Q(completed_at__isnull=True, created_at__lt=older_than)
    return AutomationRun.objects.filter(ended_before, status__in=AutomationRun.FINISHED)


def _id_batches(queryset: QuerySet[Any], size: int) -> Iterator[list[int]]:
    """Primary keys in ascending batches; each batch is queried afresh after the previous one was handled,
    and the cursor moves past rows left behind (locked by someone else), so the loop always ends."""
    last = 0
    while ids := list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]):
        yield ids
        last = ids[-1]


def _delete_in_batches(queryset: QuerySet[Any], size: int) -> int:
    deleted = 0
    for ids in _id_batches(queryset, size):
        with transaction.atomic():
            deleted += queryset.filter(pk__in=ids).delete()[0]
    return deleted


def _runs_prune(ids: list[int], *, older_than: datetime) -> dict[str, int]:
    """One short transaction: lock the runs of the batch that still qualify, add them to their tallies,
    delete their records and then them. Tally and deletion commit together, so a crash counts nothing twice."""
    with transaction.atomic():
        # Re-checked under the lock: a run retried (active again) since the batch was listed stays; a run
        # another pruner holds is skipped rather than waited for.
        runs = list(
            prunable_runs(older_than=older_than)
            .filter(pk__in=ids)
            .select_for_update(skip_locked=True)
            .values("pk", "run_id", "account_id", "site_id", "rule_id", "status", "total_credits_used", "created_at")
        )
        if not runs:
            return {}
        pks = [run["pk"] for run in runs]
        _tallies_add(runs)
        counts = {
            "steps": RunStep.objects.filter(run_id__in=pks).delete()[0],
            "logs": RunLog.objects.filter(run_id__in=pks).delete()[0],
            "trigger_records": TriggerRecord.objects.filter(run_id__in=pks).delete()[0],
        }
        run_ids = [run["run_id"] for run in runs]
        counts.update({kind: run_records.get(kind).of_runs(run_ids).delete()[0] for kind in run_records.keys()})
        # Steps and logs are gone already, so this cascades to nothing but SET_NULLs (dead letters, child runs).
        counts["runs"] = _runs_delete(pks)
        return counts


def _runs_delete(pks: list[int]) -> int:
    return AutomationRun.objects.filter(pk__in=pks).delete()[1].get(AutomationRun._meta.label, 0)


def _tallies_add(runs: list[dict[str, Any]]) -> None:
    """Add the runs (and the steps of the completed ones) to the tally of their account, site and rule."""
    groups: dict[TallyKey, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        groups[(run["account_id"], run["site_id"], run["rule_id"])].append(run)
    steps = _step_sums([run["pk"] for run in runs if run["status"] == AutomationRun.Status.COMPLETED])
    # Tallies locked in one order by everyone, so two pruners never deadlock on them.
    for key, members in sorted(groups.items(), key=lambda item: tuple(part or 0 for part in item[0])):
        tally = _tally_locked(key)
        tally.runs += len(members)
        for status in AutomationRun.FINISHED:
            setattr(tally, status, getattr(tally, status) + sum(run["status"] == status for run in members))
        tally.credits_used += sum((run["total_credits_used"] for run in members), Decimal("0"))
        for index, sums in steps.get(key, {}).items():
            tally.steps[index] = _step_merge(tally.steps.get(index), sums)
        newest = max(run["created_at"] for run in members)
        tally.newest_pruned_at = max(newest, tally.newest_pruned_at) if tally.newest_pruned_at else newest
        tally.save()


def _step_sums(completed_pks: list[int]) -> dict[TallyKey, dict[str, dict[str, Any]]]:
    """Per tally key and step index: runs in which the step had work, and its inputs, outputs and credits
    (a step without input is skipped work, no measure of cost, as in the live averages)."""
    rows = (
        RunStep.objects.filter(run_id__in=completed_pks, input_count__gt=0)
        .order_by()
        .values("run__account_id", "run__site_id", "run__rule_id", "index")
        .annotate(runs=Count("id"), inputs=Sum("input_count"), outputs=Sum("output_count"), credits=Sum("credits_used"))
    )
    sums: dict[TallyKey, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        key = (row["run__account_id"], row["run__site_id"], row["run__rule_id"])
        sums[key][str(row["index"])] = {k: row[k] for k in ("runs", "inputs", "outputs", "credits")}
    return sums


def _step_merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    old = old or {"runs": 0, "inputs": 0, "outputs": 0, "credits": "0"}
    return {
        "runs": old["runs"] + new["runs"],
        "inputs": old["inputs"] + new["inputs"],
        "outputs": old["outputs"] + new["outputs"],
        "credits": str((Decimal(old["credits"]) + Decimal(new["credits"] or 0)).quantize(CENTS)),
    }


def _tally_locked(key: TallyKey) -> RunTally:
    account_id, site_id, rule_id = key
    fields = {"account_id": account_id, "site_id": site_id, "rule_id": rule_id}
    # A null site or rule makes the unique constraint let duplicates through: take the first, never get().
    tally = RunTally.objects.select_for_update().filter(**fields).order_by("pk").first()
    return tally or RunTally.objects.select_for_update().get_or_create(**fields)[0]
