"""Frequency builder: the operator's choices become a six-field expression and back."""
import pytest

from cron import parse_cron
from cron.builder import build_frequency, frequency_from_cron


@pytest.mark.parametrize("choices, expression", [
    ({"frequency": "interval", "interval_value": "15", "interval_unit": "minutes"}, "0 */15 * * * *"),
    ({"frequency": "interval", "interval_value": "1", "interval_unit": "minutes"}, "0 * * * * *"),
    ({"frequency": "interval", "interval_value": "6", "interval_unit": "hours"}, "0 0 */6 * * *"),
    ({"frequency": "interval", "interval_value": "2", "interval_unit": "days", "time": "04:05"}, "0 5 4 */2 * *"),
    ({"frequency": "daily", "time": "02:30"}, "0 30 2 * * *"),
    ({"frequency": "weekly", "time": "23:00", "weekdays": ["MON", "FRI"]}, "0 0 23 * * MON,FRI"),
    ({"frequency": "monthly", "time": "01:00", "month_day": "15"}, "0 0 1 15 * *"),
    ({"frequency": "custom", "custom": "  0 0 3 * * SUN "}, "0 0 3 * * SUN"),
])
def test_each_choice_becomes_the_expression_it_describes(choices, expression):
    frequency = build_frequency(choices.pop("frequency"), **choices)
    assert frequency.errors == {}
    assert frequency.cron_expression() == expression
    parse_cron(expression)


def test_weekdays_keep_the_week_s_order_and_drop_unknown_codes():
    frequency = build_frequency("weekly", time="08:00", weekdays=["SUN", "XYZ", "MON"])
    assert frequency.weekdays == ("MON", "SUN")


def test_an_unknown_frequency_is_read_as_a_custom_expression():
    frequency = build_frequency("hourly-ish", custom="0 0 * * * *")
    assert frequency.frequency == "custom" and frequency.cron_expression() == "0 0 * * * *"


def test_no_frequency_at_all_is_daily():
    assert build_frequency(None, time="02:00").frequency == "daily"


@pytest.mark.parametrize("choices, field", [
    ({"frequency": "interval", "interval_value": "60", "interval_unit": "minutes"}, "interval_value"),
    ({"frequency": "interval", "interval_value": "2", "interval_unit": "weeks"}, "interval_unit"),
    ({"frequency": "daily", "time": "24:00"}, "time"),
    ({"frequency": "weekly", "time": "02:00", "weekdays": []}, "weekdays"),
    ({"frequency": "monthly", "time": "02:00", "month_day": "32"}, "month_day"),
    ({"frequency": "custom", "custom": "   "}, "cron_expression"),
])
def test_a_bad_input_is_named_and_gives_no_expression(choices, field):
    frequency = build_frequency(choices.pop("frequency"), **choices)
    assert list(frequency.errors) == [field]
    assert frequency.cron_expression() == ""


@pytest.mark.parametrize("expression", [
    "0 */15 * * * *", "0 0 */6 * * *", "0 5 4 */2 * *", "0 30 2 * * *", "0 0 23 * * MON,FRI", "0 0 1 15 * *",
])
def test_an_expression_the_builder_can_express_reads_back_as_the_same_expression(expression):
    frequency = frequency_from_cron(expression)
    assert frequency.frequency != "custom"
    assert frequency.cron_expression() == expression


def test_five_fields_read_as_second_zero():
    frequency = frequency_from_cron("30 2 * * *")
    assert frequency.frequency == "daily" and frequency.time == "02:30"


@pytest.mark.parametrize("expression", ["15 30 2 * * *", "0 30 2 * 6 *", "0 0 1 1-7 * MON", "@daily", ""])
def test_anything_else_is_shown_as_custom_text(expression):
    frequency = frequency_from_cron(expression)
    assert frequency.frequency == "custom" and frequency.custom == expression


@pytest.mark.parametrize("value, unit, expression", [
    ("7", "minutes", "@every 7m"), ("45", "minutes", "@every 45m"), ("5", "hours", "@every 5h"),
    ("7", "hours", "@every 7h"), ("20", "minutes", "0 */20 * * * *"), ("8", "hours", "0 0 */8 * * *"),
])
def test_every_n_that_does_not_divide_the_hour_or_day_is_a_real_interval(value, unit, expression):
    frequency = build_frequency("interval", interval_value=value, interval_unit=unit)
    assert frequency.cron_expression() == expression
    parse_cron(expression)
    read_back = frequency_from_cron(expression)
    assert (read_back.frequency, read_back.interval_value, read_back.interval_unit) == ("interval", value, unit)


def test_every_7_minutes_runs_7_minutes_apart_across_the_hour():
    from datetime import datetime, timezone
    expression = build_frequency("interval", interval_value="7", interval_unit="minutes").cron_expression()
    runs = parse_cron(expression, "Europe/London").next_runs(datetime(2026, 3, 1, 22, 50, tzinfo=timezone.utc), 6)
    assert {int((b - a).total_seconds()) for a, b in zip(runs, runs[1:])} == {420}


def test_an_even_every_n_expression_reads_back_as_custom_when_written_as_an_interval():
    # `@every 8h` counts from midnight UTC, `0 0 */8 * * *` from the zone's midnight: not the same
    assert frequency_from_cron("@every 8h").frequency == "custom"


@pytest.mark.parametrize("value", ["16", "20", "31"])
def test_every_n_days_past_15_is_refused_at_its_field_pointing_to_monthly(value):
    frequency = build_frequency("interval", interval_value=value, interval_unit="days", time="02:00")
    assert list(frequency.errors) == ["interval_value"] and frequency.cron_expression() == ""
    message = frequency.errors["interval_value"]
    assert message.startswith("Every N days: enter a whole number from 1 to 15.") and "choose Monthly" in message


@pytest.mark.parametrize("value, unit, ok", [
    ("15", "days", True), ("1", "days", True), ("59", "minutes", True), ("60", "minutes", False),
    ("23", "hours", True), ("24", "hours", False), ("0", "days", False), ("0", "minutes", False),
])
def test_every_n_bounds_per_unit(value, unit, ok):
    frequency = build_frequency("interval", interval_value=value, interval_unit=unit, time="02:00")
    assert (not frequency.errors) is ok, frequency.errors
    if not ok:
        assert frequency.errors["interval_value"].startswith(f"Every N {unit}: ")


@pytest.mark.parametrize("expression", ["0 0 2 */16 * *", "0 0 2 */31 * *", "0 */75 * * * *", "0 0 */30 * * *"])
def test_an_every_n_expression_past_the_builder_s_bounds_reads_back_as_custom(expression):
    assert frequency_from_cron(expression).frequency == "custom"


@pytest.mark.parametrize("expression", ["@every 0m", "@every 0h", "@every 00m", "@every 99h"])
def test_a_stored_interval_the_builder_never_writes_reads_back_as_custom(expression):
    frequency = frequency_from_cron(expression)
    assert frequency.frequency == "custom" and frequency.custom == expression
