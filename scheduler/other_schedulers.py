"""Another scheduler firing the same schedules: the OMA's own.

The OMA API builds and starts its Go scheduler every time it starts, on the same
`replication_schedules` table, with no switch to turn it off (oma/api/handlers/handlers.go:117-125
[sendense 8b7d59b]; sha/api/handlers/handlers.go:138 at 2acc62b). Run against the OMA's database,
both would fire every schedule. Its runs are recognisable: a cron run is written with
`triggered_by = "scheduler-service"` (services/scheduler_service.go:576-582) and a manual one
with an id `manual-<unix seconds>` (:1023-1035); the dashboard writes `scheduler`, `retry`,
`chain` or `manual` with uuid ids. Finding such a row is said loudly: a banner on every page,
/readyz degraded, `flask scheduler status`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from extensions import db
from models import ReplicationSchedule, ScheduleExecution, utcnow

#: What the dashboard writes in `schedule_executions.triggered_by`.
OUR_TRIGGERS = ("scheduler", "retry", "chain", "manual")
#: Runs older than this no longer count: the other scheduler may have been stopped since.
WINDOW = timedelta(hours=24)
#: Pages ask on every request; the database is asked at most this often per process.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class OtherScheduler:
    runs: int                 #: runs it started within WINDOW
    latest_at: datetime
    latest_schedule: str      #: the name of the schedule of its latest run
    triggered_by: str

    def to_dict(self) -> dict:
        return {"runs_last_24h": self.runs, "latest_at": self.latest_at.isoformat(),
                "latest_schedule": self.latest_schedule, "triggered_by": self.triggered_by}


def _foreign():
    execution = ScheduleExecution
    return or_(execution.triggered_by.notin_(OUR_TRIGGERS), execution.id.like("manual-%"))


def find_other_scheduler(now: datetime | None = None) -> OtherScheduler | None:
    """Runs within the last 24 hours that the dashboard did not write, or None."""
    now = now or utcnow()
    execution = ScheduleExecution
    # The Go scheduler writes started_at with every run it records (scheduler_service.go:579, :1030):
    # the window is read down idx_schedule_executions_started_at.
    recent = execution.started_at >= now - WINDOW
    latest = db.session.execute(
        select(execution.triggered_by, execution.started_at, ReplicationSchedule.name)
        .outerjoin(ReplicationSchedule, ReplicationSchedule.id == execution.schedule_id)
        .where(recent, _foreign())
        .order_by(execution.started_at.desc()).limit(1)).first()
    if latest is None:
        return None
    runs = db.session.scalar(select(func.count()).select_from(execution).where(recent, _foreign())) or 0
    triggered_by, at, name = latest
    return OtherScheduler(runs=runs, latest_at=at, latest_schedule=name or "(a schedule that no longer exists)",
                          triggered_by=triggered_by or "")


_cache: dict = {"at": None, "value": None}
_cache_lock = threading.Lock()


def other_scheduler_cached() -> OtherScheduler | None:
    """`find_other_scheduler`, asked again at most every CACHE_SECONDS in this process."""
    with _cache_lock:
        at = _cache["at"]
        if at is not None and time.monotonic() - at < CACHE_SECONDS:
            return _cache["value"]
    value = find_other_scheduler()
    with _cache_lock:
        _cache.update(at=time.monotonic(), value=value)
    return value


def forget_cached() -> None:
    with _cache_lock:
        _cache.update(at=None, value=None)
