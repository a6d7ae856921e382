"""Geometry of the job timeline: jobs as bars over a time window, one lane per VM.

Pure presentation arithmetic (no queries): the SVG is drawn from these numbers, so the page
needs no script and no inline style to show it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH = 1000        # viewBox units of the bar area
LABEL_WIDTH = 160   # viewBox units of the VM name column
LANE_HEIGHT = 22
AXIS_HEIGHT = 24
MIN_BAR = 3


@dataclass(frozen=True)
class Bar:
    job_id: str
    x: float
    width: float
    status: str
    title: str


@dataclass(frozen=True)
class Lane:
    vm_name: str
    y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    x: float
    at: datetime


@dataclass(frozen=True)
class Timeline:
    start: datetime
    end: datetime
    lanes: list[Lane]
    ticks: list[Tick]
    width: int = WIDTH + LABEL_WIDTH
    label_width: int = LABEL_WIDTH
    lane_height: int = LANE_HEIGHT
    axis_height: int = AXIS_HEIGHT

    @property
    def bars(self) -> list[Bar]:
        """Every bar, lane by lane: the chart's jobs as a list."""
        return [bar for lane in self.lanes for bar in lane.bars]

    @property
    def height(self) -> int:
        return self.axis_height + max(1, len(self.lanes)) * self.lane_height


def _parse(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def build_timeline(items: list[dict], end: datetime, hours: int = 24, tick_hours: int = 3) -> Timeline:
    """Lay out unified job items started within `hours` before `end`; running jobs reach `end`."""
    start = end - timedelta(hours=hours)
    span = (end - start).total_seconds()
    lanes: dict[str, list[Bar]] = {}
    for item in items:
        began = _parse(item.get("started_at"))
        if began is None:
            continue
        finished = _parse(item.get("completed_at")) or end
        if finished < start or began > end:
            continue
        left = max(began, start)
        right = min(max(finished, left), end)
        x = LABEL_WIDTH + (left - start).total_seconds() / span * WIDTH
        width = max(MIN_BAR, (right - left).total_seconds() / span * WIDTH)
        name = item.get("vm_name") or item.get("context_id") or "—"
        title = f"{name} · {item.get('display_name')} · {item.get('status')} · {int(item.get('progress') or 0)} %"
        lanes.setdefault(name, []).append(Bar(item["job_id"], round(x, 2), round(min(width, WIDTH + LABEL_WIDTH - x), 2),
                                              item.get("status") or "pending", title))
    ordered = sorted(lanes.items())
    laid = [Lane(name, AXIS_HEIGHT + index * LANE_HEIGHT, bars) for index, (name, bars) in enumerate(ordered)]
    first_tick = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    ticks = []
    moment = first_tick
    while moment < end:
        if moment.hour % tick_hours == 0:
            ticks.append(Tick(round(LABEL_WIDTH + (moment - start).total_seconds() / span * WIDTH, 2), moment))
        moment += timedelta(hours=1)
    return Timeline(start, end, laid, ticks)
