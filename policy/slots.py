"""What the protection policy says about a slot or a VM at an instant: windows and blackouts.

`SlotPolicy` is everything the engine needs to decide one schedule's slots: its windows, its
window-close policy, the groups it runs and the blackouts in force. It is read with a fixed
number of statements for any number of schedules (`slot_policies`), and its answers are
`Verdict`s: a reason code, one sentence for the operator, and when it stops applying.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cron.zones import load_zone
from cron import CronError
from extensions import db
from models import DashboardBlackout, DashboardSchedulePolicy, VMGroupMembership, VMMachineGroup, utcnow
from policy.windows import Window, WindowError, WindowSet, parse_windows

OUTSIDE_WINDOW = "outside_window"
BLACKOUT = "blackout"
WINDOW_CLOSED = "window_closed"
DEFERRED = "deferred"
WINDOW_CLOSE_POLICIES = ("defer", "skip")
#: How far ahead a next run is looked for through closed windows and blackouts.
LOOKAHEAD_SLOTS = 200


@dataclass(frozen=True)
class Verdict:
    code: str          #: OUTSIDE_WINDOW or BLACKOUT
    message: str       #: the operator sentence ("outside window Mon–Fri 20:00–06:00")
    until: datetime | None = None  #: when it stops applying (the window opens, the blackout ends)
    blackout_id: str | None = None


@dataclass(frozen=True)
class Blackout:
    id: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    group_ids: frozenset | None  #: None: every group

    def covers(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at

    def affects(self, group_id: str | None) -> bool:
        return self.group_ids is None or group_id in self.group_ids

    def text(self) -> str:
        return f"blackout '{self.reason}'"

    @classmethod
    def of(cls, row: DashboardBlackout) -> Blackout:
        groups = row.group_ids if isinstance(row.group_ids, list) else None
        return cls(row.id, row.reason, row.starts_at, row.ends_at,
                   frozenset(str(g) for g in groups) if groups else None)


def blackouts_between(start: datetime, end: datetime, *, cached: bool = False) -> list[Blackout]:
    """Blackouts overlapping [start, end] (one statement).

    `cached`: for what pages show (banners, next runs, previews), the blackouts not over yet as
    this process read them at most CACHE_SECONDS ago, when the range lies within what that read
    covers. The engine's decisions (claims, dispatch, the assessment) always read afresh."""
    if cached:
        upcoming = _upcoming()
        if upcoming is not None:
            read_at, horizon, found = upcoming
            if start >= read_at and end <= horizon:
                return [b for b in found if b.starts_at <= end and b.ends_at > start]
    rows = db.session.scalars(select(DashboardBlackout).where(DashboardBlackout.starts_at <= end,
                                                              DashboardBlackout.ends_at > start)
                              .order_by(DashboardBlackout.starts_at)).all()
    return [Blackout.of(row) for row in rows]


#: How long pages reuse this process's read of the coming blackouts; changes made through the
#: dashboard clear it at once (`forget_cached_blackouts`), other processes see them this late.
CACHE_SECONDS = 5.0
#: How far ahead the cached read reaches.
CACHE_HORIZON = timedelta(days=62)
_cache: dict = {}
_cache_lock = threading.Lock()


def _upcoming():
    """(read at, horizon, blackouts) of this app's database, read again when older than CACHE_SECONDS."""
    key = str(db.engine.url)
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
        return entry[1:]
    read_at = utcnow() - timedelta(seconds=CACHE_SECONDS)  # serves the ranges asked while it is kept
    horizon = read_at + CACHE_HORIZON
    rows = db.session.scalars(select(DashboardBlackout).where(DashboardBlackout.starts_at <= horizon,
                                                              DashboardBlackout.ends_at > read_at)
                              .order_by(DashboardBlackout.starts_at)).all()
    entry = (time.monotonic(), read_at, horizon, [Blackout.of(row) for row in rows])
    with _cache_lock:
        _cache[key] = entry
    return entry[1:]


def forget_cached_blackouts() -> None:
    with _cache_lock:
        _cache.clear()


def active_blackouts(now: datetime | None = None) -> list[Blackout]:
    """The blackouts in force now, for the banner every page shows (`cached`)."""
    now = now or utcnow()
    return [b for b in blackouts_between(now, now, cached=True) if b.covers(now)]


def stored_windows(raw) -> list[Window]:
    """Windows of a stored row; a row another tool wrote badly means "always allowed": nothing
    unreadable ever stops replication."""
    try:
        return parse_windows(raw)
    except WindowError:
        return []


def _zone(name: str | None) -> ZoneInfo:
    try:
        return load_zone(name or "UTC")
    except CronError:
        return ZoneInfo("UTC")


@dataclass
class SlotPolicy:
    schedule_id: str
    windows: WindowSet
    close_policy: str = "defer"
    group_ids: frozenset = frozenset()
    blackouts: list[Blackout] = field(default_factory=list)
    max_runtime_minutes: int | None = None
    pause_after_failures: int | None = None

    @property
    def has_windows(self) -> bool:
        return not self.windows.always

    def blackout_at(self, instant: datetime, group_id: str | None = None) -> Blackout | None:
        """The blackout holding back the whole schedule (`group_id` None: one that affects every
        group it runs) or one group at `instant`."""
        for blackout in self.blackouts:
            if not blackout.covers(instant):
                continue
            if group_id is not None:
                if blackout.affects(group_id):
                    return blackout
            elif blackout.group_ids is None or (self.group_ids and self.group_ids <= blackout.group_ids):
                return blackout
        return None

    def slot_verdict(self, slot: datetime, *, windows: bool = True) -> Verdict | None:
        """Why a slot does not start, or None when it runs. A blackout wins over a window."""
        blackout = self.blackout_at(slot)
        if blackout is not None:
            return Verdict(BLACKOUT, f"skipped: {blackout.text()} (until {_short(blackout.ends_at, self.windows.zone)})",
                           blackout.ends_at, blackout.id)
        if windows and not self.windows.allows(slot):
            return Verdict(OUTSIDE_WINDOW, f"outside window {self.windows.verdict_text()}, not started",
                           self.windows.next_opening(slot))
        return None

    def next_allowed(self, expression, after: datetime, limit: int = LOOKAHEAD_SLOTS) -> datetime | None:
        """The first slot of `expression` after `after` that will start, jumping over closed
        windows and blackouts; None if none in `limit` slots."""
        current = after
        for _ in range(limit):
            slot = expression.next_after(current)
            if slot is None:
                return None
            verdict = self.slot_verdict(slot)
            if verdict is None:
                return slot
            resume = verdict.until
            current = max(slot, resume - timedelta(microseconds=1)) if resume is not None else slot
            if resume is None and verdict.code == OUTSIDE_WINDOW:
                return None  # the windows never open
        return None


def _short(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def schedule_groups(schedule_ids) -> dict[str, frozenset]:
    """The groups each schedule runs: groups on it, and groups of VMs that override to it."""
    ids = list(schedule_ids)
    found: dict[str, set] = {schedule_id: set() for schedule_id in ids}
    if not ids:
        return {}
    for group_id, schedule_id in db.session.execute(
            select(VMMachineGroup.id, VMMachineGroup.schedule_id).where(VMMachineGroup.schedule_id.in_(ids))):
        found[schedule_id].add(group_id)
    for group_id, schedule_id in db.session.execute(
            select(VMGroupMembership.group_id, VMGroupMembership.schedule_override_id)
            .where(VMGroupMembership.schedule_override_id.in_(ids)).distinct()):
        found[schedule_id].add(group_id)
    return {schedule_id: frozenset(groups) for schedule_id, groups in found.items()}


def policy_rows(schedule_ids) -> dict[str, DashboardSchedulePolicy]:
    ids = list(schedule_ids)
    if not ids:
        return {}
    return {row.schedule_id: row for row in db.session.scalars(
        select(DashboardSchedulePolicy).where(DashboardSchedulePolicy.schedule_id.in_(ids)))}


def slot_policies(schedules, start: datetime, end: datetime, *, with_groups: bool = True, cached: bool = False,
                  rows: dict | None = None) -> dict[str, SlotPolicy]:
    """The policy of each schedule (objects with `id` and `zone`) for slots in [start, end]:
    at most three statements whatever their number (none for the rows when `rows` gives them,
    none for the blackouts when `cached` finds them, see `blackouts_between`)."""
    schedules = list(schedules)
    ids = [schedule.id for schedule in schedules]
    rows = policy_rows(ids) if rows is None else rows
    blackouts = blackouts_between(start, end, cached=cached)
    groups = schedule_groups(ids) if with_groups and any(b.group_ids for b in blackouts) else {}
    return {schedule.id: make_policy(schedule, rows.get(schedule.id), blackouts, groups.get(schedule.id, frozenset()))
            for schedule in schedules}


def make_policy(schedule, row: DashboardSchedulePolicy | None, blackouts: list[Blackout],
                group_ids: frozenset = frozenset()) -> SlotPolicy:
    zone = _zone(getattr(schedule, "zone", None) or getattr(schedule, "timezone", None))
    windows = stored_windows(row.windows) if row is not None else []
    close = row.window_close_policy if row is not None and row.window_close_policy in WINDOW_CLOSE_POLICIES \
        else "defer"
    return SlotPolicy(schedule.id, WindowSet.of(windows, zone), close, group_ids, blackouts,
                      row.max_runtime_minutes if row is not None else None,
                      row.pause_after_failures if row is not None else None)

