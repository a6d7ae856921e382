"""Time-zone arithmetic on whole Unix seconds.

Instants are integers (seconds since 1970-01-01T00:00:00Z). A *wall* time is the local clock
reading written the same way, as if the local clock were UTC: ``wall = instant + offset``. Local
day ``d`` covers the wall times ``d * 86400`` to ``(d + 1) * 86400``. Working on integers keeps
the DST rules exact and the search fast; ``zoneinfo`` is only asked for offsets.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import CronError

DAY = 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def load_zone(name: str | None) -> ZoneInfo:
    """The IANA zone called ``name``; a missing or blank name means UTC."""
    if name is None or (isinstance(name, str) and not name.strip()):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, AttributeError, OSError):
        raise CronError("timezone", f"'{name}' is not a known IANA timezone") from None


def to_instant(moment: datetime) -> int:
    """Whole seconds since the epoch, rounded down (a fire is strictly after ``moment`` iff it is
    strictly after this value, because fires fall on whole seconds)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return (moment - _EPOCH) // timedelta(seconds=1)


def to_datetime(instant: int, zone: ZoneInfo) -> datetime:
    """The aware datetime of an instant in ``zone`` (with the right ``fold`` in repeated hours)."""
    return datetime.fromtimestamp(instant, zone)


def offset_at(zone: ZoneInfo, instant: int) -> int:
    """UTC offset in seconds in force at an instant."""
    return int(to_datetime(instant, zone).utcoffset().total_seconds())


def wall_offsets(zone: ZoneInfo, wall: int) -> tuple[int, int]:
    """The offsets zoneinfo gives a wall time with ``fold=0`` and ``fold=1``; they differ only
    near a transition, where the wall time is repeated or does not exist."""
    naive = _NAIVE_EPOCH + timedelta(seconds=wall)
    return tuple(
        int(naive.replace(tzinfo=zone, fold=fold).utcoffset().total_seconds()) for fold in (0, 1)
    )


def is_repeated(zone: ZoneInfo, wall: int) -> bool:
    """True if the wall time exists and occurs twice (the hour repeated when clocks go back)."""
    return len(_occurrences(zone, wall)) == 2


def _occurrences(zone: ZoneInfo, wall: int) -> list[int]:
    """The instants showing ``wall`` on the local clock, earliest first (0, 1 or 2 of them)."""
    candidates = sorted({wall - offset for offset in wall_offsets(zone, wall)})
    return [instant for instant in candidates if instant + offset_at(zone, instant) == wall]


def resolve_wall(zone: ZoneInfo, wall: int) -> int:
    """The instant a wall-clock slot runs at under the fixed-time rule: its first occurrence, or,
    when the wall time falls in a spring-forward gap, the first instant after the gap."""
    occurrences = _occurrences(zone, wall)
    if occurrences:
        return occurrences[0]
    before, after = wall_offsets(zone, wall)
    return first_offset_change(zone, wall - max(before, after), wall - min(before, after))


def first_offset_change(zone: ZoneInfo, low: int, high: int) -> int:
    """The first instant in ``(low, high]`` whose offset differs from the one at ``low``.

    The caller guarantees the offsets at ``low`` and ``high`` differ and that one transition lies
    between them; a binary search then finds it to the second.
    """
    start_offset = offset_at(zone, low)
    while high - low > 1:
        middle = (low + high) // 2
        if offset_at(zone, middle) == start_offset:
            low = middle
        else:
            high = middle
    return high


class Segment(NamedTuple):
    """A stretch of real time within one local day during which the offset is constant."""

    start: int
    end: int
    offset: int


@lru_cache(maxsize=4096)
def day_segments(zone: ZoneInfo, day: int) -> tuple[Segment, ...]:
    """The instants whose local date is ``day``, split where the offset changes.

    Usually one segment; two on the day of a DST transition. Two assumptions hold for every zone
    in the tz database since 2011: a day contains at most one transition, and a transition does
    not carry the local clock across midnight (a gap may start at midnight, as in Chile, but not
    straddle it). Cached: consecutive searches and previews keep asking for the same few days.
    """
    start = resolve_wall(zone, day * DAY)
    end = resolve_wall(zone, (day + 1) * DAY)
    first, last = offset_at(zone, start), offset_at(zone, end - 1)
    if first == last:
        return (Segment(start, end, first),)
    change = first_offset_change(zone, start, end - 1)
    return (Segment(start, change, first), Segment(change, end, last))


def local_day(zone: ZoneInfo, instant: int) -> int:
    """The local day number (days since 1970-01-01) an instant falls on."""
    return (instant + offset_at(zone, instant)) // DAY


def local_text(moment: datetime, zone: str | None, fmt: str = "%H:%M") -> str:
    """A UTC instant as the zone's wall clock reads it (`fmt`, e.g. "%a %H:%M"); in UTC, said so,
    for a zone another tool stored that we do not know."""
    try:
        return moment.astimezone(load_zone(zone)).strftime(fmt)
    except CronError:
        return moment.astimezone(timezone.utc).strftime(fmt) + " UTC"
