"""Automation rules, their versions, runs, run steps, run logs and trigger records."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from backend.core.crypto import EncryptedTextField
from backend.core.models import TimestampedModel


class AutomationRule(TimestampedModel):
    # What a version records, an export holds and an import or the API may set: the rule's one field list.
    # The rule's own fields, by their API names, in the order people read them: defined once. The API
    # serializes them, every version snapshots them, an exported file holds exactly them, an import takes them.
    FIELDS = (
        "name",
        "description",
        "is_active",
        "site",
        "trigger",
        "conditions",
        "actions",
        "mode",
        "max_runs",
        "mode_scope",
        "allow_self_trigger",
        "budget_per_run",
        "is_shadow",
    )

    class Mode(models.TextChoices):
        SINGLE = "single"  # a trigger while a run is active is dropped (and recorded)
        QUEUED = "queued"  # runs one after another
        PARALLEL = "parallel"  # up to max_runs at once; beyond that dropped
        RESTART = "restart"  # the active run is cancelled, the new one starts

    class ModeScope(models.TextChoices):
        RULE = "rule"
        SITE = "site"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="rules")
    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="rules")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    trigger = models.JSONField(default=dict)
    conditions = models.JSONField(null=True, blank=True)  # stored as JSONLogic (seed list form translated)
    actions = models.JSONField(default=list)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.SINGLE)
    max_runs = models.PositiveSmallIntegerField(default=10)
    mode_scope = models.CharField(max_length=8, choices=ModeScope.choices, default=ModeScope.RULE)
    allow_self_trigger = models.BooleanField(default=False)
    # Hard stop: a run of this rule may charge at most this many credits (None: no limit).
    budget_per_run = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # A shadow rule listens (while active) and records what it would have done, with the would-be run's
    # estimated credits (trigger records with outcome `shadow`); it starts no run.
    is_shadow = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    preset_key = models.CharField(max_length=64, blank=True)  # e.g. "seven_stage" for the default rule
    execution_count = models.PositiveIntegerField(default=0)
    last_executed_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from `trigger` for the dispatch index and the scheduler.
    trigger_type = models.CharField(max_length=16, db_index=True, editable=False, default="manual")
    trigger_event = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    webhook_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    webhook_secret = EncryptedTextField(blank=True)
    # Signs the rule's outbound webhook calls (X-Automation-Signature); shown once, stored encrypted.
    signing_secret = EncryptedTextField(blank=True)
    # Write-only secrets its steps use by name (a webhook's `secret_headers`): JSON {name: value}, encrypted,
    # never returned by the API, never in versions or exported files.
    credentials = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["is_active", "trigger_type", "next_run_at"])]

    def __str__(self) -> str:
        return self.name


class AutomationRuleVersion(models.Model):
    """A snapshot of a rule as it was at one version (for history, diff and restore)."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique")]


class AutomationRun(models.Model):
    """One run of one rule (the seven-stage pipeline included), recorded step by step."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        PAUSED = "paused"
        COMPLETED = "completed"
        # Finished, but a step failed and the run went on past it (its on_error: continue).
        COMPLETED_WITH_ERRORS = "completed_with_errors"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class TriggerType(models.TextChoices):
        MANUAL = "manual"
        SCHEDULED = "scheduled"
        EVENT = "event"
        WEBHOOK = "webhook"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.PAUSED)
    FINISHED = (Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED, Status.CANCELLED)

    run_id = models.CharField(max_length=100, unique=True)
    # No index of their own (db_index=False): the Meta indexes that start with them serve every lookup, and each
    # index is written with every run the dispatcher starts.
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="runs", db_index=False)
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs", db_index=False
    )
    rule = models.ForeignKey(
        AutomationRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs", db_index=False
    )
    rule_version = models.PositiveIntegerField(default=1)
    rule_name = models.CharField(max_length=200, blank=True)
    trigger_type = models.CharField(max_length=16, choices=TriggerType.choices)
    trigger_payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.QUEUED, db_index=True)
    concurrency_key = models.CharField(max_length=100)  # indexed with the status (Meta)
    current_step = models.IntegerField(default=0)
    attempt = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total_credits_used = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    credits_reserved = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    error_message = models.TextField(blank=True)
    # What started this run: {"event": name, "root_event": name, "depth": n, "rule_path": [ids], "parent_run_id": …}
    causation = models.JSONField(default=dict, blank=True)
    parent_run = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="child_runs")
    # Pipeline runs (the seven-stage preset) keep their seed-shaped numbers here.
    initial_snapshot = models.JSONField(default=dict, blank=True)
    # A rule with control flow (rules.core.flow): its actions as this run uses them, every entry with its id. The
    # run's steps are created as it reaches them. None for a plain list of actions: its steps are made at start.
    program = models.JSONField(null=True, blank=True)
    # A dry run changes nothing: each step's work is rolled back, AI goes through the offline provider, outbound
    # calls are not made and no credits are charged (the steps record what they would have done).
    dry_run = models.BooleanField(default=False)
    # The run of a journaled event: "event:<journal id>:<rule id>:v<rule version>" (live or replayed), so a replay
    # never starts a run that event already started for that version of the rule.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # An account's, a site's, a rule's runs newest first, in the lists' exact order (no sort, no scan of
            # other accounts' runs): runs lists, history pages and run numbers read from the index alone.
            models.Index(fields=["account", "-created_at", "-id"]),
            models.Index(fields=["site", "-created_at", "-id"]),
            models.Index(fields=["rule", "-created_at", "-id"]),
            # Last finished and last completed runs of a site (dashboard, historical averages), without a sort.
            models.Index(fields=["site", "-completed_at", "status"]),
            models.Index(fields=["rule", "-started_at"]),  # the pipeline's "last run" time
            # Runs whose rule was deleted (few): counted apart from the rules' run counters (selectors.runs_counted).
            models.Index(fields=["account"], condition=models.Q(rule__isnull=True), name="run_orphan_account_idx"),
            # The runs in flight (few, however long the history): /metrics, recovery of stale runs.
            models.Index(
                fields=["status"], condition=models.Q(status__in=["queued", "running", "paused"]), name="run_active_idx"
            ),
            models.Index(fields=["concurrency_key", "status"]),
            models.Index(fields=["account", "status"]),
        ]

    def __str__(self) -> str:
        return self.run_id


class RunStep(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        WAITING = "waiting"  # a wait, an approval or a called rule: no worker held until it is woken
        COMPLETED = "completed"
        FAILED = "failed"
        SKIPPED = "skipped"
        CANCELLED = "cancelled"

    class ErrorKind(models.TextChoices):
        NONE = ""
        TRANSIENT = "transient"
        PERMANENT = "permanent"

    # Found through the (run, index) constraint's index: none of its own.
    run = models.ForeignKey(AutomationRun, on_delete=models.CASCADE, related_name="steps", db_index=False)
    index = models.PositiveSmallIntegerField()  # order of execution
    # Stable address: the rule's step `id` (or "step-<n>"), and where the step stands in the rule ("actions/2").
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    action_type = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    on_error = models.CharField(max_length=8, default="stop")
    max_retries = models.PositiveSmallIntegerField(default=0)
    retry_backoff = models.FloatField(default=2.0)
    timeout = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    input_count = models.IntegerField(default=0)
    output_count = models.IntegerField(default=0)
    credits_used = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=16, choices=ErrorKind.choices, blank=True, default="")
    # A lease makes sure only one delivery of the step task executes at a time.
    lease_token = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # A deferred step (a wait, a delay between batches) runs again no earlier than this.
    wake_at = models.DateTimeField(null=True, blank=True)
    # Executions that started and never recorded an outcome (their worker died): bounded, then the step fails.
    lost_executions = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "index"]
        indexes = [
            # The steps waiting (few, however long the history): awaited events for the rule index, their wake-ups.
            models.Index(fields=["action_type"], condition=models.Q(status="waiting"), name="step_waiting_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="run_step_unique"),
            models.UniqueConstraint(fields=["run", "key"], name="run_step_key_unique"),
        ]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 3)
        return None


class RunLog(models.Model):
    run = models.ForeignKey(AutomationRun, on_delete=models.CASCADE, related_name="logs", db_index=False)  # (run, id)
    step_index = models.SmallIntegerField(null=True, blank=True)
    level = models.CharField(max_length=8, default="info")
    message = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "id"])]


class TriggerRecord(models.Model):
    """A trigger that reached a rule: whether it started a run, or why it was dropped."""

    class Outcome(models.TextChoices):
        STARTED = "started"
        QUEUED = "queued"
        DROPPED_CONDITIONS = "dropped_conditions"
        DROPPED_MODE = "dropped_mode"
        DROPPED_LOOP = "dropped_loop"
        DROPPED_LIMIT = "dropped_limit"  # an account or fan-out limit on runs
        REFUSED_CREDITS = "refused_credits"
        CONDITION_ERROR = "condition_error"
        SHADOW = "shadow"  # a shadow rule would have started a run (nothing was executed)

    # Every rule listening to an event leaves a record (100 rows for an event 100 rules listen to), so the rows
    # are written without database foreign-key checks, which were nearly half the cost of the insert: Django
    # still cascades deletes of rules, accounts and runs to them, and a record whose rule was deleted while it
    # was written is one nobody lists (records are read per rule).
    rule = models.ForeignKey(
        AutomationRule, on_delete=models.CASCADE, related_name="trigger_records", db_constraint=False
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    trigger_type = models.CharField(max_length=16)
    event = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    run = models.ForeignKey(
        AutomationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    causation = models.JSONField(default=dict, blank=True)
    # A shadow rule's would-be run: the credits it would have reserved.
    estimated_credits = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["rule", "-id"])]


class EventRecord(models.Model):
    """The event journal: every domain event of an account (model changes, custom events, webhook deliveries,
    schedule fires, run outcomes) as it was emitted, after its transaction committed. Backtests, shadow
    summaries and replays read it; pruned with the rest of history (AUTOMATION_RETENTION_DAYS). Written in bulk
    and without database foreign-key checks (like trigger records): deletes still cascade through Django."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    site_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=100)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    object = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    causation = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "name", "-at"], name="event_account_name_at_idx"),
            models.Index(fields=["account", "-at", "-id"], name="event_account_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class DeadLetter(models.Model):
    """A task message set aside because its worker died every time it ran it (never redelivered forever)."""

    task = models.CharField(max_length=100)
    task_id = models.CharField(max_length=100, blank=True)
    args = models.JSONField(default=list, blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    run = models.ForeignKey(AutomationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    deliveries = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]


class RunTally(models.Model):
    """What pruned runs leave behind (AUTOMATION_RETENTION_DAYS): counts and sums per rule, so run numbers and
    statistics over longer windows keep working after the rows are gone."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, null=True, blank=True, related_name="tallies")
    runs = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    completed_with_errors = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    credits_used = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    # Per step index: {"<index>": {"runs": n, "inputs": n, "outputs": n, "credits": "x.xx"}} over completed runs.
    steps = models.JSONField(default=dict, blank=True)
    newest_pruned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "site", "rule"], name="run_tally_unique"),
        ]
