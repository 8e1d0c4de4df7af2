"""The contract between the engine and its action plugins.

An action is a class: attributes describe it (`key`, `name`, `params_schema`, `queue`, …) and `run(ctx, params)`
does the work. `run` returns a StepResult, or raises ActionError(message, permanent=...): a transient error is
retried with backoff up to the step's retry limit, a permanent one fails the step at once.

`ctx` is the engine's action context; `ActionContext` below is everything a plugin may ask of it, so plugins
depend on this module and never on the engine's internals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol


class ActionError(Exception):
    """A step failed; `permanent=False` means retrying may help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message, self.permanent = message, permanent


def merge_results(into: dict[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    """How results combine (batches of a step, its executions, its retries): numbers add up, lists join, the
    step's `output` (what later steps read) combines the same way key by key, anything else is replaced by the
    newer value. Returns a new dict."""
    merged = dict(into)
    for key, value in more.items():
        old = merged.get(key)
        if key == "output" and isinstance(value, dict) and isinstance(old, dict):
            merged[key] = merge_results(old, value)
        elif _number(value) and _number(old):
            merged[key] = old + value
        elif isinstance(value, list) and isinstance(old, list):
            merged[key] = old + value
        else:
            merged[key] = value
    return merged


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class StepResult:
    """What a step did. Counts and numeric result values add up across batches, executions and retries."""

    input_count: int = 0
    output_count: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    paused: bool = False  # stopped early between batches because the run was paused or cancelled
    skipped: bool = False  # nothing to do (or disabled): recorded as a skipped step
    defer_seconds: float | None = None  # come back later (a wait, a delay between batches) without a worker
    # The step waits for something outside it (an approval, an event, a called run), shown as `waiting`; with
    # `defer_seconds` it is woken then (its timeout), else only from outside.
    waiting: bool = False

    def add(self, other: StepResult) -> StepResult:
        """Add another part of the same step's work to this one (in place; returns self)."""
        self.input_count += other.input_count
        self.output_count += other.output_count
        self.result = merge_results(self.result, other.result)
        return self


@dataclass(frozen=True)
class Charge:
    """One produced item's price, for `ActionContext.charge_many` (the fields of `ActionContext.charge`)."""

    amount: Decimal | float | str
    operation: str
    object_type: str = ""
    object_id: int | None = None
    idempotency_key: str | None = None


class ActionContext(Protocol):
    """What an action sees while it runs (the engine provides it)."""

    account_id: int
    site_id: int | None
    payload: dict[str, Any]
    step_index: int
    step_attempts: int
    step_result: dict[str, Any]  # what earlier executions of this step recorded (counts are in the fields below)
    step_input_count: int
    step_output_count: int
    step_started_at: Any  # datetime: when the step first started
    run_id: str
    claim_owner: str  # who holds this execution's item claims
    previous_owner: str  # the claims of a lost execution of this step, which pass to this one
    # A dry run: the step's writes are rolled back, outbound calls refused, charges only counted; an action that
    # calls out skips the call and names it with `would_call`.
    dry_run: bool

    def would_call(self, description: str) -> None:
        """In a dry run: record a call the action would have made ("POST https://…"), shown on the step."""
        ...

    def log(self, message: str, *, level: str = "info") -> None: ...

    def should_stop(self) -> str | None: ...

    def heartbeat(self) -> None: ...

    def report_progress(self, so_far: StepResult) -> None: ...

    def record_partial(self, done: StepResult) -> None: ...

    def charge(
        self,
        amount: Decimal | float | str,
        *,
        operation: str,
        object_type: str = "",
        object_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> Decimal: ...

    def charge_many(self, charges: Sequence[Charge]) -> Decimal:
        """Charge a batch's items at once, all or nothing (budgets checked first); returns what was charged now."""
        ...

    def between_batches(self, so_far: StepResult) -> str | None:
        """After a batch: show the progress so far, keep the lease; why to stop now ('paused', 'cancelled',
        'superseded') or None to go on."""
        ...

    def render(self, template: str) -> str: ...

    def describe(self) -> dict[str, Any]: ...

    def trigger_object(self) -> tuple[Any, str | None]: ...

    def account_emails(self) -> list[str]: ...

    def emit_event(self, name: str, data: dict[str, Any]) -> None: ...

    def signing_secret(self) -> str: ...

    def credential(self, name: str) -> str:
        """The value of the rule's write-only credential `name` (ActionError when it has none of that name)."""
        ...

    def previous_step_started_at(self, action_type: str) -> Any: ...


class Action:
    """Base class of every action; subclasses register with `@registry.register` (rules.core.registry)."""

    key: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}, "additionalProperties": False}
    queue: ClassVar[str] = "local"
    cost_note: ClassVar[str] = "free"
    # Other names a param is accepted under (the seeds' names), alias -> canonical; rules store the canonical one.
    param_aliases: ClassVar[dict[str, str]] = {}
    # Names a client may send that this action refuses with a reason (a 400 naming the param), param -> reason.
    refused_params: ClassVar[dict[str, str]] = {}

    def estimate(self, params: dict[str, Any], *, site_id: int | None, account_id: int) -> Decimal:
        """Credits this step is expected to cost (reserved at start); ids count only if the account's (and site's)."""
        # Filtering by account is what stops the estimate (402 vs 202) revealing another account's items.
        return Decimal("0")

    def pending_count(self, site_id: int) -> int | None:
        """Items waiting for this action on the site (None: it works on no queue)."""
        return None

    def run(self, ctx: ActionContext, params: dict[str, Any]) -> StepResult:
        """Do the work; return a StepResult or raise ActionError."""
        raise NotImplementedError

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> list[tuple[str, str]]:
        """What the params schema cannot say: (param path, problem) for each, checked when the rule is saved."""
        return []
