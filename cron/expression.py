"""Parsed schedules and the search for their fire times."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from zoneinfo import ZoneInfo

from .fields import Field
from .frequency import fire_gaps
from .slots import DayRule, TimesOfDay
from .zones import DAY, day_segments, local_day, offset_at, to_datetime, to_instant

#: How far ahead ``next_after`` looks before concluding a schedule will not fire: the longest gap
#: between two fires of a valid expression is eight years (February 29 across a century that is
#: not a leap year, 2096 to 2104), so nine years find the next run of every one.
HORIZON_DAYS = 9 * 366


class CronExpression(ABC):
    """A validated schedule in its time zone. Build one with ``parse_cron``."""

    #: True when the schedule follows real elapsed time across DST changes (see the package
    #: documentation); False for fixed-time schedules.
    is_interval_style: bool

    def __init__(self, text: str, zone: ZoneInfo):
        self.text = text
        self.zone = zone

    @property
    def timezone(self) -> str:
        """The IANA name of the schedule's zone."""
        return self.zone.key

    def next_after(self, instant: datetime) -> datetime | None:
        """The first fire time strictly after ``instant`` (an aware datetime), as an aware
        datetime in the schedule's zone; None if there is none within nine years, or none a
        datetime can hold (after the year 9999)."""
        after = to_instant(instant)
        try:
            fire = self._next_instant(after)
            return None if fire is None else to_datetime(fire, self.zone)
        except (OverflowError, ValueError, OSError):
            return None

    def next_runs(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` fire times strictly after ``after`` (fewer if the schedule ends)."""
        runs: list[datetime] = []
        current = after
        while len(runs) < count and (current := self.next_after(current)) is not None:
            runs.append(current)
        return runs

    def min_interval_seconds(self) -> int:
        """The shortest gap between two consecutive fires, computed exactly from the expression.

        This is the steady-state gap. On the day of a DST change one gap can be shorter: a
        fixed-time slot moved out of a spring-forward gap, or an interval-style schedule whose
        wall-clock distance spans the skipped hour. The floor exists to stop sustained load, which
        a single shortened gap a year does not cause.
        """
        return min(self.fire_gaps())

    @abstractmethod
    def fire_gaps(self) -> frozenset[int]:
        """Every distinct gap, in seconds, between consecutive fires (steady state)."""

    def moved_by_dst(self, moment: datetime) -> bool:
        """Whether a slot whose local time does not exist was moved to ``moment``."""
        return False

    @abstractmethod
    def _next_instant(self, after: int) -> int | None:
        """The first fire instant (Unix seconds) strictly after ``after``."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CronExpression):
            return NotImplemented
        return (type(self), self.text, self.timezone) == (type(other), other.text, other.timezone)

    def __hash__(self) -> int:
        return hash((type(self), self.text, self.timezone))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r}, timezone={self.timezone!r})"


class FieldExpression(CronExpression):
    """A six-field expression (or a descriptor such as ``@daily`` that stands for one)."""

    def __init__(
        self, text: str, zone: ZoneInfo, field_texts: tuple[str, ...], fields: tuple[Field, ...]
    ):
        super().__init__(text, zone)
        #: The six fields as written (descriptors expanded), for descriptions.
        self.field_texts = field_texts
        self.fields = fields
        second, minute, hour, day_of_month, month, day_of_week = fields
        self.times = TimesOfDay(hour.values, minute.values, second.values)
        self.days = DayRule(month.values, day_of_month, day_of_week)
        # Debian cron's rule, extended to the seconds field: a job whose minute or hour field
        # begins with '*' (so @hourly too) follows real elapsed time; any other is fixed-time.
        self.is_interval_style = any(part.startswith("*") for part in field_texts[:3])

    def fire_gaps(self) -> frozenset[int]:
        return fire_gaps(self.times, self.days)

    def _next_instant(self, after: int) -> int | None:
        day = local_day(self.zone, after)
        last_day = day + HORIZON_DAYS
        while (day := self.days.next_day(day, last_day)) is not None:
            fire = self._first_fire_on(day, after)
            if fire is not None:
                return fire
            day += 1
        return None

    def _first_fire_on(self, day: int, after: int) -> int | None:
        """The first fire of local day ``day`` strictly after ``after``.

        The day is walked one constant-offset segment at a time. Interval-style schedules match
        the wall clock of each real instant. Fixed-time schedules give each wall slot a single
        instant: its first occurrence (wall times already covered by an earlier segment are not
        fired again), or for slots inside a spring-forward gap the first instant after the gap.
        """
        midnight = day * DAY
        segments = day_segments(self.zone, day)
        covered = 0
        for segment in segments:
            wall_start = segment.start + segment.offset - midnight
            wall_end = segment.end + segment.offset - midnight
            earliest = after + 1 + segment.offset - midnight
            if self.is_interval_style:
                fire = self.times.first_between(max(wall_start, earliest), wall_end)
            else:
                if segment.start > after and self.times.any_between(covered, wall_start):
                    return segment.start
                fire = self.times.first_between(max(wall_start, covered, earliest), wall_end)
                covered = max(covered, wall_end)
            if fire is not None:
                return midnight + fire - segment.offset
        return None

    def moved_by_dst(self, moment: datetime) -> bool:
        if self.is_interval_style:
            return False
        instant = to_instant(moment)
        before, after = offset_at(self.zone, instant - 1), offset_at(self.zone, instant)
        return after > before and self._has_slot_between(instant + before, instant + after)

    def _has_slot_between(self, wall_start: int, wall_end: int) -> bool:
        """Whether a selected slot has a wall time in ``[wall_start, wall_end)``."""
        for day in range(wall_start // DAY, (wall_end - 1) // DAY + 1):
            midnight = day * DAY
            if self.days.matches(day) and self.times.any_between(
                wall_start - midnight, wall_end - midnight
            ):
                return True
        return False


class EveryExpression(CronExpression):
    """``@every <duration>``: fires at whole multiples of the duration since the Unix epoch, so
    every process computes the same instants whatever its start time."""

    is_interval_style = True

    def __init__(self, text: str, zone: ZoneInfo, period: int):
        super().__init__(text, zone)
        self.period = period

    def fire_gaps(self) -> frozenset[int]:
        return frozenset({self.period})

    def _next_instant(self, after: int) -> int:
        return (after // self.period + 1) * self.period
