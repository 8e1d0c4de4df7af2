"""The life of a run, in one place: create (from a trigger, under the rule's mode and the account's limits),
admit, start, advance from step to step, finish, pause, resume, cancel, retry, re-run and recover.

Every trigger that reaches a rule leaves a TriggerRecord, and its outcome comes back as a `TriggerResult`:
a run started or queued, or the reason there is none (a refusal for credits makes no run at all). The
executor (rules/executor.py) runs one step and hands back here (`advance`, `finish_run`); this module sends
steps to the workers through rules/queueing.py and imports nothing that runs them.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, Count, F, Value, When
from django.dispatch import Signal
from django.utils import timezone

from backend.billing.errors import InsufficientCredits
from backend.billing.services import Reference, credits_release, credits_reserve
from backend.core.inserts import insert_many, unsaved
from backend.core.redis import get_redis
from rules import journal, stats
from rules.core import flow
from rules.core.causation import Causation
from rules.core.conditions.context import evaluation_context
from rules.core.modes import decide_mode
from rules.core.presets import preset_for
from rules.core.registry import UnknownAction, registry
from rules.core.triggers import run_trigger_type
from rules.index import rule_index
from rules.models import AutomationRule, AutomationRun, RunLog, RunStep, TriggerRecord
from rules.queueing import enqueue_step, enqueue_steps
from rules.runlog import _line, run_log, step_label

log = logging.getLogger(__name__)
Status, StepStatus, Outcome = AutomationRun.Status, RunStep.Status, TriggerRecord.Outcome
# Sent once per finished run (completed, failed or cancelled), after commit: receivers get `run`.
run_finished = Signal()
ROOT_COUNT_SECONDS = 86400  # how long the runs descending from one root event are counted
UNFINISHED = (StepStatus.PENDING, StepStatus.RUNNING, StepStatus.WAITING)
# The triggers that are not model events, journaled under these names as they reach their rule.
JOURNALED_TRIGGERS = {"webhook": "webhook.received", "schedule": "schedule.fired"}
# A trigger whose idempotency key a run already has: its journaled event started that run (live or replayed).
ALREADY_REPLAYED = "already_replayed"


class RunStateError(Exception):
    """The run is not in a state that allows this operation."""


@dataclass(frozen=True)
class TriggerResult:
    """What one trigger of one rule came to: a run started or queued, or the reason there is none."""

    outcome: str
    run: AutomationRun | None = None
    reason: str = ""
    refusal: InsufficientCredits | None = None  # set when the outcome is refused_credits


# --- creating runs ---------------------------------------------------------------------------


def rule_execute(
    *,
    rule: AutomationRule,
    payload: dict | None = None,
    site_id: int | None = None,
    trigger_type: str = "manual",
    dry_run: bool = False,
) -> TriggerResult:
    """Run a rule now (manual, webhook or scheduled); the mode and the account's limits still apply. A webhook
    delivery or a schedule fire is journaled (`webhook.received`, `schedule.fired`) as it comes in."""
    causation = Causation(root_event=f"{trigger_type}:{rule.id}", event=trigger_type)
    payload = payload or {}
    key = None
    if trigger_type in JOURNALED_TRIGGERS:
        journal_id = journal.trigger_event(
            account_id=rule.account_id,
            site_id=rule.site_id or site_id,
            name=JOURNALED_TRIGGERS[trigger_type],
            rule_id=rule.pk,
            data={"payload": payload},
        )
        key = run_key(journal_id, rule.pk, rule.version) if journal_id else None
    trigger = Trigger(
        rule.pk, trigger_type, {"payload": payload}, causation, site_id, dry_run=dry_run, idempotency_key=key
    )
    result = trigger_rules([trigger], active_only=False)[0]
    if result is None:
        raise RunStateError(f"rule {rule.pk} was deleted")
    return result


def run_key(journal_id: int, rule_id: int, version: int) -> str:
    """The idempotency key of the run one journaled event starts for one version of a rule (live or replayed)."""
    return f"event:{journal_id}:{rule_id}:v{version}"


def run_rerun(*, run: AutomationRun) -> TriggerResult:
    """A new run of the run's rule with the same trigger data and site; the mode and the limits apply."""
    if run.status not in AutomationRun.FINISHED:
        raise RunStateError(f"run {run.run_id} is {run.status}; only a finished run can be run again")
    rule = AutomationRule.objects.filter(pk=run.rule_id).first()
    if rule is None:
        raise RunStateError(f"the rule of run {run.run_id} was deleted")
    if rule.is_shadow and not run.dry_run:
        raise RunStateError(f"rule {rule.pk} is a shadow rule: it executes nothing (run it as a dry run)")
    causation = Causation(root_event=f"rerun:{run.run_id}", event="manual")
    return trigger_rule(
        rule,
        trigger_type="manual",
        payload=run.trigger_payload,
        causation=causation,
        site_id=run.site_id,
        dry_run=run.dry_run,
    )


@dataclass(frozen=True)
class RecordFields:
    """What the trigger records of one trigger (or one event: every rule listening) have in common."""

    account_id: int
    trigger_type: str
    causation: dict
    event: str = ""
    object_type: str = ""
    object_id: int | None = None


# One trigger record, as written: (rule id, outcome, reason, run or None, the fields it shares, a shadow rule's
# estimated credits or None).
RecordRow = tuple[int, str, str, AutomationRun | None, RecordFields, Decimal | None]


@dataclass(frozen=True)
class Trigger:
    """One trigger of one rule on its way to `trigger_rules` (the dispatcher makes one per matching rule)."""

    rule_id: int
    trigger_type: str
    payload: dict
    causation: Causation
    site_id: int | None = None
    record: RecordFields | None = None  # by default: the rule's account, the trigger type, the causation
    dry_run: bool = False
    # A journaled event's (run_key): a run with this key already made means nothing to do (a replay, a redelivery).
    idempotency_key: str | None = None


def trigger_rule(
    rule: AutomationRule,
    *,
    trigger_type: str,
    payload: dict,
    causation: Causation,
    site_id: int | None = None,
    record: RecordFields | None = None,
    dry_run: bool = False,
) -> TriggerResult:
    """Apply the rule's mode and the account's limits, then start, queue or drop a run."""
    trigger = Trigger(rule.pk, trigger_type, payload, causation, site_id, record, dry_run=dry_run)
    result = trigger_rules([trigger], active_only=False)[0]
    if result is None:
        raise RunStateError(f"rule {rule.pk} was deleted")
    return result


def trigger_rules(
    triggers: list[Trigger], *, active_only: bool = True, records: list[RecordRow] | None = None
) -> list[TriggerResult | None]:
    """Apply modes and limits to many triggers at once, in their order, as if one after the other.

    The rules are locked in one query (in pk order, so two batches never deadlock), the active runs of
    their groups and accounts are counted in one, and the decisions are made in memory, each seeing the
    runs the ones before it created. The runs, their steps, their first log lines and every trigger
    record (with `records`, the caller's: the dispatcher's dropped triggers) are then written in one
    insert each, and each started run's first step is sent after commit. A refusal for credits creates
    no run. None for a trigger whose rule is gone (or inactive, with `active_only`).
    """
    records = records if records is not None else []
    if not triggers:
        _insert_records(records)
        return []
    slots = _RootSlots(triggers)
    try:
        with transaction.atomic():
            results = _trigger_all(triggers, active_only, records, slots)
    except BaseException:
        slots.settle(failed=True)
        raise
    slots.settle()
    return results


def _trigger_all(
    triggers: list[Trigger], active_only: bool, records: list[RecordRow], slots: _RootSlots
) -> list[TriggerResult | None]:
    rules = _locked_rules({t.rule_id for t in triggers}, active_only)
    keys = {_group_key(rules[t.rule_id], t): rules[t.rule_id] for t in triggers if t.rule_id in rules}
    active = _ActiveRuns(keys)
    parents = _parent_runs(triggers)
    alone = len(triggers) == 1  # one run: the seeds' plain run id when it is free
    limit = settings.AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT
    counts: dict[tuple[str, int], int | None] = {}  # queue sizes for the initial snapshots, once per batch
    planned: list[tuple[AutomationRun, list[RunStep]]] = []  # written at the end (their records name them)
    results: list[TriggerResult | None] = []
    taken = _taken_keys(triggers)
    estimates: dict[tuple[int, int | None], Decimal] = {}  # a shadow rule's would-be run, per site
    for trigger in triggers:
        rule = rules.get(trigger.rule_id)
        if rule is None:
            results.append(None)
            continue
        if trigger.idempotency_key in taken:
            results.append(TriggerResult(ALREADY_REPLAYED, None, "this event already started a run of this version"))
            continue
        fields = trigger.record or RecordFields(rule.account_id, trigger.trigger_type, trigger.causation.to_dict())
        key = _group_key(rule, trigger)
        if rule.is_shadow and not trigger.dry_run:  # records what it would have done; starts nothing
            estimate = _shadow_estimate(rule, trigger, estimates)
            reason = f"shadow rule: would have started a run (≈ {estimate} credits); nothing was executed"
            records.append((rule.pk, Outcome.SHADOW, reason, None, fields, estimate))
            results.append(TriggerResult(Outcome.SHADOW, None, reason))
            continue
        running, queued = active.running[key], active.queued[key]
        decision = decide_mode(rule.mode, max_runs=rule.max_runs, running=running, queued=queued)
        outcome, reason = "", decision.reason
        if decision.action == "drop":
            outcome = Outcome.DROPPED_MODE
        elif active.accounts[rule.account_id] >= limit:
            outcome, reason = Outcome.DROPPED_LIMIT, _account_limit_text(active.accounts[rule.account_id], limit)
        elif not slots.take(trigger.causation.root_id):
            outcome, reason = Outcome.DROPPED_LIMIT, _fan_out_text(trigger.causation)
        if outcome:
            records.append((rule.pk, outcome, reason, None, fields, None))
            results.append(TriggerResult(outcome, None, reason))
            continue
        run = _new_run(rule, trigger, key, parents)
        # A plain list of actions has its steps made now; a program's steps are made as the run reaches them.
        steps = [] if run.program is not None else [_step(run, index, spec) for index, spec in enumerate(rule.actions)]
        if decision.action == "queue":
            outcome = Outcome.QUEUED
            active.add(key, rule.account_id, queued=True)
        else:
            if any(run_id in active.planned for run_id in decision.cancel_run_ids):
                _write(planned, records)  # a restart cancels a run of this batch: write it first
                planned.clear()
                records.clear()
                active.planned.clear()
            try:
                _start_fields(run, steps, counts, alone=alone)
            except InsufficientCredits as exc:
                slots.give_back(trigger.causation.root_id)
                records.append((rule.pk, Outcome.REFUSED_CREDITS, str(exc), None, fields, None))
                results.append(TriggerResult(Outcome.REFUSED_CREDITS, reason=str(exc), refusal=exc))
                continue
            if decision.cancel_run_ids:
                for cancelled in AutomationRun.objects.filter(run_id__in=decision.cancel_run_ids):
                    run_cancel(cancelled, reason=f"restarted by {run.run_id}")
                active.restarted(key, rule.account_id, len(decision.cancel_run_ids))
            outcome = Outcome.STARTED
            active.add(key, rule.account_id, run_id=run.run_id)
        planned.append((run, steps))
        records.append((rule.pk, outcome, reason, run, fields, None))
        results.append(TriggerResult(outcome, run, reason))
    _write(planned, records)
    return results


# What deciding and creating a run reads of a rule (the rest, secrets included, is loaded only if asked for).
_TRIGGER_FIELDS = (
    "id", "account_id", "site_id", "name", "actions", "mode", "max_runs", "mode_scope", "version", "preset_key",
    "is_active", "budget_per_run", "is_shadow",
)  # fmt: skip


def _taken_keys(triggers: list[Trigger]) -> set[str | None]:
    """The idempotency keys of the batch's triggers that runs already have (read under the rules' locks)."""
    keys = [t.idempotency_key for t in triggers if t.idempotency_key]
    if not keys:
        return set()
    return set(AutomationRun.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))


def _shadow_estimate(
    rule: AutomationRule, trigger: Trigger, estimates: dict[tuple[int, int | None], Decimal]
) -> Decimal:
    """The credits a shadow rule's would-be run would reserve (once per rule and site in a batch)."""
    site_id = rule.site_id or trigger.site_id
    if (rule.pk, site_id) not in estimates:
        estimates[(rule.pk, site_id)] = rule_estimate(rule, site_id=site_id)
    return estimates[(rule.pk, site_id)]


def rule_estimate(rule: AutomationRule, *, site_id: int | None) -> Decimal:
    """The credits a run of `rule` (saved or not) on `site_id` would reserve if it started now."""
    trigger = Trigger(rule.pk or 0, rule.trigger_type, {}, Causation(), site_id)
    run = _new_run(rule, trigger, "", {})
    steps = [] if run.program is not None else [_step(run, i, spec) for i, spec in enumerate(rule.actions)]
    return run_estimate(run, steps)


def _locked_rules(ids: set[int], active_only: bool) -> dict[int, AutomationRule]:
    """The rules, locked for the batch (decisions per rule are serialised across processes), in one query."""
    rules = AutomationRule.objects.select_for_update().filter(pk__in=ids).order_by("pk").only(*_TRIGGER_FIELDS)
    return {rule.pk: rule for rule in (rules.filter(is_active=True) if active_only else rules)}


def _group_key(rule: AutomationRule, trigger: Trigger) -> str:
    """The trigger's concurrency group; dry runs have their own, apart from the live runs' (same mode)."""
    key = _concurrency_key(rule, trigger.site_id)
    return f"dry:{key}" if trigger.dry_run else key


def _concurrency_key(rule: AutomationRule, site_id: int | None) -> str:
    site_id = rule.site_id or site_id
    return f"rule:{rule.id}" + (f":site:{site_id}" if rule.mode_scope == "site" else "")


class _ActiveRuns:
    """The active runs the decisions of one batch see, per concurrency group and per account.

    Counted in one query (grouped by account, by group for the batch's groups, and by status), plus one for
    the run ids of `single` and `restart` groups that have runs started (their decisions name them); then
    kept up to date as the batch decides.
    """

    def __init__(self, keys: dict[str, AutomationRule]) -> None:
        self.accounts: Counter[int] = Counter()
        self.running: dict[str, list[str]] = {key: [] for key in keys}
        self.queued: Counter[str] = Counter()
        self.planned: set[str] = set()  # run ids started by this batch, not written yet
        group = Case(When(concurrency_key__in=sorted(keys), then=F("concurrency_key")), default=Value(""))
        rows = (
            AutomationRun.objects.filter(
                account_id__in={rule.account_id for rule in keys.values()}, status__in=AutomationRun.ACTIVE
            )
            .annotate(group=group)
            .values_list("account_id", "group", "status")
            .annotate(count=Count("id"))
            .order_by()
        )
        for account_id, key, status, count in rows:
            self.accounts[account_id] += count
            if key and status == Status.QUEUED:
                self.queued[key] += count
            elif key:
                self.running[key] += [""] * count  # only their number matters, unless named below
        named = [key for key, rule in keys.items() if self.running[key] and rule.mode in ("single", "restart")]
        if named:
            for key in named:
                self.running[key] = []
            started = AutomationRun.objects.filter(concurrency_key__in=named).exclude(status=Status.QUEUED)
            started = started.filter(status__in=AutomationRun.ACTIVE).order_by("created_at", "id")
            for key, run_id in started.values_list("concurrency_key", "run_id"):
                self.running[key].append(run_id)

    def add(self, key: str, account_id: int, *, queued: bool = False, run_id: str = "") -> None:
        self.accounts[account_id] += 1
        if queued:
            self.queued[key] += 1
        else:
            self.running[key].append(run_id)
            self.planned.add(run_id)

    def restarted(self, key: str, account_id: int, cancelled: int) -> None:
        self.running[key] = []
        self.accounts[account_id] -= cancelled


def _parent_runs(triggers: list[Trigger]) -> dict[str, AutomationRun]:
    ids = {t.causation.run_id for t in triggers if t.causation.run_id}
    return {run.run_id: run for run in AutomationRun.objects.filter(run_id__in=ids)} if ids else {}


def _account_limit_text(active: int, limit: int) -> str:
    return (
        f"account limit: {active} runs are active or waiting, at most {limit} (AUTOMATION_MAX_ACTIVE_RUNS_PER_ACCOUNT)"
    )


def _fan_out_text(causation: Causation) -> str:
    return (
        f"fan-out limit: {settings.AUTOMATION_MAX_RUNS_PER_ROOT} runs already descend from the root event "
        f"{causation.root_event!r} (AUTOMATION_MAX_RUNS_PER_ROOT)"
    )


class _RootSlots:
    """The runs one batch may add to the count of each root event (AUTOMATION_MAX_RUNS_PER_ROOT).

    Claimed in Redis in one round trip before the decisions (as many as the batch could use, at most the
    limit), settled in one after them: what the batch did not use is given back (all of it if the batch
    failed). Without Redis the depth limit still bounds chains, so every run is allowed.
    """

    def __init__(self, triggers: list[Trigger]) -> None:
        limit = settings.AUTOMATION_MAX_RUNS_PER_ROOT
        wanted = Counter(t.causation.root_id for t in triggers)
        self.claimed = {root: min(count, limit) for root, count in wanted.items()}
        self.used: Counter[str] = Counter()
        self.available: dict[str, int] | None = None
        try:
            pipe = get_redis().pipeline()
            for root, count in self.claimed.items():
                pipe.incrby(_root_key(root), count)
                pipe.expire(_root_key(root), ROOT_COUNT_SECONDS)
            totals = pipe.execute()[::2]
        except Exception as exc:  # noqa: BLE001 - without Redis the depth limit still bounds chains
            log.warning("could not count the runs of roots %s: %s", sorted(self.claimed), exc)
            return
        self.available = {
            root: max(0, min(count, limit - (int(total) - count)))
            for (root, count), total in zip(self.claimed.items(), totals, strict=True)
        }

    def take(self, root: str) -> bool:
        if self.available is None:
            return True
        if self.available[root] <= 0:
            return False
        self.available[root] -= 1
        self.used[root] += 1
        return True

    def give_back(self, root: str) -> None:
        if self.available is not None:
            self.available[root] += 1
            self.used[root] -= 1

    def settle(self, *, failed: bool = False) -> None:
        if self.available is None:
            return
        unused = {root: count - (0 if failed else self.used[root]) for root, count in self.claimed.items()}
        if not any(count > 0 for count in unused.values()):
            return
        try:
            pipe = get_redis().pipeline()
            for root, count in unused.items():
                if count > 0:
                    pipe.decrby(_root_key(root), count)
            pipe.execute()
        except Exception:  # noqa: BLE001 - the count only bounds fan-out
            pass


def _root_key(root_id: str) -> str:
    return f"igny8:root-runs:{root_id}"


def new_run_id(trigger_type: str, *, suffix: bool = False, tail_bytes: int = 3) -> str:
    """run_YYYYMMDD_HHMMSS_<trigger> (the seeds' format); with `suffix`, a random tail of `tail_bytes` (for a
    taken id, or for the runs of a batch, whose tails are long enough that thousands a second never meet)."""
    base = f"run_{timezone.now():%Y%m%d_%H%M%S}_{run_trigger_type(trigger_type)}"
    return f"{base}_{secrets.token_hex(tail_bytes)}" if suffix else base


def _new_run(rule: AutomationRule, trigger: Trigger, key: str, parents: dict[str, AutomationRun]) -> AutomationRun:
    """A run of the batch, not written yet (its run_id is given when it is started or written)."""
    return unsaved(
        AutomationRun,
        account_id=rule.account_id,
        site_id=rule.site_id or trigger.site_id,
        rule=rule,
        rule_version=rule.version,
        rule_name=rule.name,
        trigger_type=run_trigger_type(trigger.trigger_type),
        trigger_payload=trigger.payload,
        concurrency_key=key,
        causation=trigger.causation.to_dict(),
        parent_run=parents.get(trigger.causation.run_id),
        program=flow.with_ids(rule.actions) if flow.is_flow(rule.actions) else None,
        dry_run=trigger.dry_run,
        idempotency_key=trigger.idempotency_key,
    )


def _start_fields(
    run: AutomationRun, steps: list[RunStep], counts: dict[tuple[str, int], int | None], *, alone: bool
) -> None:
    """Make an unwritten run a started one (run_start's fields) and reserve its estimated credits; raises
    InsufficientCredits having changed nothing. A run `alone` in its batch is written here, in the same
    savepoint as its reservation, so that a taken plain run id is replaced before any ledger row names it."""
    estimate = run_estimate(run, steps)
    now = timezone.now()
    run.status, run.started_at, run.heartbeat_at, run.credits_reserved = Status.RUNNING, now, now, estimate
    run.initial_snapshot = initial_snapshot(run, steps, counts)
    run.current_step = min((step.index for step in steps), default=0)
    if not alone:
        run.run_id = new_run_id(run.trigger_type, suffix=True, tail_bytes=6)
        if estimate > 0:
            _reserve(run, estimate)
        return
    for attempt in range(5):
        run.run_id = new_run_id(run.trigger_type, suffix=attempt > 0)
        try:
            with transaction.atomic():  # the plain id is taken when two runs start in the same second
                if estimate > 0:
                    _reserve(run, estimate)
                AutomationRun.objects.bulk_create([run])
            return
        except IntegrityError:
            run.pk = None
    raise RuntimeError("could not allocate a unique run_id")


def _reserve(run: AutomationRun, estimate: Decimal) -> None:
    credits_reserve(
        account_id=run.account_id, amount=estimate, operation="run_reservation", reference=Reference(run.run_id)
    )


def _write(planned: list[tuple[AutomationRun, list[RunStep]]], records: list[RecordRow]) -> None:
    """Write what the batch decided: runs, steps, rule counters, first log lines and trigger records, one insert
    each; then send each started run's first step (after commit)."""
    runs = [run for run, _steps in planned]
    _insert_runs([run for run in runs if run.pk is None])
    steps = [step for _run, run_steps in planned for step in run_steps]
    for run, run_steps in planned:
        for step in run_steps:
            step.run = run
    insert_many(RunStep, steps)
    now = timezone.now()
    per_rule = Counter(run.rule_id for run in runs)
    for times in sorted(set(per_rule.values())):
        AutomationRule.objects.filter(pk__in=[pk for pk, n in per_rule.items() if n == times]).update(
            execution_count=F("execution_count") + times, last_executed_at=now
        )
    started = [(run, run_steps) for run, run_steps in planned if run.status == Status.RUNNING]
    lines = [
        _line(
            run,
            f"run started ({run.trigger_type}), rule {run.rule_name!r} v{run.rule_version}"
            + (f", {run.credits_reserved} credits reserved" if run.credits_reserved else ""),
            None,
            "info",
            {},
        )
        for run, _steps in started
    ]
    insert_many(RunLog, lines)
    _insert_records(records)
    first_steps = []
    for run, run_steps in started:
        if run_steps:
            first_steps.append(_sent(min(run_steps, key=lambda step: step.index)))
        else:
            advance(run, run_steps)  # nothing to run: completed at once
    enqueue_steps(first_steps)


def _sent(step: RunStep) -> tuple[int, str, int | None]:
    """What sending a step takes (see send_step): its pk, its action's queue, its timeout."""
    try:
        queue = registry.get(step.action_type).queue
    except UnknownAction:
        queue = "default"
    return step.pk, queue, step.timeout


def _insert_runs(runs: list[AutomationRun]) -> None:
    """Insert runs not written yet with unique run_ids: a run alone tries the seeds' plain id first (in a
    savepoint that takes a taken one back); the runs of a batch get long random tails at once."""
    if len(runs) == 1 and not runs[0].run_id:
        run = runs[0]
        for attempt in range(5):
            run.run_id = new_run_id(run.trigger_type, suffix=attempt > 0)
            try:
                with transaction.atomic():
                    AutomationRun.objects.bulk_create([run])
                return
            except IntegrityError:
                run.pk = None
        raise RuntimeError("could not allocate a unique run_id")
    for run in runs:
        run.run_id = run.run_id or new_run_id(run.trigger_type, suffix=True, tail_bytes=6)
    insert_many(AutomationRun, runs)


_RECORD_COLUMNS = (
    "rule_id", "outcome", "reason", "run_id", "account_id", "trigger_type", "event", "object_type", "object_id",
    "causation", "at", "estimated_credits",
)  # fmt: skip
_RECORD_SQL = {
    # PostgreSQL: every row in one statement, from two JSON parameters: the rows [[rule, outcome, reason, run,
    # shared index], ...] and, once per trigger, the fields they share [[account, trigger type, event, object
    # type, object id, causation], ...].
    "postgresql": """
        INSERT INTO {table} ({columns})
        SELECT (r.value->>0)::bigint, r.value->>1, r.value->>2, (r.value->>3)::bigint,
               (s.value->>0)::bigint, s.value->>1, s.value->>2, s.value->>3, (s.value->>4)::bigint, s.value->5, %s,
               (r.value->>5)::numeric
        FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(value, n)
        JOIN jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS s(value, n) ON s.n = (r.value->>4)::bigint + 1
        ORDER BY r.n
    """,
    # SQLite: one prepared statement run for every row (executemany), the causation serialised once per trigger.
    "sqlite": "INSERT INTO {table} ({columns}) VALUES ({values})",
}


def _insert_records(records: list[RecordRow]) -> None:
    """Write trigger records in one statement: what `bulk_create` would write, without building a model
    instance and preparing every field of every row (an event writes one per rule listening). On SQLite the
    statement is prepared once and run for every row (executemany), the cheapest there is."""
    if not records:
        return
    connection = connections[router.db_for_write(TriggerRecord)]
    sql = _RECORD_SQL.get(connection.vendor)
    if sql is None:  # another database: the ORM's way
        TriggerRecord.objects.bulk_create(
            TriggerRecord(
                rule_id=rule_id, outcome=outcome, reason=reason, run=run, account_id=f.account_id,
                trigger_type=f.trigger_type, event=f.event, object_type=f.object_type, object_id=f.object_id,
                causation=f.causation, estimated_credits=estimate,
            )
            for rule_id, outcome, reason, run, f, estimate in records
        )  # fmt: skip
        return
    meta = TriggerRecord._meta
    quote = connection.ops.quote_name
    statement = sql.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(c) for c in _RECORD_COLUMNS),
        values=", ".join(["%s"] * len(_RECORD_COLUMNS)),
    )
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "sqlite":
        causations: dict[int, str] = {}
        values = []
        for rule_id, outcome, reason, run, f, estimate in records:
            causation = causations.get(id(f))
            if causation is None:
                causation = causations[id(f)] = json.dumps(f.causation, default=str)
            values.append(
                (
                    rule_id, outcome, reason, run.pk if run is not None else None, f.account_id, f.trigger_type,
                    f.event, f.object_type, f.object_id, causation, at,
                    None if estimate is None else connection.ops.adapt_decimalfield_value(estimate, 14, 2),
                )
            )  # fmt: skip
        # One transaction: in autocommit, SQLite would commit (and sync the file) after every row.
        with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
            cursor.executemany(statement, values)
        return
    shared: dict[int, int] = {}
    fields: list[list[Any]] = []
    rows = []
    for rule_id, outcome, reason, run, f, estimate in records:
        index = shared.get(id(f))
        if index is None:
            index = shared[id(f)] = len(fields)
            fields.append([f.account_id, f.trigger_type, f.event, f.object_type, f.object_id, f.causation])
        rows.append(
            (
                rule_id,
                outcome,
                reason,
                run.pk if run is not None else None,
                index,
                None if estimate is None else str(estimate),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, [at, json.dumps(rows), json.dumps(fields, default=str)])


def _step(run: AutomationRun, index: int, spec: dict) -> RunStep:
    retry = spec.get("retry") or {}
    return unsaved(
        RunStep,
        run=run,
        index=index,
        key=spec.get("id") or f"step-{index + 1}",
        path=f"actions/{index}",
        action_type=spec["type"],
        name=spec.get("name", ""),
        params=spec.get("params") or {},
        on_error=spec.get("on_error", "stop"),
        max_retries=retry.get("max", 0),
        retry_backoff=retry.get("backoff", 2.0),
        timeout=spec.get("timeout"),
    )


# --- starting, advancing, finishing ----------------------------------------------------------


def run_start(run: AutomationRun, steps: list[RunStep] | None = None) -> AutomationRun:
    """queued → running: reserve the estimated credits, then send the first step.

    Raises InsufficientCredits (having changed nothing) when the account cannot cover the estimate.
    """
    steps = steps if steps is not None else list(run.steps.all())
    estimate = run_estimate(run, steps)
    if estimate > 0:
        credits_reserve(
            account_id=run.account_id, amount=estimate, operation="run_reservation", reference=Reference(run.run_id)
        )
    now = timezone.now()
    fields = {
        "status": Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "credits_reserved": estimate,
        "initial_snapshot": initial_snapshot(run, steps),
    }
    AutomationRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run_log(
        run,
        f"run started ({run.trigger_type}), rule {run.rule_name!r} v{run.rule_version}"
        + (f", {estimate} credits reserved" if estimate else ""),
    )
    advance(run, steps)
    return run


def run_estimate(run: AutomationRun, steps: list[RunStep] | None = None) -> Decimal:
    """The credits to reserve: the preset's projection, else the sum of the pending steps' estimates (none for a
    dry run, which charges nothing)."""
    if run.dry_run:
        return Decimal("0")
    preset = preset_for(run.rule.preset_key if run.rule_id and run.rule else "")
    if preset is not None and preset.estimate is not None:
        return Decimal(preset.estimate(run.site_id))
    total = Decimal("0")
    if run.program is not None:  # every action of the program once (a loop's items are charged as they run)
        for _path, entry, _depth in flow.iter_entries(run.program):
            if entry["type"] in flow.CONTROL_TYPES:
                continue
            try:
                action = registry.get(entry["type"])
            except UnknownAction:
                continue
            total += action.estimate(entry.get("params") or {}, site_id=run.site_id, account_id=run.account_id)
        return total
    for step in steps if steps is not None else run.steps.all():
        if step.status != StepStatus.PENDING:
            continue
        try:
            action = registry.get(step.action_type)
        except UnknownAction:
            continue
        total += action.estimate(step.params, site_id=run.site_id, account_id=run.account_id)
    return total


def initial_snapshot(
    run: AutomationRun, steps: list[RunStep], counts: dict[tuple[str, int], int | None] | None = None
) -> dict[str, int]:
    """Queue sizes at the start, per step (`stage_N_initial`, as the seeds name them) and in total.

    `counts` keeps the sizes per action and site for the runs a batch starts at the same moment."""
    counts = counts if counts is not None else {}
    snapshot: dict[str, int] = {}
    for step in steps:
        try:
            key = (step.action_type, run.site_id or 0)
            if key not in counts:
                counts[key] = registry.get(step.action_type).pending_count(run.site_id) if run.site_id else None
            pending = counts[key]
        except UnknownAction:
            continue
        if pending is not None:
            snapshot[f"stage_{step.index + 1}_initial"] = pending
    snapshot["total_initial_items"] = sum(snapshot.values())
    return snapshot


def advance(run: AutomationRun, steps: list[RunStep] | None = None) -> None:
    """Send the first unfinished step (from `steps` when the caller has them), or complete the run."""
    if run.program is not None:
        advance_flow(run, resend=True)
        return
    if steps is None:
        step = run.steps.filter(status__in=UNFINISHED).order_by("index").first()
    else:
        step = next((s for s in sorted(steps, key=lambda s: s.index) if s.status in UNFINISHED), None)
    if step is None:
        finish_run(run, _completed(run))
        return
    # Current step and heartbeat in one write: recovery sees a run that moves as alive.
    AutomationRun.objects.filter(pk=run.pk).update(current_step=step.index, heartbeat_at=timezone.now())
    run.current_step = step.index
    send_step(step)


def advance_to(run: AutomationRun, step: RunStep | None) -> None:
    """After a step finished: send `step`, the run's next unfinished step, if the run is still running (one
    conditional write, which also beats the heartbeat), or complete the run when there is none."""
    if step is None:
        finish_run(run, _completed(run))
        return
    moved = AutomationRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        current_step=step.index, heartbeat_at=timezone.now()
    )
    if moved:  # a run paused or cancelled meanwhile stays where it is
        run.current_step = step.index
        send_step(step)


# --- runs of a program (control flow) --------------------------------------------------------


def advance_flow(run: AutomationRun, *, resend: bool = False) -> None:
    """Move a program's run on: under the run's lock, plan from its steps (rules.core.flow.plan), create the
    steps it reached, record the blocks' decisions and progress, send the new steps, finish the run when nothing
    is left. `resend`: also send the steps that are due and held by no worker (a start, resume, retry or
    recovery; a step sent twice runs once: its lease decides)."""
    with transaction.atomic():
        locked = AutomationRun.objects.select_for_update().filter(pk=run.pk, status=Status.RUNNING).first()
        if locked is None or locked.program is None:
            return
        steps = {step.key: step for step in locked.steps.only(*_PLANNED_FIELDS)}
        records = {key: flow.Record(step.status, step.result, step.error) for key, step in steps.items()}
        limits = flow.Limits(settings.AUTOMATION_MAX_FOREACH_ITEMS, settings.AUTOMATION_MAX_RUN_STEPS)
        plan = flow.plan(locked.program, records, _flow_context(locked), limits)
        now = timezone.now()
        index = max((step.index for step in steps.values()), default=-1) + 1
        new = [_flow_step(locked, index + n, record, now) for n, record in enumerate(plan.create)]
        if new:
            RunStep.objects.bulk_create(new)
            RunLog.objects.bulk_create(
                _line(locked, line, step, "info", {}) for step in new if (line := _decision_line(step))
            )
        for key, (status, result, error) in plan.update.items():
            finished_at = now if status in flow.FINISHED else None
            RunStep.objects.filter(pk=steps[key].pk).update(
                status=status, result=result, error=error[:5000], finished_at=finished_at
            )
        sent = [step for step in new if step.status == StepStatus.PENDING]
        if resend:
            sent += [step for step in steps.values() if _due(step, now)]
        if plan.finished:
            if plan.message and plan.finished != Status.FAILED:
                run_log(locked, plan.message)
            finish_run(locked, plan.finished, plan.message if plan.finished == Status.FAILED else "")
            run.status = locked.status
            return
        beat = now if sent else _beat_until(steps, now)  # a step on its way: the run is alive now, not only waiting
        # The heartbeat (and the latest step sent as the run's place): one write, skipped while it is fresh (most
        # steps of a loop); a run that only waits beats at its first wake-up.
        age = now - locked.heartbeat_at if locked.heartbeat_at is not None else None
        # (a heartbeat ahead of now was a wait's wake-up: the run moves again, so it beats now)
        fresh = age is not None and beat == now and timedelta(0) <= age < timedelta(seconds=5)
        if not fresh:
            current = max((step.index for step in sent), default=locked.current_step)
            AutomationRun.objects.filter(pk=run.pk).update(current_step=current, heartbeat_at=beat)
        for step in sent:
            send_step(step)


# What planning reads of a program's steps (not their params: a leaf's are fixed when it is made).
_PLANNED_FIELDS = (
    "id", "run_id", "index", "key", "action_type", "status", "result", "error", "timeout", "wake_at", "lease_token",
    "lease_until",
)  # fmt: skip


def _beat_until(steps: dict[str, RunStep], now: Any) -> Any:
    """The run's heartbeat: now, or, when all it does is wait, the first wake-up (a day at most), so recovery
    does not look at a run that waits for days on every pass."""
    unfinished = [s for s in steps.values() if s.status in UNFINISHED and s.action_type not in flow.BLOCKS]
    if not unfinished or any(s.status != StepStatus.WAITING for s in unfinished):
        return now
    day = now + timedelta(days=1)
    return min([s.wake_at for s in unfinished if s.wake_at is not None] + [day])


def _flow_context(run: AutomationRun) -> dict[str, Any]:
    """What a program's conditions see besides its steps and loop items: the trigger's event and object, the
    payload, the site and account (the names the rule's own conditions use)."""
    payload = run.trigger_payload or {}
    event = (
        {"name": payload["event"], "changes": payload.get("changes") or {}, "object": payload.get("object")}
        if payload.get("event")
        else None
    )
    return evaluation_context(
        account_id=run.account_id,
        site={"id": run.site_id} if run.site_id else {},
        event=event,
        payload=payload.get("payload"),
        now=timezone.now().isoformat(),
    )


def _flow_step(run: AutomationRun, index: int, record: flow.NewRecord, now: Any) -> RunStep:
    entry, retry = record.entry, record.entry.get("retry") or {}
    return RunStep(
        run=run,
        index=index,
        key=record.key,
        path=record.path,
        action_type=entry["type"],
        name=entry.get("name", ""),
        params=record.params,
        on_error=entry.get("on_error", "stop"),
        max_retries=retry.get("max", 0),
        retry_backoff=retry.get("backoff", 2.0),
        timeout=entry.get("timeout") if entry["type"] not in flow.CONTROL_TYPES else None,
        status=record.status,
        result=record.result,
        error=record.error[:5000],
        started_at=None if record.status == StepStatus.PENDING else now,
        finished_at=now if record.status in flow.FINISHED else None,
    )


def _decision_line(step: RunStep) -> str:
    """The log line of a block's decision (an entry skipped by its condition, a branch taken, a loop's items)."""
    label = f"{step.action_type} {step.key!r}"
    if step.status == StepStatus.SKIPPED:
        return f"{label} skipped: its condition was false"
    if step.action_type in ("if", "switch"):
        return f"{label} took {step.result.get('branch', '')}"
    if step.action_type == "for_each":
        return f"{label}: {step.result.get('items_total', 0)} items"
    if step.action_type == "stop":
        return f"{label}: the run stops ({step.result.get('stopped')})"
    if step.status == StepStatus.FAILED:
        return f"{label} failed: {step.error}"
    return ""


def _due(step: RunStep, now: Any) -> bool:
    """A step that should be on its way to a worker and may not be: pending or running with no live lease, or
    waiting with its time up (a lost timer)."""
    if step.action_type in flow.BLOCKS or step.action_type == "stop":
        return False
    if step.status == StepStatus.WAITING:
        return step.wake_at is not None and step.wake_at <= now
    held = step.lease_token and step.lease_until is not None and step.lease_until > now
    return step.status in (StepStatus.PENDING, StepStatus.RUNNING) and not held


def complete_waiting(step: RunStep, output: dict[str, Any], *, failed: str = "") -> bool:
    """End a waiting step from outside (an approval, an awaited event, a called run that finished) and move its
    run on; False when the step was not waiting any more (its timer or another answer came first)."""
    result = {**step.result, "output": output}
    status = StepStatus.FAILED if failed else StepStatus.COMPLETED
    with transaction.atomic():
        done = RunStep.objects.filter(pk=step.pk, status=StepStatus.WAITING).update(
            status=status,
            result=result,
            error=failed[:5000],
            error_kind="permanent" if failed else "",
            finished_at=timezone.now(),
            wake_at=None,
            lease_token="",
            lease_until=None,
        )
        if not done:
            return False
        step.status, step.result, step.error = status, result, failed
        run = AutomationRun.objects.get(pk=step.run_id)
        run_log(run, f"{step_label(step)} {status}" + (f": {failed}" if failed else ""), step=step)
        stats.step_finished(step.action_type, status)
        advance_flow(run)
    return True


def _wake_caller(child: AutomationRun) -> None:
    """A run started by a `call_rule` step that waits for it has finished: end that step with its outputs."""
    if child.parent_run_id is None:
        return
    waiting = RunStep.objects.filter(
        run_id=child.parent_run_id, action_type="call_rule", status=StepStatus.WAITING
    ).select_related("run")
    for step in waiting:
        if step.result.get("child_run_id") == child.run_id:
            complete_waiting(step, called_output(child), failed=called_failure(child))


def called_output(child: AutomationRun) -> dict[str, Any]:
    """What a called run hands back: its status and each step's output by key."""
    outputs = {key: result.get("output") for key, result in child.steps.values_list("key", "result")}
    return {
        "run_id": child.run_id,
        "status": child.status,
        "steps": {key: output for key, output in outputs.items() if output},
    }


def called_failure(child: AutomationRun) -> str:
    if child.status in (Status.FAILED, Status.CANCELLED):
        return f"the called run {child.run_id} {child.status}" + (
            f": {child.error_message}" if child.error_message else ""
        )
    return ""


def _completed(run: AutomationRun) -> str:
    """How a run whose steps are all done ends: completed, or completed_with_errors when a step failed and the run
    went on past it (on_error: continue)."""
    failed = run.steps.filter(status=StepStatus.FAILED).exists()
    return Status.COMPLETED_WITH_ERRORS if failed else Status.COMPLETED


def send_step(step: RunStep, *, countdown: float = 0) -> None:
    """Send the step's execution to its action's queue (after commit)."""
    try:
        queue = registry.get(step.action_type).queue
    except UnknownAction:
        queue = "default"
    enqueue_step(step.pk, queue=queue, countdown=countdown, timeout=step.timeout)


def finish_run(run: AutomationRun, status: str, error: str = "") -> None:
    """Close a run: settle the reservation, record the end, start the next queued run of its group."""
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "completed_at": now, "heartbeat_at": now}
    if error:
        fields["error_message"] = error[:5000]
    updated = AutomationRun.objects.filter(pk=run.pk).exclude(status__in=AutomationRun.FINISHED).update(**fields)
    if not updated:
        return
    run.refresh_from_db()
    # A program's steps that did not finish are cancelled (a retry takes them up again); a list's are skipped.
    closed_status = (
        StepStatus.CANCELLED if status == Status.CANCELLED or run.program is not None else StepStatus.SKIPPED
    )
    closed = list(run.steps.filter(status__in=UNFINISHED).values_list("pk", "action_type"))
    if closed:
        RunStep.objects.filter(pk__in=[pk for pk, _ in closed], status__in=UNFINISHED).update(
            status=closed_status, lease_token=""
        )
    stats.run_finished(status, closed_actions=[action for _, action in closed], closed_status=closed_status)
    if any(action == "wait" for _, action in closed):  # an event it waited for may be awaited no more
        transaction.on_commit(lambda: rule_index.publish(run.account_id))
    leftover = run.credits_reserved - min(run.total_credits_used, run.credits_reserved)
    if leftover > 0:
        credits_release(
            account_id=run.account_id, amount=leftover, operation="run_settlement", reference=Reference(run.run_id)
        )
    run_log(
        run,
        f"run {status}" + (f": {error}" if error else "") + f"; credits used {run.total_credits_used}",
        level="error" if status == Status.FAILED else "info",
    )
    transaction.on_commit(lambda: on_run_finished(run.pk))


def on_run_finished(run_pk: int) -> None:
    """Start the next queued run of the group, send `run_finished`, emit run.completed / run.failed."""
    run = AutomationRun.objects.filter(pk=run_pk).select_related("rule", "site").first()
    if run is None:
        return
    _start_next_queued(run)
    _wake_caller(run)
    run_finished.send(sender=AutomationRun, run=run)
    name = {"completed": "run.completed", "completed_with_errors": "run.completed", "failed": "run.failed"}.get(
        run.status
    )
    if name is None or run.dry_run:  # a dry run happened nowhere: no rule hears of it
        return
    event = {
        "name": name,
        "account_id": run.account_id,
        "site_id": run.site_id,
        "object_type": "run",
        "object": {
            "id": run.pk,
            "run_id": run.run_id,
            "rule": run.rule_id,
            "site": run.site_id,
            "status": run.status,
            "trigger_type": run.trigger_type,
            "total_credits_used": float(run.total_credits_used),
            "error_message": run.error_message,
        },
        "changes": {},
    }
    parent = Causation.from_dict(run.causation).child(rule_id=run.rule_id or 0, run_id=run.run_id)
    listened = bool(rule_index.lookup(run.account_id, name) or rule_index.awaits(run.account_id, name))
    journal.emit([(event, parent.to_dict(), listened)])


def admit_run(run: AutomationRun) -> AutomationRun:
    """Start a queued run now if its group has room (used by retry), else leave it queued."""
    if run.rule_id is None:
        return _start_admitted(run)
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        busy = (
            AutomationRun.objects.filter(
                concurrency_key=run.concurrency_key, status__in=[Status.RUNNING, Status.PAUSED]
            )
            .exclude(pk=run.pk)
            .exists()
        )
        if not busy:
            _start_admitted(run)
    return run


def _start_admitted(run: AutomationRun) -> AutomationRun:
    """Start a run that already exists (it waited in a queue, or is retried); one it cannot afford fails."""
    try:
        with transaction.atomic():
            return run_start(run)
    except InsufficientCredits as exc:
        finish_run(run, Status.FAILED, str(exc))
        run.refresh_from_db()
        return run


def _start_next_queued(run: AutomationRun) -> None:
    if run.rule_id is None:
        return
    with transaction.atomic():
        AutomationRule.objects.select_for_update().filter(pk=run.rule_id).first()
        group = AutomationRun.objects.filter(concurrency_key=run.concurrency_key)
        if group.filter(status__in=[Status.RUNNING, Status.PAUSED]).exists():
            return
        waiting = group.filter(status=Status.QUEUED).order_by("created_at", "id").first()
        if waiting is not None:
            _start_admitted(waiting)


# --- control: pause, resume, cancel, retry ---------------------------------------------------


def run_pause(run: AutomationRun) -> AutomationRun:
    """Takes effect between steps (and between batches inside batched actions)."""
    if not AutomationRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        status=Status.PAUSED, paused_at=timezone.now()
    ):
        raise RunStateError(f"run {run.run_id} is {run.status}; only a running run can be paused")
    run.refresh_from_db()
    run_log(run, "run paused")
    return run


def run_resume(run: AutomationRun) -> AutomationRun:
    """Continue from the first unfinished step."""
    if not AutomationRun.objects.filter(pk=run.pk, status=Status.PAUSED).update(
        status=Status.RUNNING, resumed_at=timezone.now(), heartbeat_at=timezone.now()
    ):
        raise RunStateError(f"run {run.run_id} is {run.status}; only a paused run can be resumed")
    run.refresh_from_db()
    run_log(run, "run resumed")
    running = run.steps.filter(status=StepStatus.RUNNING, lease_token__gt="").exists()
    if not running:  # a step still finishing its batch will send the next one itself
        advance(run)
    return run


def run_cancel(run: AutomationRun, *, reason: str = "cancelled by user") -> AutomationRun:
    """Stop the run and mark the steps that did not finish cancelled."""
    if run.status in AutomationRun.FINISHED:
        raise RunStateError(f"run {run.run_id} is already {run.status}")
    AutomationRun.objects.filter(pk=run.pk).update(cancelled_at=timezone.now())
    finish_run(run, Status.CANCELLED, reason)
    run.refresh_from_db()
    return run


def run_retry(run: AutomationRun, *, from_start: bool = False) -> AutomationRun:
    """A failed or cancelled run again, from its failed step (or the start), as a new attempt."""
    if run.status not in (Status.FAILED, Status.CANCELLED):
        raise RunStateError(f"run {run.run_id} is {run.status}; only failed or cancelled runs can be retried")
    steps = run.steps.all()
    if run.program is not None:
        _retry_program(run, from_start=from_start)
    elif not from_start:
        first = steps.exclude(status=StepStatus.COMPLETED).order_by("index").first()
        steps = steps.filter(index__gte=first.index if first else 0)
    if run.program is None:
        _reset(steps)
    AutomationRun.objects.filter(pk=run.pk).update(
        status=Status.QUEUED, attempt=run.attempt + 1, completed_at=None, cancelled_at=None, error_message=""
    )
    run.refresh_from_db()
    run_log(run, f"retry as attempt {run.attempt} from {'the start' if from_start else 'the failed step'}")
    return admit_run(run)


def _retry_program(run: AutomationRun, *, from_start: bool) -> None:
    """A program's run again: from the start its records go (the program decides anew); else the steps that
    failed or were cancelled run again and the blocks around them go on (a block that failed deciding decides
    again), inside branches and loops alike."""
    steps = run.steps.all()
    if from_start:
        steps.delete()
        return
    undone = steps.filter(status__in=[StepStatus.FAILED, StepStatus.CANCELLED])
    blocks = undone.filter(action_type__in=sorted(flow.BLOCKS))
    decided = [step.pk for step in blocks if step.action_type == "parallel" or {"branch", "items"} & set(step.result)]
    blocks.exclude(pk__in=decided).delete()
    RunStep.objects.filter(pk__in=decided).update(status=StepStatus.RUNNING, error="", finished_at=None)
    _reset(undone.exclude(action_type__in=sorted(flow.BLOCKS)))


def _reset(steps: Any) -> None:
    steps.update(
        status=StepStatus.PENDING,
        error="",
        error_kind="",
        finished_at=None,
        lease_token="",
        lease_until=None,
        wake_at=None,
        lost_executions=0,
    )


# --- recovery --------------------------------------------------------------------------------


def lease_seconds() -> int:
    return int(getattr(settings, "AUTOMATION_LEASE_SECONDS", 60))


def recover_stale_runs() -> list[str]:
    """Send again the current step of running runs whose worker went away (expired lease, stale heartbeat)."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=lease_seconds())
    recovered = []
    for run in AutomationRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale_before):
        if run.program is not None:  # every branch's due step is sent again (a lost timer too)
            if any(_due(step, now) for step in run.steps.all()):
                run_log(run, "worker lost or timer lost: the due steps are sent again", level="warning")
                recovered.append(run.run_id)
            advance_flow(run, resend=True)
            continue
        step = run.steps.filter(status__in=UNFINISHED).order_by("index").first()
        if step is None:
            finish_run(run, Status.COMPLETED)
            continue
        if step.lease_until and step.lease_until > now:
            continue  # a live worker holds it
        # The token stays: the next execution takes over the item claims of the lost one.
        RunStep.objects.filter(pk=step.pk).update(lease_until=None)
        AutomationRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        run_log(
            run,
            f"worker lost: {step_label(step)} sent again (heartbeat stale since {run.heartbeat_at})",
            step=step,
            level="warning",
        )
        send_step(step)
        recovered.append(run.run_id)
    return recovered
