"""Parsing of cron fields, descriptors and @every; invalid input names the faulty field."""
from __future__ import annotations

import pytest

from cron import CronError, parse_cron

FIELD_INDEX = {"second": 0, "minute": 1, "hour": 2, "day_of_month": 3, "month": 4, "day_of_week": 5}


def selected(text: str, field: str) -> tuple[int, ...]:
    return parse_cron(text, min_interval_seconds=0).fields[FIELD_INDEX[field]].values


@pytest.mark.parametrize(
    ("text", "field", "values"),
    [
        ("0 0 0 * * *", "minute", (0,)),
        ("0 5,10,45 0 * * *", "minute", (5, 10, 45)),
        ("0 10-14 0 * * *", "minute", (10, 11, 12, 13, 14)),
        ("0 */15 * * * *", "minute", (0, 15, 30, 45)),
        ("0 10-50/20 * * * *", "minute", (10, 30, 50)),
        ("0 5/15 * * * *", "minute", (5, 20, 35, 50)),
        ("0 0 1-3,20-22 * * *", "hour", (1, 2, 3, 20, 21, 22)),
        ("*/20 * * * * *", "second", (0, 20, 40)),
        ("0 0 0 1 JAN,jul *", "month", (1, 7)),
        ("0 0 0 1 mar-May *", "month", (3, 4, 5)),
        ("0 0 0 * * MON-fri", "day_of_week", (1, 2, 3, 4, 5)),
        ("0 0 0 * * 0", "day_of_week", (0,)),
        ("0 0 0 * * 7", "day_of_week", (0,)),
        ("0 0 0 * * 5-7", "day_of_week", (0, 5, 6)),
        ("0 0 0 * * FRI-SUN", "day_of_week", (0, 5, 6)),
        ("0 0 0 * * */2", "day_of_week", (0, 2, 4, 6)),
        ("0 0 0 * * 1/2", "day_of_week", (1, 3, 5)),
        ("0 0 0 ? * *", "day_of_month", tuple(range(1, 32))),
        ("0 0 0 * * ?", "day_of_week", tuple(range(0, 7))),
    ],
)
def test_a_field_selects_exactly_the_values_it_spells(text, field, values):
    assert selected(text, field) == values


@pytest.mark.parametrize(
    ("five_fields", "six_fields"),
    [("30 2 * * *", "0 30 2 * * *"), ("*/5 * * * MON", "0 */5 * * * MON"), ("0 0 1 1 *", "0 0 0 1 1 *")],
)
def test_a_five_field_expression_is_the_six_field_one_at_second_zero(five_fields, six_fields):
    assert parse_cron(five_fields).fields == parse_cron(six_fields).fields


@pytest.mark.parametrize(
    ("descriptor", "equivalent"),
    [
        ("@yearly", "0 0 0 1 1 *"),
        ("@annually", "0 0 0 1 1 *"),
        ("@monthly", "0 0 0 1 * *"),
        ("@weekly", "0 0 0 * * 0"),
        ("@daily", "0 0 0 * * *"),
        ("@midnight", "0 0 0 * * *"),
        ("@hourly", "0 0 * * * *"),
        ("@DAILY", "0 0 0 * * *"),
    ],
)
def test_a_descriptor_means_its_six_field_expression(descriptor, equivalent):
    assert parse_cron(descriptor).fields == parse_cron(equivalent).fields


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("@every 90s", 90), ("@every 5m", 300), ("@every 1h30m", 5400), ("@every 1.5h", 5400), ("@every 2h", 7200)],
)
def test_every_accepts_go_durations_in_whole_seconds(text, seconds):
    assert parse_cron(text).period == seconds


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("0 0 25 * * *", "hour", "hour: 25 is out of range (0-23)"),
        ("60 * * * * *", "second", "second: 60 is out of range (0-59)"),
        ("0 60 * * * *", "minute", "minute: 60 is out of range (0-59)"),
        ("0 0 0 32 * *", "day_of_month", "day-of-month: 32 is out of range (1-31)"),
        ("0 0 0 0 * *", "day_of_month", "day-of-month: 0 is out of range (1-31)"),
        ("0 0 0 1 13 *", "month", "month: 13 is out of range (1-12)"),
        ("0 0 0 * * 8", "day_of_week", "day-of-week: 8 is out of range (0-7)"),
        ("0 */0 * * * *", "minute", "minute: step 0 in '*/0' must be at least 1"),
        ("0 */x * * * *", "minute", "minute: step 'x' in '*/x' is not a number"),
        ("0 0 0 * JANUARY *", "month", "month: 'JANUARY' is not a month name (JAN-DEC) or number (1-12)"),
        ("0 0 0 * * FUN", "day_of_week", "day-of-week: 'FUN' is not a day name (SUN-SAT) or number (0-7)"),
        ("0 0 MON * * *", "hour", "hour: 'MON' is not a number (0-23)"),
        ("0 50-10 * * * *", "minute", "minute: range 50-10 is reversed (start is after end)"),
        ("0 0 0 * * FRI-MON", "day_of_week", "day-of-week: range FRI-MON is reversed (start is after end)"),
        ("0 ? * * * *", "minute", "minute: '?' is only allowed in day-of-month and day-of-week"),
        ("? 0 * * * *", "second", "second: '?' is only allowed in day-of-month and day-of-week"),
        ("0 1,,2 * * * *", "minute", "minute: empty item in list '1,,2'"),
        ("0 -5 * * * *", "minute", "minute: '-5' is not a valid range"),
        ("0 0 0 30 2 *", "day_of_month", "day-of-month: day 30 never occurs in February, so the schedule would never run"),
        ("0 0 0 31 4,6 *", "day_of_month", "day-of-month: day 31 never occurs in April or June, so the schedule would never run"),
    ],
)
def test_an_invalid_field_is_rejected_with_a_message_naming_it(text, field, message):
    with pytest.raises(CronError) as caught:
        parse_cron(text)
    assert (caught.value.field, str(caught.value)) == (field, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 0 0 *", "Expression has 4 fields; expected 5 or 6 (second minute hour day-of-month month day-of-week)"),
        ("0 0 0 * * * 2026", "Expression has 7 fields; expected 5 or 6 (second minute hour day-of-month month day-of-week)"),
        ("", "Expression is empty"),
        ("   ", "Expression is empty"),
        ("@fortnightly", "Unknown descriptor '@fortnightly'; expected @yearly, @annually, @monthly, @weekly, "
                         "@daily, @midnight, @hourly or @every <duration>"),
        ("@every", "@every needs a duration, e.g. '@every 5m' or '@every 1h30m'"),
        ("@every 10x", "'@every 10x' has an invalid duration; use hours, minutes and seconds such as 90s, 5m or 1h30m"),
        ("@every 1500ms", "'@every 1500ms' uses 'ms', finer than the 1-second granularity; use s, m or h"),
        ("@every 1.5s", "'@every 1.5s' must be a positive whole number of seconds"),
        ("@every 0s", "'@every 0s' must be a positive whole number of seconds"),
    ],
)
def test_a_malformed_expression_is_rejected_as_a_whole(text, message):
    with pytest.raises(CronError) as caught:
        parse_cron(text)
    assert (caught.value.field, str(caught.value)) == ("cron_expression", message)


@pytest.mark.parametrize("zone", ["Mars/Base", "Europe/Londres", "../etc/passwd", "Not a zone"])
def test_an_unknown_timezone_is_rejected_on_the_timezone_field(zone):
    with pytest.raises(CronError) as caught:
        parse_cron("0 0 0 * * *", zone)
    assert (caught.value.field, str(caught.value)) == ("timezone", f"timezone: '{zone}' is not a known IANA timezone")


@pytest.mark.parametrize(("zone", "name"), [(None, "UTC"), ("", "UTC"), ("Europe/London", "Europe/London")])
def test_the_timezone_defaults_to_utc_when_missing(zone, name):
    assert parse_cron("0 0 0 * * *", zone).timezone == name


@pytest.mark.parametrize(
    ("text", "interval_style"),
    [
        ("0 */15 * * * *", True),
        ("0 0 * * * *", True),
        ("0 0 */2 * * *", True),
        ("0 */15 1 * * *", True),
        ("*/30 0 2 * * *", True),
        ("@hourly", True),
        ("@every 5m", True),
        ("0 0 0-23/3 * * *", False),
        ("0 0 0,11,22 * * *", False),
        ("0 0-59/15 1 * * *", False),
        ("0 30 2 * * *", False),
        ("0 0 9-17 * * *", False),
        ("0 0 1/2 * * *", False),
        ("@daily", False),
    ],
)
def test_an_expression_is_interval_style_when_its_second_minute_or_hour_field_begins_with_a_star(
        text, interval_style):
    assert parse_cron(text, min_interval_seconds=0).is_interval_style is interval_style


def test_an_error_keeps_its_field_when_pickled():
    import pickle

    error = CronError("hour", "25 is out of range (0-23)")
    restored = pickle.loads(pickle.dumps(error))
    assert (restored.field, restored.message, str(restored)) == ("hour", error.message, str(error))


def test_seven_with_a_step_steps_from_sunday():
    assert parse_cron("0 0 * * 7/2").fields[5].values == parse_cron("0 0 * * 0/2").fields[5].values == (0, 2, 4, 6)


@pytest.mark.parametrize("text", ["@every 99999999999h", "@every 100000h"])
def test_an_every_longer_than_the_look_ahead_is_refused_as_never_running(text):
    with pytest.raises(CronError, match="never run") as refused:
        parse_cron(text)
    assert refused.value.field == "cron_expression"
