"""next_after agrees with a brute-force, minute-by-minute reading of the scheduling rules.

The reference below implements SPEC section 5 directly and slowly: interval-style schedules fire
at every real minute whose local clock matches the fields; fixed-time schedules give each local
slot its first occurrence, or the first instant after a gap when the slot does not exist. Random
expressions are checked over two days around DST transitions in several zones.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cron import parse_cron

UTC = timezone.utc
MINUTE = timedelta(minutes=1)

TRANSITIONS = [
    ("Europe/London", "2026-03-29T01:00:00+00:00"),
    ("Europe/London", "2026-10-25T01:00:00+00:00"),
    ("America/New_York", "2026-03-08T07:00:00+00:00"),
    ("America/New_York", "2026-11-01T06:00:00+00:00"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00+00:00"),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00+00:00"),
    ("America/Santiago", "2026-09-06T04:00:00+00:00"),
    ("America/Santiago", "2026-04-05T03:00:00+00:00"),
    ("UTC", "2026-06-01T00:00:00+00:00"),
]


def _values(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for term in text.split(","):
        span, _, step = term.partition("/")
        if span == "*":
            first, last = low, high
        else:
            first, _, last = span.partition("-")
            first, last = int(first), int(last or first)
        values.update(range(first, last + 1, int(step or 1)))
    return values


def _matcher(expression: str):
    _, minute, hour, dom, month, dow = expression.split()
    minutes, hours = _values(minute, 0, 59), _values(hour, 0, 23)
    doms, months, dows = _values(dom, 1, 31), _values(month, 1, 12), _values(dow, 0, 6)

    def day_matches(day: date) -> bool:
        by_dom, by_dow = day.day in doms, (day.weekday() + 1) % 7 in dows
        if day.month not in months:
            return False
        return by_dom and by_dow if "*" in (dom, dow) else by_dom or by_dow

    def wall_matches(wall: datetime) -> bool:
        return wall.minute in minutes and wall.hour in hours and day_matches(wall.date())

    return minutes, hours, day_matches, wall_matches


def reference_runs(
    expression: str, zone: ZoneInfo, start: datetime, end: datetime, fixed: bool
) -> list[datetime]:
    minutes, hours, day_matches, wall_matches = _matcher(expression)
    scan_from, scan_to = start - timedelta(days=2), end + timedelta(days=2)
    instants = [scan_from + MINUTE * i for i in range(int((scan_to - scan_from) / MINUTE))]
    walls = [instant.astimezone(zone).replace(tzinfo=None) for instant in instants]
    if not fixed:
        fires = [instant for instant, wall in zip(instants, walls) if wall_matches(wall)]
    else:
        fires = set()
        for day in sorted({wall.date() for wall in walls})[1:-1]:
            if not day_matches(day):
                continue
            for hour in hours:
                for minute in minutes:
                    slot = datetime(day.year, day.month, day.day, hour, minute)
                    fires.add(next(instant for instant, wall in zip(instants, walls) if wall >= slot))
    return sorted(instant for instant in fires if start < instant <= end)


field = st.one_of
minute_fields = field(st.sampled_from(["0", "*/15", "*/20", "0,30", "5,59", "*/7", "45", "10-20/5"]),
                      st.lists(st.integers(0, 59), min_size=1, max_size=4, unique=True).map(
                          lambda values: ",".join(map(str, sorted(values)))))
hour_fields = field(st.sampled_from(["*", "*/2", "*/3", "1", "2", "0,1,2,3", "1-3", "23,0", "0-2"]),
                    st.lists(st.integers(0, 23), min_size=1, max_size=3, unique=True).map(
                        lambda values: ",".join(map(str, sorted(values)))))
dom_fields = st.sampled_from(["*", "*", "1,15", "4-6", "29-31"])
dow_fields = st.sampled_from(["*", "*", "0", "6", "1-5", "0,6"])


@settings(max_examples=80, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    minute=minute_fields,
    hour=hour_fields,
    dom=dom_fields,
    dow=dow_fields,
    lead_minutes=st.integers(0, 36 * 60),
)
def test_next_runs_match_a_brute_force_reading_of_the_rules(transition, minute, hour, dom, dow, lead_minutes):
    zone_name, moment = transition
    expression = f"0 {minute} {hour} {dom} * {dow}"
    schedule = parse_cron(expression, zone_name, min_interval_seconds=0)
    start = datetime.fromisoformat(moment) - timedelta(minutes=lead_minutes)
    end = start + timedelta(days=2)
    expected = reference_runs(expression, ZoneInfo(zone_name), start, end, not schedule.is_interval_style)
    actual = [run for run in schedule.next_runs(start, len(expected) + 1) if run <= end]
    assert [run.astimezone(UTC) for run in actual] == expected


@pytest.mark.parametrize("zone_name, moment", TRANSITIONS)
def test_each_listed_transition_is_a_real_offset_change(zone_name, moment):
    instant = datetime.fromisoformat(moment)
    before = (instant - MINUTE).astimezone(ZoneInfo(zone_name)).utcoffset()
    after = instant.astimezone(ZoneInfo(zone_name)).utcoffset()
    assert (before != after) is (zone_name != "UTC")
