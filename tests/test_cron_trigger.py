"""ScheduleTrigger: APScheduler fires exactly the slots CronExpression defines."""
from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone

from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from cron import CronError, ScheduleTrigger, parse_cron

UTC = timezone.utc
MICROSECOND = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("expression", "zone", "now"),
    [
        ("0 30 1 * * *", "Europe/London", datetime(2026, 3, 28, 12, tzinfo=UTC)),
        ("0 30 1 * * *", "America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC)),
        ("0 */15 * * * *", "Australia/Lord_Howe", datetime(2026, 4, 4, 14, 20, tzinfo=UTC)),
        ("@every 90s", "UTC", datetime(2026, 6, 1, tzinfo=UTC)),
    ],
)
def test_successive_fire_times_agree_with_next_after(expression, zone, now):
    trigger, schedule = ScheduleTrigger(expression, zone), parse_cron(expression, zone)
    fired, previous = [], None
    for _ in range(6):
        previous = trigger.get_next_fire_time(previous, now)
        fired.append(previous)
        now = previous
    expected = schedule.next_runs(fired[0] - MICROSECOND, 6)
    assert [run.isoformat() for run in fired] == [run.astimezone(UTC).isoformat() for run in expected]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 6, 1, 2, 30, tzinfo=UTC), datetime(2026, 6, 1, 2, 30, tzinfo=UTC)),
        (datetime(2026, 6, 1, 2, 30, 0, 1, tzinfo=UTC), datetime(2026, 6, 2, 2, 30, tzinfo=UTC)),
        (datetime(2026, 6, 1, 1, 0, tzinfo=UTC), datetime(2026, 6, 1, 2, 30, tzinfo=UTC)),
    ],
)
def test_the_first_fire_time_may_be_now_itself(now, expected):
    assert ScheduleTrigger("0 30 2 * * *", "UTC").get_next_fire_time(None, now) == expected


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 6, 1, 13, 30, tzinfo=UTC), datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 9, tzinfo=UTC)],
    ids=["later", "at the fire", "clock went backwards"],
)
def test_after_a_fire_the_next_one_is_the_following_slot_whatever_now_is(now):
    trigger = ScheduleTrigger("0 0 * * * *", "UTC")
    assert trigger.get_next_fire_time(datetime(2026, 6, 1, 10, tzinfo=UTC), now) == datetime(2026, 6, 1, 11, tzinfo=UTC)


def test_the_first_fire_time_is_found_from_a_now_in_the_second_occurrence_of_a_repeated_hour():
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 1, 6, 5, tzinfo=UTC).astimezone(new_york)  # 01:05 EST, fold=1
    first = ScheduleTrigger("0 */15 * * * *", "America/New_York").get_next_fire_time(None, now)
    assert first.isoformat() == "2026-11-01T06:15:00+00:00"


def test_a_fixed_time_slot_in_the_repeated_hour_is_fired_once():
    trigger = ScheduleTrigger("0 30 1 * * *", "America/New_York")
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 1, 5, tzinfo=UTC))
    second = trigger.get_next_fire_time(first, first)
    assert (first.isoformat(), second.isoformat()) == ("2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00")


def test_interval_fires_in_the_repeated_hour_follow_each_other_in_real_time():
    trigger = ScheduleTrigger("0 */30 * * * *", "America/New_York")
    fired, previous = [], None
    for _ in range(4):
        previous = trigger.get_next_fire_time(previous, datetime(2026, 11, 1, 4, 45, tzinfo=UTC))
        fired.append(previous.isoformat())
    assert fired == [
        "2026-11-01T05:00:00+00:00", "2026-11-01T05:30:00+00:00",
        "2026-11-01T06:00:00+00:00", "2026-11-01T06:30:00+00:00",
    ]


def test_fire_times_are_given_in_utc():
    fire = ScheduleTrigger("0 30 2 * * *", "Europe/London").get_next_fire_time(None, datetime(2026, 6, 1, tzinfo=UTC))
    assert fire.isoformat() == "2026-06-01T01:30:00+00:00"


def test_the_trigger_returns_none_when_the_schedule_is_exhausted():
    trigger = ScheduleTrigger("0 0 0 29 2 *", "UTC")
    assert trigger.get_next_fire_time(datetime(9996, 2, 29, tzinfo=UTC), datetime(9996, 3, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("expression", "zone", "field"),
    [("* * * * * *", "UTC", "frequency"), ("0 0 0 * * *", "Mars/Base", "timezone"), ("0 0 25 * * *", "UTC", "hour")],
)
def test_an_invalid_schedule_cannot_become_a_trigger(expression, zone, field):
    with pytest.raises(CronError) as caught:
        ScheduleTrigger(expression, zone)
    assert caught.value.field == field


def test_a_lowered_floor_is_kept_by_the_trigger():
    trigger = ScheduleTrigger("*/30 * * * * *", "UTC", min_interval_seconds=30)
    assert trigger.get_next_fire_time(None, datetime(2026, 6, 1, 0, 0, 1, tzinfo=UTC)) == datetime(
        2026, 6, 1, 0, 0, 30, tzinfo=UTC
    )


def test_a_trigger_survives_pickling_with_the_same_schedule():
    trigger = ScheduleTrigger("0 30 2 * * MON-FRI", "Europe/Berlin", min_interval_seconds=120)
    restored = pickle.loads(pickle.dumps(trigger))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert (restored.cron_expression, restored.timezone, restored.min_interval_seconds) == (
        "0 30 2 * * MON-FRI", "Europe/Berlin", 120,
    )
    assert restored.get_next_fire_time(None, now) == trigger.get_next_fire_time(None, now)


def test_restoring_state_of_an_unknown_version_is_refused():
    trigger = ScheduleTrigger("0 0 0 * * *", "UTC")
    state = trigger.__getstate__() | {"version": 99}
    with pytest.raises(ValueError):
        trigger.__setstate__(state)


def test_a_trigger_reads_as_its_expression_and_zone():
    trigger = ScheduleTrigger("0 30 2 * * *", "Europe/London")
    assert (str(trigger), repr(trigger)) == (
        "schedule[0 30 2 * * *, Europe/London]",
        "<ScheduleTrigger (cron_expression='0 30 2 * * *', timezone='Europe/London', min_interval_seconds=60)>",
    )


def test_apscheduler_schedules_a_job_at_the_triggers_next_fire_time():
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        trigger = ScheduleTrigger("0 0 3 * * *", "Europe/London")
        job = scheduler.add_job(print, trigger, id="replication")
        expected = trigger.get_next_fire_time(None, datetime.now(UTC))
        assert job.next_run_time == expected == parse_cron("0 0 3 * * *", "Europe/London").next_after(
            datetime.now(UTC) - MICROSECOND
        )
    finally:
        scheduler.shutdown(wait=False)
