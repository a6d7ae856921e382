"""DST rules: fixed-time slots run once per local slot, interval-style schedules follow real time.

Transitions used (2026): Europe/London 29 March 01:00Z (GMT->BST) and 25 October 01:00Z;
America/New_York 8 March 07:00Z and 1 November 06:00Z; Australia/Lord_Howe (30-minute shift)
3 October 15:30Z (02:00->02:30) and 4 April 15:00Z (02:00->01:30); America/Santiago 6 September
04:00Z (midnight->01:00) and 5 April 03:00Z (midnight->23:00 the day before).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cron import parse_cron

UTC = timezone.utc


def utc_runs(expression: str, zone: str, after: str, count: int) -> list[str]:
    schedule = parse_cron(expression, zone)
    runs = schedule.next_runs(datetime.fromisoformat(after), count)
    return [run.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") for run in runs]


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 30 1 * * *", "Europe/London", "2026-03-28T12:00Z", ["2026-03-29T01:00Z", "2026-03-30T00:30Z"]),
        ("0 30 2 * * *", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T07:00Z", "2026-03-09T06:30Z"]),
        ("0 15 2 * * *", "Australia/Lord_Howe", "2026-10-03T05:00Z", ["2026-10-03T15:30Z", "2026-10-04T15:15Z"]),
        ("0 30 0 * * *", "America/Santiago", "2026-09-05T12:00Z", ["2026-09-06T04:00Z", "2026-09-07T03:30Z"]),
    ],
)
def test_a_fixed_time_slot_that_does_not_exist_runs_once_at_the_first_instant_after_the_gap(
    expression, zone, after, expected
):
    assert utc_runs(expression, zone, after, 2) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 0,30 1 * * *", "Europe/London", "2026-03-28T12:00Z", ["2026-03-29T01:00Z", "2026-03-30T00:00Z"]),
        ("0 0,20,40 2 * * *", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T07:00Z", "2026-03-09T06:00Z"]),
        ("0 0,15 2 * * *", "Australia/Lord_Howe", "2026-10-03T05:00Z", ["2026-10-03T15:30Z", "2026-10-04T15:00Z"]),
    ],
)
def test_several_slots_in_one_spring_forward_gap_collapse_into_one_run(expression, zone, after, expected):
    assert utc_runs(expression, zone, after, 2) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 30 2 * * *", "Europe/London", "2026-03-28T12:00Z", ["2026-03-29T01:30Z"]),
        ("0 0 3 * * *", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T07:00Z"]),
        ("0 45 2 * * *", "Australia/Lord_Howe", "2026-10-03T05:00Z", ["2026-10-03T15:45Z"]),
    ],
)
def test_a_fixed_time_slot_after_the_gap_runs_at_its_own_time(expression, zone, after, expected):
    assert utc_runs(expression, zone, after, 1) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 30 1 * * *", "Europe/London", "2026-10-24T12:00Z", ["2026-10-25T00:30Z", "2026-10-26T01:30Z"]),
        ("0 30 1 * * *", "America/New_York", "2026-10-31T12:00Z", ["2026-11-01T05:30Z", "2026-11-02T06:30Z"]),
        ("0 45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00Z", ["2026-04-04T14:45Z", "2026-04-05T15:15Z"]),
        ("0 30 23 * * *", "America/Santiago", "2026-04-04T12:00Z", ["2026-04-05T02:30Z", "2026-04-06T03:30Z"]),
    ],
)
def test_a_fixed_time_slot_in_the_repeated_hour_runs_once_at_its_first_occurrence(expression, zone, after, expected):
    assert utc_runs(expression, zone, after, 2) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 30 1 * * *", "Europe/London", "2026-10-25T01:10Z", "2026-10-26T01:30Z"),
        ("0 30 1 * * *", "America/New_York", "2026-11-01T06:10Z", "2026-11-02T06:30Z"),
        ("0 45 1 * * *", "Australia/Lord_Howe", "2026-04-04T15:05Z", "2026-04-05T15:15Z"),
    ],
)
def test_a_fixed_time_slot_is_not_run_again_during_the_second_occurrence(expression, zone, after, expected):
    assert utc_runs(expression, zone, after, 1) == [expected]


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        ("Europe/London", "2026-03-29T00:30Z", ["2026-03-29T00:45Z", "2026-03-29T01:00Z", "2026-03-29T01:15Z"]),
        ("America/New_York", "2026-03-08T06:40Z", ["2026-03-08T06:45Z", "2026-03-08T07:00Z", "2026-03-08T07:15Z"]),
        ("Australia/Lord_Howe", "2026-10-03T15:00Z", ["2026-10-03T15:15Z", "2026-10-03T15:30Z", "2026-10-03T15:45Z"]),
    ],
)
def test_an_interval_schedule_keeps_real_time_through_spring_forward(zone, after, expected):
    assert utc_runs("0 */15 * * * *", zone, after, 3) == expected


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        ("Europe/London", "2026-10-25T00:20Z",
         ["2026-10-25T00:30Z", "2026-10-25T00:45Z", "2026-10-25T01:00Z", "2026-10-25T01:15Z", "2026-10-25T01:30Z"]),
        ("America/New_York", "2026-11-01T04:50Z",
         ["2026-11-01T05:00Z", "2026-11-01T05:15Z", "2026-11-01T05:30Z", "2026-11-01T05:45Z",
          "2026-11-01T06:00Z", "2026-11-01T06:15Z", "2026-11-01T06:30Z", "2026-11-01T06:45Z", "2026-11-01T07:00Z"]),
        ("Australia/Lord_Howe", "2026-04-04T14:20Z",
         ["2026-04-04T14:30Z", "2026-04-04T14:45Z", "2026-04-04T15:00Z", "2026-04-04T15:15Z", "2026-04-04T15:30Z"]),
    ],
)
def test_an_interval_schedule_fires_in_both_occurrences_of_the_repeated_hour(zone, after, expected):
    assert utc_runs("0 */15 * * * *", zone, after, len(expected)) == expected


def test_an_interval_schedule_shows_the_repeated_local_times_with_both_offsets():
    schedule = parse_cron("0 */15 * * * *", "America/New_York")
    runs = schedule.next_runs(datetime(2026, 11, 1, 4, 50, tzinfo=UTC), 8)
    assert [run.isoformat() for run in runs] == [
        "2026-11-01T01:00:00-04:00", "2026-11-01T01:15:00-04:00", "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:15:00-05:00",
        "2026-11-01T01:30:00-05:00", "2026-11-01T01:45:00-05:00",
    ]


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("0 30 * * * *", "Europe/London", "2026-10-25T00:00Z", ["2026-10-25T00:30Z", "2026-10-25T01:30Z"]),
        ("0 0 * * * *", "America/Santiago", "2026-09-06T02:30Z", ["2026-09-06T03:00Z", "2026-09-06T04:00Z"]),
        ("0 0 */2 * * *", "Europe/London", "2026-03-28T23:30Z", ["2026-03-29T00:00Z", "2026-03-29T01:00Z"]),
        ("@hourly", "America/New_York", "2026-11-01T04:30Z", ["2026-11-01T05:00Z", "2026-11-01T06:00Z"]),
        ("@every 1h", "America/New_York", "2026-11-01T04:30Z", ["2026-11-01T05:00Z", "2026-11-01T06:00Z"]),
    ],
)
def test_an_interval_schedule_matches_the_local_clock_of_each_real_instant(expression, zone, after, expected):
    assert utc_runs(expression, zone, after, 2) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "moved"),
    [
        ("0 30 1 * * *", "Europe/London", "2026-03-28T12:00Z", True),
        ("0 0 2 * * *", "Europe/London", "2026-03-28T12:00Z", False),
        ("0 */15 * * * *", "Europe/London", "2026-03-29T00:50Z", False),
    ],
)
def test_a_run_knows_whether_a_nonexistent_slot_was_moved_to_it(expression, zone, after, moved):
    schedule = parse_cron(expression, zone)
    run = schedule.next_after(datetime.fromisoformat(after))
    assert schedule.moved_by_dst(run) is moved


# Debian cron's rule: the minute (or hour, or second) field begins with '*', so the job follows
# real time: London's 01:xx happens twice on 2026-10-25 and not at all on 2026-03-29.
def test_a_star_minute_at_a_fixed_hour_fires_in_both_copies_of_the_repeated_hour():
    runs = utc_runs("0 */15 1 * * *", "Europe/London", "2026-10-24T23:59:00+00:00", 8)
    assert runs == ["2026-10-25T00:00Z", "2026-10-25T00:15Z", "2026-10-25T00:30Z", "2026-10-25T00:45Z",
                    "2026-10-25T01:00Z", "2026-10-25T01:15Z", "2026-10-25T01:30Z", "2026-10-25T01:45Z"]


def test_a_star_minute_at_a_fixed_hour_does_not_fire_on_the_day_its_hour_is_skipped():
    runs = utc_runs("0 */15 1 * * *", "Europe/London", "2026-03-28T23:59:00+00:00", 1)
    assert runs == ["2026-03-30T00:00Z"]


def test_a_list_of_hours_is_fixed_time_like_a_range_with_a_step():
    listed = utc_runs("0 0 0,11,22 * * *", "Europe/London", "2026-03-28T12:00:00+00:00", 3)
    stepped = utc_runs("0 0 0-23/11 * * *", "Europe/London", "2026-03-28T12:00:00+00:00", 3)
    assert listed == stepped == ["2026-03-28T22:00Z", "2026-03-29T00:00Z", "2026-03-29T10:00Z"]
