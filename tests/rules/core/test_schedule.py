from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.core.schedule import (
    DueFireTimes,
    ScheduleError,
    describe_cron,
    due_fire_times,
    next_fire_times,
    previous_fire_time,
    to_utc,
    validate_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def iso(times: list[datetime]) -> list[str]:
    return [moment.isoformat() for moment in times]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 2 * * * *", "cron must have 5 fields (minute hour day month weekday), got 6"),
        ("0 2 * *", "cron must have 5 fields (minute hour day month weekday), got 4"),
        ("@daily", "cron must have 5 fields (minute hour day month weekday), got 1"),
        ("", "cron must have 5 fields (minute hour day month weekday), got 0"),
        ("61 * * * *", "cron minute field '61' is not valid (allowed: 0-59)"),
        ("0 25 * * *", "cron hour field '25' is not valid (allowed: 0-23)"),
        ("0 2 32 * *", "cron day field '32' is not valid (allowed: 1-31, L)"),
        ("0 2 * 13 *", "cron month field '13' is not valid (allowed: 1-12 or JAN-DEC)"),
        ("0 2 * * 8", "cron weekday field '8' is not valid (allowed: 0-6 or SUN-SAT, 7 is Sunday too)"),
        ("*/0 * * * *", "cron minute field '*/0' is not valid (allowed: 0-59)"),
        ("0 0 30 2 *", "cron '0 0 30 2 *' never fires (no date matches it)"),
    ],
)
def test_it_rejects_bad_cron_with_an_actionable_message(cron: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        validate_schedule(cron, "UTC")

    assert (caught.value.path, caught.value.message) == ("trigger.cron", message)


@pytest.mark.parametrize(
    ("timezone", "message"),
    [
        ("Europe/Berln", "'Europe/Berln' is not a known IANA timezone; did you mean 'Europe/Berlin'?"),
        ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known IANA timezone; use an IANA name like"),
        ("../../etc/passwd", "'../../etc/passwd' is not a known IANA timezone"),
        ("", "timezone must be an IANA name like 'Europe/Berlin' or 'UTC'"),
    ],
)
def test_it_rejects_unknown_timezones(timezone: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        validate_schedule("0 2 * * *", timezone)

    assert caught.value.path == "trigger.timezone"
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize("cron", ["0 2 * * *", "*/15 9-17 * * MON-FRI", "0  2 * * 1", "0 2 L * *", "30 4 1,15 * 5"])
def test_it_accepts_valid_schedules(cron: str) -> None:
    validate_schedule(cron, "Europe/Berlin")  # raises ScheduleError when invalid


def test_it_rejects_a_cron_that_is_not_a_string() -> None:
    with pytest.raises(ScheduleError, match=r"^trigger\.cron: cron must be a string"):
        validate_schedule(["0", "2"], "UTC")  # type: ignore[arg-type]


def test_it_formats_and_pickles_schedule_errors() -> None:
    error = ScheduleError("trigger.timezone", "bad")

    copy = pickle.loads(pickle.dumps(error))

    assert str(error) == "trigger.timezone: bad"
    assert error.to_dict() == {"path": "trigger.timezone", "message": "bad"}
    assert (copy.path, copy.message) == (error.path, error.message)


@pytest.mark.parametrize(
    ("cron", "description"),
    [
        ("0 2 * * *", "At 02:00 AM"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("0 9 * * 1-5", "At 09:00 AM, Monday through Friday"),
        ("30 6 1 * *", "At 06:30 AM, on day 1 of the month"),
    ],
)
def test_it_describes_cron_for_humans(cron: str, description: str) -> None:
    assert describe_cron(cron) == description


def test_it_refuses_to_describe_invalid_cron() -> None:
    with pytest.raises(ScheduleError, match="got 6"):
        describe_cron("0 2 * * * *")


# ---------------------------------------------------------------- fire times


def test_it_lists_the_next_five_fire_times_in_the_rule_timezone() -> None:
    times = next_fire_times("0 2 * * *", "Europe/Berlin", after=utc(2025, 1, 10, 12, 0))

    assert iso(times) == [f"2025-01-{day}T02:00:00+01:00" for day in (11, 12, 13, 14, 15)]
    assert all(moment.tzinfo == BERLIN for moment in times)
    assert to_utc(times[0]) == utc(2025, 1, 11, 1, 0)


def test_it_fires_strictly_after_the_given_time() -> None:
    times = next_fire_times("0 2 * * *", "UTC", n=1, after=utc(2025, 1, 10, 2, 0))

    assert times == [utc(2025, 1, 11, 2, 0)]


def test_it_defaults_to_fire_times_after_now() -> None:
    before = datetime.now(UTC)

    times = next_fire_times("* * * * *", "UTC", n=3)

    assert before < times[0] <= before + timedelta(minutes=1)
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [timedelta(minutes=1)] * 2


def test_it_skips_no_instant_across_spring_forward_in_berlin() -> None:
    times = next_fire_times("30 * * * *", "Europe/Berlin", after=datetime(2025, 3, 30, 0, 0, tzinfo=BERLIN))

    assert iso(times) == [
        "2025-03-30T00:30:00+01:00",
        "2025-03-30T01:30:00+01:00",
        "2025-03-30T03:30:00+02:00",  # 02:30 does not exist; it fires once, an hour of real time later
        "2025-03-30T04:30:00+02:00",
        "2025-03-30T05:30:00+02:00",
    ]


def test_it_shifts_a_daily_time_inside_the_spring_gap_forward() -> None:
    times = next_fire_times("30 2 * * *", "Europe/Berlin", n=3, after=utc(2025, 3, 29, 12, 0))

    assert iso(times) == ["2025-03-30T03:30:00+02:00", "2025-03-31T02:30:00+02:00", "2025-04-01T02:30:00+02:00"]


def test_it_still_sees_a_shifted_time_just_after_the_gap() -> None:
    times = next_fire_times("30 2 * * *", "Europe/Berlin", n=1, after=datetime(2025, 3, 30, 3, 10, tzinfo=BERLIN))

    assert iso(times) == ["2025-03-30T03:30:00+02:00"]


def test_it_fires_a_repeated_autumn_time_once() -> None:
    times = next_fire_times("30 * * * *", "Europe/Berlin", after=datetime(2025, 10, 26, 0, 0, tzinfo=BERLIN))

    assert iso(times) == [
        "2025-10-26T00:30:00+02:00",
        "2025-10-26T01:30:00+02:00",
        "2025-10-26T02:30:00+02:00",
        "2025-10-26T03:30:00+01:00",
        "2025-10-26T04:30:00+01:00",
    ]


def test_it_continues_correctly_from_inside_the_repeated_hour() -> None:
    second_pass = datetime(2025, 10, 26, 2, 10, tzinfo=BERLIN, fold=1)

    assert iso(next_fire_times("0 * * * *", "Europe/Berlin", n=2, after=second_pass)) == [
        "2025-10-26T03:00:00+01:00",
        "2025-10-26T04:00:00+01:00",
    ]
    assert previous_fire_time("30 * * * *", "Europe/Berlin", second_pass).isoformat() == "2025-10-26T02:30:00+02:00"


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (utc(2025, 1, 10, 2, 0), "2025-01-09T02:00:00+00:00"),
        (utc(2025, 1, 10, 2, 1), "2025-01-10T02:00:00+00:00"),
        (utc(2025, 1, 10, 1, 59), "2025-01-09T02:00:00+00:00"),
    ],
)
def test_it_finds_the_previous_fire_time_strictly_before(before: datetime, expected: str) -> None:
    assert previous_fire_time("0 2 * * *", "UTC", before).isoformat() == expected


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (datetime(2025, 3, 30, 3, 40, tzinfo=BERLIN), "2025-03-30T03:30:00+02:00"),
        (datetime(2025, 3, 30, 3, 20, tzinfo=BERLIN), "2025-03-29T02:30:00+01:00"),
    ],
)
def test_it_finds_the_previous_fire_time_across_the_spring_gap(before: datetime, expected: str) -> None:
    assert previous_fire_time("30 2 * * *", "Europe/Berlin", before).isoformat() == expected


def test_it_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times("0 2 * * *", "UTC", after=datetime(2025, 1, 1))


# ---------------------------------------------------------------- catch-up


@pytest.mark.parametrize(
    ("last_fired_at", "now", "policy", "due", "skipped"),
    [
        # nothing since the last run
        (utc(2025, 1, 10, 2, 0), utc(2025, 1, 10, 8, 0), "latest", [], False),
        (utc(2025, 1, 10, 2, 0), utc(2025, 1, 10, 8, 0), "none", [], False),
        # on time: a tick 30 seconds after the fire time runs it under every policy
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 2, 0, 30), "latest", [utc(2025, 1, 10, 2, 0)], False),
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 2, 0, 30), "none", [utc(2025, 1, 10, 2, 0)], False),
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 2, 0, 30), "skip", [utc(2025, 1, 10, 2, 0)], False),
        # exactly at the fire time
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 2, 0), "none", [utc(2025, 1, 10, 2, 0)], False),
        # one fire time missed by hours
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 8, 0), "latest", [utc(2025, 1, 10, 2, 0)], False),
        (utc(2025, 1, 9, 2, 0), utc(2025, 1, 10, 8, 0), "none", [], True),
        # scheduler down for five days: run once, for the most recent
        (utc(2025, 1, 5, 2, 0), utc(2025, 1, 10, 8, 0), "latest", [utc(2025, 1, 10, 2, 0)], True),
        (utc(2025, 1, 5, 2, 0), utc(2025, 1, 10, 8, 0), "skip", [], True),
    ],
)
def test_it_applies_the_catch_up_policy(
    last_fired_at: datetime, now: datetime, policy: str, due: list[datetime], skipped: bool
) -> None:
    result = due_fire_times("0 2 * * *", "UTC", last_fired_at, now, catch_up=policy)

    assert result == DueFireTimes(due=due, next_fire_at=next_fire_times("0 2 * * *", "UTC", 1, now)[0], skipped=skipped)


def test_it_defaults_to_the_latest_policy_and_returns_the_next_fire_time() -> None:
    result = due_fire_times("0 2 * * *", "Europe/Berlin", utc(2025, 1, 1, 1, 0), utc(2025, 1, 3, 12, 0))

    assert iso(result.due) == ["2025-01-03T02:00:00+01:00"]
    assert result.next_fire_at.isoformat() == "2025-01-04T02:00:00+01:00"
    assert result.skipped is True


def test_it_honours_a_custom_grace_period() -> None:
    late = utc(2025, 1, 10, 2, 20)

    assert due_fire_times("0 2 * * *", "UTC", utc(2025, 1, 9, 2, 0), late, "none").due == []
    assert due_fire_times("0 2 * * *", "UTC", utc(2025, 1, 9, 2, 0), late, "none", grace=timedelta(minutes=30)).due == [
        utc(2025, 1, 10, 2, 0)
    ]


def test_it_rejects_an_unknown_catch_up_policy() -> None:
    with pytest.raises(ScheduleError) as caught:
        due_fire_times("0 2 * * *", "UTC", utc(2025, 1, 9), utc(2025, 1, 10), catch_up="all")

    assert caught.value.to_dict() == {
        "path": "trigger.catch_up",
        "message": "catch_up must be one of latest, none, skip, got 'all'",
    }
