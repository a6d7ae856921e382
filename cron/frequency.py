"""Exact shortest gap between consecutive fires, computed from the fields.

The floor that rejects too-frequent schedules must not be fooled by sampling (``0 59,0 * * * *``
fires 60 s apart only across the hour), so the gaps are derived from the fields: gaps between
slots of one day (``TimesOfDay.gaps``) and gaps from the last slot of a selected day to the first
slot of the next selected day.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from .slots import DayRule, TimesOfDay
from .zones import DAY

#: Years scanned for gaps between selected days. Day selection depends only on whether a year is
#: a leap year and on the weekday it starts on; 2001-2029 contains every such pair of consecutive
#: years (the 28-year solar cycle), so every gap the calendar can produce appears in it, except the
#: longer leap-day gaps across a non-leap century year, which never make the shortest gap shorter.
_WINDOW = range(2001, 2030)


def fire_gaps(times: TimesOfDay, days: DayRule) -> frozenset[int]:
    """Every distinct gap, in seconds, between two consecutive fires (wall-clock time)."""
    span = times.last - times.first
    across_days = {gap * DAY - span for gap in _day_gaps(days)}
    return frozenset(times.gaps() | across_days)


@lru_cache(maxsize=256)
def _day_gaps(days: DayRule) -> frozenset[int]:
    ordinals = [
        date(year, month, dom).toordinal()
        for year in _WINDOW
        for month in range(1, 13)
        for dom in days.days_in(year, month)
    ]
    return frozenset(b - a for a, b in zip(ordinals, ordinals[1:]))
