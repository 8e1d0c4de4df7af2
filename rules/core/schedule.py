"""Cron schedules for rule triggers: validation, description, fire times and catch-up.

A schedule is a standard 5-field cron expression (minute hour day month weekday, Vixie
semantics: when both day and weekday are restricted, either may match) read as wall-clock
time in the rule's IANA timezone.

Fire times are timezone-aware datetimes in the rule's timezone; convert them with ``to_utc``
before storing or comparing them (Python compares two datetimes of the same zone by wall
clock, which is wrong inside a repeated DST hour).

Daylight saving time. Every matching wall-clock time fires exactly once:

* a wall-clock time that does not exist (the hour skipped in spring) fires at the same
  instant as the time it was meant to be, i.e. shifted forward by the gap (``02:30`` on the
  Europe/Berlin spring-forward day fires at ``03:30 CEST``); two times landing on the same
  instant fire once;
* a wall-clock time that happens twice (the hour repeated in autumn) fires on its first
  occurrence only, so an hourly job does not run twice at ``02:00``.

Catch-up policy (``due_fire_times``). While the scheduler is stopped fire times are missed.
On the next tick, with ``missed`` = the fire times in ``(last_fired_at, now]``:

* ``latest`` (default): run once, for the most recent missed fire time; older ones are
  skipped. A daily report missed for three days runs once, for today.
* ``none`` (alias ``skip``): run nothing that is missed. A fire time is *missed* rather than
  merely *due* when it is older than ``grace`` (default 5 minutes), so a scheduler ticking
  every minute still runs each on-time fire.

Either way at most one fire time is due per call. Record the returned fire time (not the
wall-clock time of the run) as the rule's ``last_fired_at``; for a rule that has never fired,
pass the time it was enabled.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cron_descriptor import Options, get_description
from croniter import CroniterBadDateError, croniter

__all__ = [
    "CATCH_UP_POLICIES",
    "DEFAULT_GRACE",
    "DueFireTimes",
    "ScheduleError",
    "describe_cron",
    "due_fire_times",
    "next_fire_times",
    "previous_fire_time",
    "to_utc",
    "validate_schedule",
]

CRON_PATH = "trigger.cron"
TIMEZONE_PATH = "trigger.timezone"
CATCH_UP_PATH = "trigger.catch_up"
CATCH_UP_POLICIES = ("latest", "none", "skip")
DEFAULT_GRACE = timedelta(minutes=5)

_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day", "1-31, L"),
    ("month", "1-12 or JAN-DEC"),
    ("weekday", "0-6 or SUN-SAT, 7 is Sunday too"),
)
_FIELD_NAMES = " ".join(name for name, _ in _FIELDS)
_ONE_MICROSECOND = timedelta(microseconds=1)
# Longer than any DST change (Antarctica/Troll moves two hours).
_DST_WINDOW = timedelta(hours=3)


class ScheduleError(Exception):
    """A schedule that cannot be used, with the trigger field it is about."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[ScheduleError], tuple[str, str]]:
        return (type(self), (self.path, self.message))

    def to_dict(self) -> dict[str, str]:
        """Return ``{"path", "message"}`` for APIs and run logs."""
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True)
class DueFireTimes:
    """What a scheduler tick should do: run ``due`` (0 or 1 fire time), then wake at ``next_fire_at``."""

    due: list[datetime]
    next_fire_at: datetime
    skipped: bool


# ---------------------------------------------------------------- validation


def validate_schedule(cron: str, timezone: str) -> None:
    """Raise ScheduleError for a cron expression or timezone a scheduler cannot use."""
    _check_cron(cron)
    _zone(timezone)


def _check_cron(cron: object) -> str:
    """Return the cron expression with single spaces, or raise ScheduleError."""
    if not isinstance(cron, str):
        raise ScheduleError(CRON_PATH, f"cron must be a string like '0 2 * * *', got {type(cron).__name__}")
    return _parse_cron(cron)


@lru_cache(maxsize=512)
def _parse_cron(cron: str) -> str:
    fields = cron.split()
    if len(fields) != len(_FIELDS):
        raise ScheduleError(CRON_PATH, f"cron must have 5 fields ({_FIELD_NAMES}), got {len(fields)}")
    for i, (name, allowed) in enumerate(_FIELDS):
        alone = " ".join(fields[i] if j == i else "*" for j in range(len(_FIELDS)))
        if not croniter.is_valid(alone):
            raise ScheduleError(CRON_PATH, f"cron {name} field '{fields[i]}' is not valid (allowed: {allowed})")
    expression = " ".join(fields)
    if not croniter.is_valid(expression):
        raise ScheduleError(CRON_PATH, f"cron '{expression}' is not valid")
    _never_fires_check(expression)
    return expression


def _never_fires_check(expression: str) -> None:
    try:
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise ScheduleError(CRON_PATH, f"cron '{expression}' never fires (no date matches it)") from None


def _zone(timezone: object) -> ZoneInfo:
    if not isinstance(timezone, str) or not timezone:
        raise ScheduleError(TIMEZONE_PATH, "timezone must be an IANA name like 'Europe/Berlin' or 'UTC'")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(TIMEZONE_PATH, _unknown_zone_message(timezone)) from None


def _unknown_zone_message(timezone: str) -> str:
    close = difflib.get_close_matches(timezone, available_timezones(), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "use an IANA name like 'Europe/Berlin' or 'UTC'"
    return f"'{timezone}' is not a known IANA timezone; {hint}"


# ---------------------------------------------------------------- description


def describe_cron(cron: str) -> str:
    """Return a human-readable description such as "At 02:00 AM"."""
    expression = _check_cron(cron)
    options = Options()
    options.verbose = False
    try:
        return str(get_description(expression, options))
    except Exception as exc:  # cron_descriptor raises several unrelated types
        raise ScheduleError(CRON_PATH, f"cron '{expression}' cannot be described: {exc}") from None


# ---------------------------------------------------------------- fire times


def to_utc(moment: datetime) -> datetime:
    """Return an aware datetime converted to UTC."""
    return _aware(moment, "moment").astimezone(UTC)


def next_fire_times(cron: str, timezone: str, n: int = 5, after: datetime | None = None) -> list[datetime]:
    """Return the next ``n`` fire times strictly after ``after`` (default now), aware in the rule's timezone."""
    expression, zone = _check_cron(cron), _zone(timezone)
    start = to_utc(after) if after is not None else datetime.now(UTC)
    # Start from the earlier wall clock so a time shifted past a spring gap is not missed.
    it = croniter(expression, min(_wall_clocks(start, zone)))
    times: list[datetime] = []
    last = start
    while len(times) < n:
        fire = _fire_instant(it.get_next(datetime), zone)
        if fire > last:
            times.append(fire.astimezone(zone))
            last = fire
    return times


def previous_fire_time(cron: str, timezone: str, before: datetime) -> datetime:
    """Return the latest fire time strictly before ``before``, aware in the rule's timezone."""
    zone = _zone(timezone)
    return _previous(_check_cron(cron), zone, to_utc(before)).astimezone(zone)


def due_fire_times(
    cron: str,
    timezone: str,
    last_fired_at: datetime,
    now: datetime,
    catch_up: str = "latest",
    grace: timedelta = DEFAULT_GRACE,
) -> DueFireTimes:
    """Return the fire times to run now under the ``catch_up`` policy, and the next fire time."""
    expression, zone = _check_cron(cron), _zone(timezone)
    if catch_up not in CATCH_UP_POLICIES:
        raise ScheduleError(CATCH_UP_PATH, f"catch_up must be one of {', '.join(CATCH_UP_POLICIES)}, got {catch_up!r}")
    last_utc, now_utc = to_utc(last_fired_at), to_utc(now)
    next_fire_at = next_fire_times(expression, timezone, n=1, after=now_utc)[0]
    latest = _previous(expression, zone, now_utc + _ONE_MICROSECOND)
    if latest <= last_utc:
        return DueFireTimes([], next_fire_at, skipped=False)
    older_missed = _previous(expression, zone, latest) > last_utc
    if catch_up == "latest" or now_utc - latest <= grace:
        return DueFireTimes([latest.astimezone(zone)], next_fire_at, skipped=older_missed)
    return DueFireTimes([], next_fire_at, skipped=True)


def _previous(expression: str, zone: ZoneInfo, before_utc: datetime) -> datetime:
    """Return the latest fire instant (UTC) strictly before ``before_utc``."""
    # Start from the later wall clock so first occurrences inside a repeated hour are seen.
    it = croniter(expression, max(_wall_clocks(before_utc, zone)))
    while True:
        fire = _fire_instant(it.get_prev(datetime), zone)
        if fire < before_utc:
            return fire


def _wall_clocks(moment_utc: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the naive wall clock of ``moment_utc`` under its own UTC offset and under the offset of a
    few hours before, which differ only just after a DST change."""
    own = moment_utc.astimezone(zone).replace(tzinfo=None)
    earlier_offset = (moment_utc - _DST_WINDOW).astimezone(zone).utcoffset() or timedelta(0)
    return own, (moment_utc + earlier_offset).replace(tzinfo=None)


def _fire_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a wall-clock fire time: first occurrence, gaps shifted forward."""
    # fold=0 is the first occurrence of a repeated time; for a skipped time it applies the
    # offset from before the gap, which lands the instant just after the gap.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment
