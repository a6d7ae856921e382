"""Which local days and which times of day a field-based expression selects.

Both are pure calendar/clock arithmetic, independent of time zones; ``expression`` combines them
with the zone's offsets.
"""
from __future__ import annotations

import calendar
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .fields import Field

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_to_date(day: int) -> date:
    """Calendar date of a day number (days since 1970-01-01)."""
    return date.fromordinal(EPOCH_ORDINAL + day)


def date_to_day(value: date) -> int:
    """Day number (days since 1970-01-01) of a calendar date."""
    return value.toordinal() - EPOCH_ORDINAL


@dataclass(frozen=True)
class DayRule:
    """The month, day-of-month and day-of-week fields together.

    As in robfig/cron (and classic cron): when both day fields are restricted a day matches if
    either matches; when one of them is ``*`` or ``?`` only the other one applies.
    """

    months: tuple[int, ...]
    days_of_month: Field
    days_of_week: Field

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        """Matching days of one month, ascending."""
        return _matching_days(self, year, month)

    def matches(self, day: int) -> bool:
        """Whether a day number is selected."""
        value = day_to_date(day)
        return value.day in self.days_in(value.year, value.month)

    def next_day(self, day: int, last_day: int) -> int | None:
        """The first selected day number from ``day`` to ``last_day`` inclusive, skipping whole
        months that are not selected."""
        current = day_to_date(day)
        year, month, first = current.year, current.month, current.day
        while date_to_day(date(year, month, 1)) <= last_day:
            later = [dom for dom in self.days_in(year, month) if dom >= first]
            if later:
                found = date_to_day(date(year, month, later[0]))
                return found if found <= last_day else None
            year, month, first = year + month // 12, month % 12 + 1, 1
        return None


@lru_cache(maxsize=8192)
def _matching_days(rule: DayRule, year: int, month: int) -> tuple[int, ...]:
    if month not in rule.months:
        return ()
    first_weekday, length = calendar.monthrange(year, month)
    sunday_based = (first_weekday + 1) % 7  # cron numbers Sunday 0, Python numbers Monday 0
    by_month_day = {dom for dom in rule.days_of_month.values if dom <= length}
    weekdays = set(rule.days_of_week.values)
    by_weekday = {dom for dom in range(1, length + 1) if (sunday_based + dom - 1) % 7 in weekdays}
    if rule.days_of_month.is_star or rule.days_of_week.is_star:
        return tuple(sorted(by_month_day & by_weekday))
    return tuple(sorted(by_month_day | by_weekday))


@dataclass(frozen=True)
class TimesOfDay:
    """The hour, minute and second fields: every combination is a slot, in seconds after local
    midnight."""

    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    seconds: tuple[int, ...]

    @property
    def first(self) -> int:
        return _join(self.hours[0], self.minutes[0], self.seconds[0])

    @property
    def last(self) -> int:
        return _join(self.hours[-1], self.minutes[-1], self.seconds[-1])

    @property
    def count(self) -> int:
        return len(self.hours) * len(self.minutes) * len(self.seconds)

    def all(self) -> list[int]:
        """Every slot, ascending (callers use it only when ``count`` is small)."""
        return [_join(h, m, s) for h in self.hours for m in self.minutes for s in self.seconds]

    def first_between(self, start: int, end: int) -> int | None:
        """The first slot in ``[start, end)``, found field by field rather than by scanning."""
        found = self._first_at_or_after(max(start, 0))
        return found if found is not None and found < end else None

    def any_between(self, start: int, end: int) -> bool:
        """Whether some slot lies in ``[start, end)``."""
        return self.first_between(start, end) is not None

    def _first_at_or_after(self, start: int) -> int | None:
        hour, rest = divmod(start, 3600)
        minute, second = divmod(rest, 60)
        h = bisect_left(self.hours, hour)
        if h < len(self.hours) and self.hours[h] == hour:
            m = bisect_left(self.minutes, minute)
            if m < len(self.minutes) and self.minutes[m] == minute:
                s = bisect_left(self.seconds, second)
                if s < len(self.seconds):
                    return _join(hour, minute, self.seconds[s])
                m += 1
            if m < len(self.minutes):
                return _join(hour, self.minutes[m], self.seconds[0])
            h += 1
        if h < len(self.hours):
            return _join(self.hours[h], self.minutes[0], self.seconds[0])
        return None

    def gaps(self) -> set[int]:
        """Distinct gaps between consecutive slots of one day.

        Consecutive slots differ either in the second only, or move to the next minute (from the
        last second to the first), or to the next hour (from the last minute and second to the
        first ones); so three families of differences cover every consecutive pair exactly.
        """
        first_s, last_s = self.seconds[0], self.seconds[-1]
        first_m, last_m = self.minutes[0], self.minutes[-1]
        gaps = {b - a for a, b in zip(self.seconds, self.seconds[1:])}
        gaps |= {(b - a) * 60 + first_s - last_s for a, b in zip(self.minutes, self.minutes[1:])}
        gaps |= {
            (b - a) * 3600 + (first_m - last_m) * 60 + first_s - last_s
            for a, b in zip(self.hours, self.hours[1:])
        }
        return gaps


def _join(hour: int, minute: int, second: int) -> int:
    return hour * 3600 + minute * 60 + second
