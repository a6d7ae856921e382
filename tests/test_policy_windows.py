"""Replication windows: reading them, and what they say about instants across midnight and DST."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from policy.windows import (WindowError, WindowSet, grid_cells, parse_windows, windows_from_grid,
                            windows_from_text, windows_text)

LONDON = ZoneInfo("Europe/London")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def nights() -> WindowSet:
    """Mon–Fri 20:00–06:00 London: opens on the named day, closes the next morning."""
    return WindowSet.of(parse_windows([{"days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "20:00",
                                        "end": "06:00"}]), LONDON)


def test_a_window_across_midnight_is_open_until_the_next_morning():
    windows = nights()
    # Monday 2 March 2026 is GMT (UTC+0).
    assert not windows.allows(utc(2026, 3, 2, 19, 59))
    assert windows.allows(utc(2026, 3, 2, 20, 0))
    assert windows.allows(utc(2026, 3, 3, 2, 0))        # Tuesday 02:00 belongs to Monday's window
    assert not windows.allows(utc(2026, 3, 3, 6, 0))     # the end is exclusive
    assert windows.closes_at(utc(2026, 3, 3, 2, 0)) == utc(2026, 3, 3, 6, 0)
    # Saturday 02:00 is Friday night's window; Sunday 02:00 is no window (Saturday opens none).
    assert windows.allows(utc(2026, 3, 7, 2, 0))
    assert not windows.allows(utc(2026, 3, 8, 2, 0))
    assert windows.next_opening(utc(2026, 3, 8, 2, 0)) == utc(2026, 3, 9, 20, 0)


def test_window_hours_are_wall_clock_hours_across_a_dst_change():
    windows = nights()
    # Friday 27 March 2026 20:00 GMT opens; the clocks go forward on Sunday 29 March.
    assert windows.allows(utc(2026, 3, 27, 20, 0))
    # Monday 30 March is BST (UTC+1): 20:00 local is 19:00 UTC.
    assert not windows.allows(utc(2026, 3, 30, 18, 59))
    assert windows.allows(utc(2026, 3, 30, 19, 0))
    assert windows.closes_at(utc(2026, 3, 31, 1, 0)) == utc(2026, 3, 31, 5, 0)  # 06:00 BST


def test_a_window_starting_in_the_spring_gap_opens_when_the_clocks_read_an_hour_later():
    windows = WindowSet.of(parse_windows([{"days": ["SUN"], "start": "01:30", "end": "04:00"}]), LONDON)
    # 29 March 2026: 01:00 GMT becomes 02:00 BST; 01:30 does not exist. 01:30 at the old
    # offset is 01:30 UTC, which the clocks read as 02:30 BST.
    assert not windows.allows(utc(2026, 3, 29, 0, 59))
    assert windows.allows(utc(2026, 3, 29, 1, 30))
    assert windows.closes_at(utc(2026, 3, 29, 2, 0)) == utc(2026, 3, 29, 3, 0)  # 04:00 BST


def test_touching_windows_are_one_open_period():
    windows = WindowSet.of(parse_windows([{"days": ["MON"], "start": "18:00", "end": "24:00"},
                                          {"days": ["TUE"], "start": "00:00", "end": "06:00"}]), ZoneInfo("UTC"))
    assert windows.closes_at(utc(2026, 3, 2, 19, 0)) == utc(2026, 3, 3, 6, 0)


def test_no_windows_means_always_allowed():
    windows = WindowSet.of([], LONDON)
    assert windows.always and windows.allows(utc(2026, 1, 1, 12, 0))
    assert windows.closes_at(utc(2026, 1, 1, 12, 0)) is None


@pytest.mark.parametrize("raw, field", [
    ("nightly", "windows"),
    ([{"days": [], "start": "20:00", "end": "06:00"}], "windows[0].days"),
    ([{"days": ["MON", "FUNDAY"], "start": "20:00", "end": "06:00"}], "windows[0].days[1]"),
    ([{"days": ["MON"], "start": "25:00", "end": "06:00"}], "windows[0].start"),
    ([{"days": ["MON"], "start": "20:00"}], "windows[0].end"),
    ([{"days": ["MON"], "start": "24:00", "end": "06:00"}], "windows[0].start"),
    ([{"days": ["MON"], "start": "20:00", "end": "06:00", "tz": "UTC"}], "windows[0].tz"),
    ([{"days": ["MON"], "start": 20, "end": "06:00"}], "windows[0].start"),
])
def test_a_bad_window_names_the_part_at_fault(raw, field):
    with pytest.raises(WindowError) as caught:
        parse_windows(raw)
    assert caught.value.field == field


def test_the_text_form_and_the_week_grid_say_the_same_as_the_list():
    windows = windows_from_text("MON-FRI 20:00-06:00\nSAT,SUN 00:00-24:00")
    assert [w.to_dict() for w in windows] == [
        {"days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "20:00", "end": "06:00"},
        {"days": ["SAT", "SUN"], "start": "00:00", "end": "24:00"}]
    assert windows_from_text(windows_text(windows)) == windows
    cells = grid_cells(windows)
    assert "MON-20" in cells and "TUE-05" in cells and "TUE-06" not in cells and "SUN-13" in cells
    again = WindowSet.of(windows_from_grid(cells), ZoneInfo("UTC"))
    original = WindowSet.of(windows, ZoneInfo("UTC"))
    for hour in range(0, 24 * 14):
        instant = utc(2026, 3, 2) + timedelta(hours=hour, minutes=30)
        assert again.allows(instant) == original.allows(instant), instant
    with pytest.raises(WindowError):
        windows_from_text("weekdays after dinner")
