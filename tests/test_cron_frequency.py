"""The frequency floor: the shortest gap between fires is computed exactly from the fields."""
from __future__ import annotations

import pytest

from cron import DEFAULT_MIN_INTERVAL_SECONDS, CronError, parse_cron


@pytest.mark.parametrize(
    ("expression", "shortest"),
    [
        ("* * * * * *", 1),
        ("*/30 * * * * *", 30),
        ("0,30 * * * * *", 30),
        ("0 * * * * *", 60),
        ("0 59,0 * * * *", 60),
        ("30 59 * * * *", 3600),
        ("0 0 23,0 * * *", 3600),
        ("0 0,30 8,17 * * *", 1800),
        ("0 0 0 * * *", 86400),
        ("0 0 23 * * SAT,SUN", 86400),
        ("0 0 0 * * MON,WED", 2 * 86400),
        ("0 0 0 29 2 *", 1461 * 86400),
        ("0 0 0 31 * *", 31 * 86400),  # 31 July to 31 August
        ("@every 90s", 90),
        ("@hourly", 3600),
    ],
)
def test_the_shortest_gap_between_fires_is_exact(expression, shortest):
    assert parse_cron(expression, min_interval_seconds=0).min_interval_seconds() == shortest


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * * * *", "frequency: fires every 1 second; the minimum interval is 60 seconds"),
        ("*/30 * * * * *", "frequency: fires every 30 seconds; the minimum interval is 60 seconds"),
        ("0,30 * * * * *", "frequency: fires every 30 seconds; the minimum interval is 60 seconds"),
        ("@every 10s", "frequency: fires every 10 seconds; the minimum interval is 60 seconds"),
        ("0,30 0 * * * *", "frequency: fires as often as every 30 seconds; the minimum interval is 60 seconds"),
        ("0,30 59 23 * * *", "frequency: fires as often as every 30 seconds; the minimum interval is 60 seconds"),
    ],
)
def test_a_schedule_firing_more_often_than_the_default_floor_is_rejected(expression, message):
    with pytest.raises(CronError) as caught:
        parse_cron(expression)
    assert (caught.value.field, str(caught.value)) == ("frequency", message)


@pytest.mark.parametrize(
    "expression", ["0 * * * * *", "0 59,0 * * * *", "0 */1 * * * *", "@every 1m", "@every 60s"]
)
def test_a_schedule_firing_every_minute_passes_the_default_floor(expression):
    assert parse_cron(expression).min_interval_seconds() >= DEFAULT_MIN_INTERVAL_SECONDS


@pytest.mark.parametrize(
    ("expression", "floor"),
    [("* * * * * *", 1), ("* * * * * *", 0), ("*/30 * * * * *", 30), ("@every 10s", 10)],
)
def test_lowering_the_floor_admits_more_frequent_schedules(expression, floor):
    assert parse_cron(expression, min_interval_seconds=floor).min_interval_seconds() >= floor


@pytest.mark.parametrize(
    ("expression", "floor"), [("0 */5 * * * *", 600), ("0 0 23,0 * * *", 7200), ("@every 90s", 120)]
)
def test_raising_the_floor_rejects_schedules_the_default_admits(expression, floor):
    with pytest.raises(CronError) as caught:
        parse_cron(expression, min_interval_seconds=floor)
    assert caught.value.field == "frequency"


def test_the_default_floor_is_one_minute():
    assert DEFAULT_MIN_INTERVAL_SECONDS == 60
