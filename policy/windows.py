"""Replication windows: the hours of the week in which a schedule may start replications.

A window is `{"days": ["MON", ...], "start": "HH:MM", "end": "HH:MM"}` in the schedule's
timezone. `days` name the day the window opens: "MON 22:00–06:00" runs from Monday 22:00 to
Tuesday 06:00 (an end at or before the start crosses midnight; 00:00–00:00 is the whole day).
A schedule without windows may replicate at any time.

Times are wall-clock times of the zone, so a window keeps its hours across a DST change: on
the night the clocks go forward a window opening at 02:30 (a time that does not exist) opens
when the clocks read 03:30, the instant 02:30 would have been; on the night they go back a
time that occurs twice means its first occurrence. Windows that touch (Mon 18:00–24:00 and
Tue 00:00–06:00) are one open period: a window closes only where no other window continues it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DAY_WORDS = {"MON": "Mon", "TUE": "Tue", "WED": "Wed", "THU": "Thu", "FRI": "Fri", "SAT": "Sat", "SUN": "Sun"}
_ALIASES = {**{day: day for day in DAYS}, "MONDAY": "MON", "TUESDAY": "TUE", "WEDNESDAY": "WED",
            "THURSDAY": "THU", "FRIDAY": "FRI", "SATURDAY": "SAT", "SUNDAY": "SUN", "TUES": "TUE",
            "WEDS": "WED", "THUR": "THU", "THURS": "THU"}
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
#: A schedule may hold this many windows (a week grid of single hours is at most 84 runs).
MAX_WINDOWS = 100


class WindowError(ValueError):
    """A window that cannot be read: `field` is the path of the part at fault (windows[2].start)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Window:
    days: tuple[str, ...]
    start: time
    end: time
    #: The end is 24:00 (midnight at the end of the day), which `time` cannot hold.
    end_of_day: bool = False

    @property
    def crosses_midnight(self) -> bool:
        return self.end_of_day or self.end <= self.start

    def to_dict(self) -> dict:
        return {"days": list(self.days), "start": self.start.strftime("%H:%M"),
                "end": "24:00" if self.end_of_day else self.end.strftime("%H:%M")}

    def text(self) -> str:
        """"Mon–Fri 20:00–06:00"."""
        return f"{days_text(self.days)} {self.start:%H:%M}–{'24:00' if self.end_of_day else self.end.strftime('%H:%M')}"


def days_text(days) -> str:
    """Days as operators write them: "Mon–Fri", "Sat, Sun", "every day"."""
    indexes = sorted(DAYS.index(day) for day in days)
    if indexes == list(range(7)):
        return "every day"
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_WORDS[DAYS[run[0]]]}–{DAY_WORDS[DAYS[run[-1]]]}")
        else:
            parts.extend(DAY_WORDS[DAYS[index]] for index in run)
    return ", ".join(parts)


def _clock(field: str, raw) -> tuple[time, bool]:
    if not isinstance(raw, str):
        raise WindowError(field, "must be a time as HH:MM, e.g. 22:00")
    match = _TIME.match(raw.strip())
    if not match:
        raise WindowError(field, f"'{raw[:20]}' is not a time as HH:MM, e.g. 22:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24:
        if minute:
            raise WindowError(field, "24:00 is the latest time")
        return time(0, 0), True
    return time(hour, minute), False


def _days(field: str, raw) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise WindowError(field, "must list at least one day, e.g. [\"MON\", \"TUE\"]")
    days = []
    for index, item in enumerate(raw):
        day = _ALIASES.get(item.strip().upper()) if isinstance(item, str) else None
        if day is None:
            shown = item[:20] if isinstance(item, str) else type(item).__name__
            raise WindowError(f"{field}[{index}]", f"'{shown}' is not a day; use MON, TUE, WED, THU, FRI, SAT or SUN")
        if day not in days:
            days.append(day)
    return tuple(sorted(days, key=DAYS.index))


def parse_windows(raw, field: str = "windows") -> list[Window]:
    """Read the stored or posted list of windows; raises WindowError naming the part at fault.
    None and [] mean "always allowed" (an empty list)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise WindowError(field, "must be a list of windows like {\"days\": [\"MON\"], \"start\": \"22:00\", "
                                 "\"end\": \"06:00\"}")
    if len(raw) > MAX_WINDOWS:
        raise WindowError(field, f"must have at most {MAX_WINDOWS} windows")
    windows = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise WindowError(where, "must be an object with days, start and end")
        unknown = sorted(set(item) - {"days", "start", "end"})
        if unknown:
            raise WindowError(f"{where}.{unknown[0]}", "is not a window field (days, start, end)")
        for name in ("days", "start", "end"):
            if name not in item:
                raise WindowError(f"{where}.{name}", "is required")
        days = _days(f"{where}.days", item["days"])
        start, start_is_24 = _clock(f"{where}.start", item["start"])
        if start_is_24:
            raise WindowError(f"{where}.start", "a window cannot start at 24:00; start it at 00:00 the next day")
        end, end_of_day = _clock(f"{where}.end", item["end"])
        windows.append(Window(days, start, end, end_of_day))
    return windows


def windows_from_text(text: str, field: str = "windows") -> list[Window]:
    """The form's text fallback: one window per line, "MON-FRI 20:00-06:00" or "SAT,SUN 00:00-24:00"
    (day names or ranges, then start-end; "every day" or "daily" for all seven days)."""
    raw = []
    lines = [line.strip() for line in (text or "").replace(";", "\n").splitlines()]
    for number, line in enumerate((line for line in lines if line), start=1):
        match = re.match(r"^(.*?)\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$", line)
        if not match:
            raise WindowError(field, f"line {number} '{line[:40]}' is not like 'MON-FRI 20:00-06:00'")
        days_part = match.group(1).strip().upper()
        days: list[str] = []
        if days_part in ("EVERY DAY", "DAILY", "ALL", "*"):
            days = list(DAYS)
        else:
            for piece in re.split(r"\s*,\s*|\s+", days_part):
                ends = re.split(r"\s*[-–]\s*", piece)
                if len(ends) == 2:
                    first, last = _ALIASES.get(ends[0]), _ALIASES.get(ends[1])
                    if first is None or last is None:
                        raise WindowError(field, f"line {number}: '{piece}' is not a range of days like MON-FRI")
                    i, j = DAYS.index(first), DAYS.index(last)
                    span = range(i, j + 1) if i <= j else list(range(i, 7)) + list(range(0, j + 1))
                    days.extend(DAYS[k] for k in span)
                elif piece:
                    day = _ALIASES.get(piece)
                    if day is None:
                        raise WindowError(field, f"line {number}: '{piece}' is not a day; use MON, TUE, ... SUN")
                    days.append(day)
        raw.append({"days": days, "start": match.group(2), "end": match.group(3)})
    try:
        return parse_windows(raw, field)
    except WindowError as exc:
        raise WindowError(field, exc.message) from None


def windows_text(windows: list[Window]) -> str:
    """The text form of windows, one per line, as `windows_from_text` reads it."""
    lines = []
    for window in windows:
        days = window.days
        day_part = "EVERY DAY" if len(days) == 7 else ",".join(days)
        end = "24:00" if window.end_of_day else window.end.strftime("%H:%M")
        lines.append(f"{day_part} {window.start:%H:%M}-{end}")
    return "\n".join(lines)


def describe(windows: list[Window]) -> str:
    """"Mon–Fri 20:00–06:00; Sat, Sun 00:00–24:00", or "at any time"."""
    return "; ".join(window.text() for window in windows) if windows else "at any time"


# --- the week grid of the schedule form: 7 days × 24 hours --------------------------------------

def grid_cells(windows: list[Window]) -> set[str]:
    """The hours of the week grid a set of windows opens ("MON-22"): an hour is ticked when the
    windows allow all of it (the grid shows whole hours; finer windows use the text)."""
    cells = set()
    for day_index, day in enumerate(DAYS):
        for hour in range(24):
            minute_of_week = day_index * 1440 + hour * 60
            if all(_week_minute_open(windows, (minute_of_week + m) % 10080) for m in (0, 30, 59)):
                cells.add(f"{day}-{hour:02d}")
    return cells


def _week_minute_open(windows: list[Window], minute_of_week: int) -> bool:
    for window in windows:
        start = window.start.hour * 60 + window.start.minute
        end = 1440 if window.end_of_day else window.end.hour * 60 + window.end.minute
        length = (end - start) if end > start else (1440 - start + end)
        for day in window.days:
            opens = DAYS.index(day) * 1440 + start
            if (minute_of_week - opens) % 10080 < length:
                return True
    return False


def windows_from_grid(cells) -> list[Window]:
    """Windows from ticked hours of the week grid: each day's runs of hours, days with the same
    runs together, a run reaching midnight ending at 24:00."""
    ticked = {cell for cell in cells if isinstance(cell, str)}
    by_runs: dict[tuple, list[str]] = {}
    for day in DAYS:
        hours = [hour for hour in range(24) if f"{day}-{hour:02d}" in ticked]
        runs: list[list[int]] = []
        for hour in hours:
            if runs and hour == runs[-1][-1] + 1:
                runs[-1].append(hour)
            else:
                runs.append([hour])
        for run in runs:
            by_runs.setdefault((run[0], run[-1] + 1), []).append(day)
    windows = []
    for (start, end), days in sorted(by_runs.items(), key=lambda item: (DAYS.index(item[1][0]), item[0])):
        windows.append(Window(tuple(days), time(start, 0), time(0, 0) if end == 24 else time(end, 0), end == 24))
    return windows


# --- instants ------------------------------------------------------------------------------------

def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time of a day reads in the zone (see the module's DST rules)."""
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=zone, fold=0)
    # A time in a spring-forward gap does not round-trip: fold=0 gives the instant it would
    # have been (the clocks read an hour later), which is what opening "at 02:30" means.
    return aware.astimezone(timezone.utc)


@dataclass(frozen=True)
class WindowSet:
    """A schedule's windows in its zone, answering questions about instants (UTC)."""

    windows: tuple[Window, ...]
    zone: ZoneInfo

    @classmethod
    def of(cls, windows: list[Window], zone: ZoneInfo | str) -> WindowSet:
        return cls(tuple(windows), zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))

    @property
    def always(self) -> bool:
        return not self.windows

    def periods(self, local_day: date) -> list[tuple[datetime, datetime]]:
        """The open periods (UTC) of the windows that open on `local_day`."""
        weekday = DAYS[local_day.weekday()]
        found = []
        for window in self.windows:
            if weekday not in window.days:
                continue
            start = _local(local_day, window.start, self.zone)
            end_day = local_day + timedelta(days=1) if window.crosses_midnight else local_day
            end = _local(end_day, window.end, self.zone)
            if end > start:
                found.append((start, end))
        return found

    def _around(self, instant: datetime, days_before: int = 1, days_after: int = 1):
        today = instant.astimezone(self.zone).date()
        for offset in range(-days_before, days_after + 1):
            yield from self.periods(today + timedelta(days=offset))

    def allows(self, instant: datetime) -> bool:
        """Whether a replication may start at `instant`."""
        if self.always:
            return True
        return any(start <= instant < end for start, end in self._around(instant))

    def closes_at(self, instant: datetime) -> datetime | None:
        """When the open period containing `instant` ends (following windows that continue it);
        None when always allowed, or when `instant` is outside every window."""
        if self.always or not self.allows(instant):
            return None
        end = instant
        for _ in range(16):  # at most two weeks of touching windows
            later = [period_end for start, period_end in self._around(end, 1, 2) if start <= end < period_end]
            if not later:
                return end
            end = max(later)
        return end

    def next_opening(self, after: datetime) -> datetime | None:
        """The first instant at or after `after` at which replication is allowed; None when the
        windows never open (no window has a day)."""
        if self.always or self.allows(after):
            return after
        today = after.astimezone(self.zone).date()
        starts = [start for offset in range(-1, 9) for start, _ in self.periods(today + timedelta(days=offset))
                  if start >= after]
        return min(starts) if starts else None

    def verdict_text(self) -> str:
        return describe(list(self.windows))
