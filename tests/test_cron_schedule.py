"""Fire times of expressions away from DST changes: fields, day rules, leap days, @every."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cron import next_runs, parse_cron

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def utc_runs(expression: str, after: str, count: int, zone: str = "UTC") -> list[str]:
    runs = parse_cron(expression, zone, min_interval_seconds=0).next_runs(at(after), count)
    return [run.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for run in runs]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 30 2 * * *", "2026-06-01T00:00:00+00:00", ["2026-06-01T02:30:00Z", "2026-06-02T02:30:00Z"]),
        ("0 */15 * * * *", "2026-06-01T10:07:00+00:00", ["2026-06-01T10:15:00Z", "2026-06-01T10:30:00Z"]),
        ("15 0 12 * * *", "2026-06-01T12:00:15+00:00", ["2026-06-02T12:00:15Z", "2026-06-03T12:00:15Z"]),
        ("0 0 0 * * SUN", "2026-06-01T00:00:00+00:00", ["2026-06-07T00:00:00Z", "2026-06-14T00:00:00Z"]),
        ("0 0 0 * * 7", "2026-06-01T00:00:00+00:00", ["2026-06-07T00:00:00Z", "2026-06-14T00:00:00Z"]),
        ("0 0 0 * * 5-7", "2026-06-01T00:00:00+00:00", ["2026-06-05T00:00:00Z", "2026-06-06T00:00:00Z", "2026-06-07T00:00:00Z", "2026-06-12T00:00:00Z"]),
        ("0 0 9 * * MON-FRI", "2026-06-05T09:00:00+00:00", ["2026-06-08T09:00:00Z", "2026-06-09T09:00:00Z"]),
        ("0 0 0 1 JAN,JUL *", "2026-06-01T00:00:00+00:00", ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        ("0 0 0 31 * *", "2026-01-31T00:00:00+00:00", ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"]),
        ("0 59,0 23,0 * * *", "2026-06-01T00:00:00+00:00", ["2026-06-01T00:59:00Z", "2026-06-01T23:00:00Z", "2026-06-01T23:59:00Z", "2026-06-02T00:00:00Z"]),
        ("0 0 0 1 * *", "2026-12-31T23:59:59+00:00", ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"]),
    ],
)
def test_an_expression_fires_at_the_times_its_fields_select(expression, after, expected):
    assert utc_runs(expression, after, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 13 March 2026 is a Friday: it counts once.
        ("0 0 0 13 * FRI", "2026-03-01T00:00:00+00:00",
         ["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z", "2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z"]),
        ("0 0 0 1,15 * MON", "2026-06-01T00:00:00+00:00",
         ["2026-06-08T00:00:00Z", "2026-06-15T00:00:00Z", "2026-06-22T00:00:00Z"]),
    ],
)
def test_a_day_matches_when_either_restricted_day_field_matches(expression, after, expected):
    assert utc_runs(expression, after, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 0 13 * *", "2026-03-01T00:00:00+00:00", ["2026-03-13T00:00:00Z", "2026-04-13T00:00:00Z"]),
        ("0 0 0 ? * FRI", "2026-03-01T00:00:00+00:00", ["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z"]),
        ("0 0 0 13 * ?", "2026-03-01T00:00:00+00:00", ["2026-03-13T00:00:00Z", "2026-04-13T00:00:00Z"]),
        ("0 0 0 * * FRI", "2026-03-01T00:00:00+00:00", ["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z"]),
    ],
)
def test_a_star_or_question_mark_in_one_day_field_leaves_only_the_other(expression, after, expected):
    assert utc_runs(expression, after, len(expected)) == expected


def test_a_step_in_a_day_field_restricts_it_so_the_day_fields_combine_with_or():
    # */10 selects days 1, 11, 21, 31 and is not a bare star, so Sundays fire as well.
    assert utc_runs("0 0 0 */10 * SUN", "2026-03-01T00:00:00+00:00", 4) == [
        "2026-03-08T00:00:00Z", "2026-03-11T00:00:00Z", "2026-03-15T00:00:00Z", "2026-03-21T00:00:00Z",
    ]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2026-01-01T00:00:00+00:00", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        ("2028-02-29T00:00:00+00:00", ["2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"]),
    ],
)
def test_a_leap_day_schedule_fires_only_on_leap_days(after, expected):
    assert utc_runs("0 0 0 29 2 *", after, 2) == expected


def test_the_next_29_february_is_found_across_a_century_that_is_not_a_leap_year():
    # 2100 is not a leap year: after 2096-02-29 the next 29 February is in 2104, eight years on.
    assert parse_cron("0 0 0 29 2 *").next_after(at("2096-03-01T00:00:00+00:00")) == at("2104-02-29T00:00:00+00:00")


@pytest.mark.parametrize("expression", ["0 0 0 29 2 *", "0 0 0 1 1 *", "@every 70000h"])
def test_a_schedule_whose_next_run_no_datetime_can_hold_has_no_next_run(expression):
    assert parse_cron(expression).next_after(at("9999-12-31T00:00:01+00:00")) is None


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("@every 90s", "2026-06-01T00:00:00+00:00", ["2026-06-01T00:01:30Z", "2026-06-01T00:03:00Z"]),
        # 2026-06-01T00:00:00Z is 1780272000 s = 4238742 * 420 s + 360 s after the epoch.
        ("@every 7m", "2026-06-01T00:00:00+00:00", ["2026-06-01T00:01:00Z", "2026-06-01T00:08:00Z"]),
        ("@every 1h30m", "2026-06-01T00:00:00+00:00", ["2026-06-01T01:30:00Z", "2026-06-01T03:00:00Z"]),
        ("@every 5m", "2026-06-01T00:05:00+00:00", ["2026-06-01T00:10:00Z", "2026-06-01T00:15:00Z"]),
    ],
)
def test_every_fires_at_multiples_of_its_duration_since_the_unix_epoch(expression, after, expected):
    assert utc_runs(expression, after, 2) == expected


def test_every_fires_at_the_same_instants_whatever_the_timezone():
    assert utc_runs("@every 7m", "2026-06-01T00:00:00+00:00", 3, zone="Asia/Kolkata") == utc_runs(
        "@every 7m", "2026-06-01T00:00:00+00:00", 3
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2026-06-01T10:14:59.999999+00:00", "2026-06-01T10:15:00Z"),
        ("2026-06-01T10:15:00+00:00", "2026-06-01T10:30:00Z"),
        ("2026-06-01T10:15:00.000001+00:00", "2026-06-01T10:30:00Z"),
        ("2026-06-01T12:15:00+02:00", "2026-06-01T10:30:00Z"),
    ],
)
def test_the_next_run_is_strictly_after_the_given_instant(after, expected):
    assert utc_runs("0 */15 * * * *", after, 1) == [expected]


def test_the_next_run_is_expressed_in_the_schedule_zone():
    run = parse_cron("0 30 2 * * *", "Europe/Berlin").next_after(at("2026-06-01T00:00:00+00:00"))
    assert (run.isoformat(), run.tzinfo.key) == ("2026-06-01T02:30:00+02:00", "Europe/Berlin")


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        parse_cron("0 0 0 * * *").next_after(datetime(2026, 6, 1))


def test_the_module_level_next_runs_parses_and_lists():
    runs = next_runs("0 0 12 * * *", "America/New_York", 2, after=at("2026-06-01T00:00:00+00:00"))
    assert [run.isoformat() for run in runs] == ["2026-06-01T12:00:00-04:00", "2026-06-02T12:00:00-04:00"]


def test_the_module_level_next_runs_starts_from_now_by_default():
    before = datetime.now(UTC)
    (run,) = next_runs("0 * * * * *", "UTC", 1)
    assert before < run <= before + timedelta(minutes=1)


