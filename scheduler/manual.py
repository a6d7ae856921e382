"""Run a schedule now, from any process: the request is a `scheduled` execution row that the
leader starts within a tick (the compare-and-set start decides who runs it)."""
from __future__ import annotations

from extensions import db
from models import ReplicationSchedule, ScheduleExecution, utcnow
from scheduler.ids import manual_execution_id

TRIGGERS = ("manual",)


class ScheduleNotFound(LookupError):
    def __init__(self, schedule_id: str):
        self.schedule_id = schedule_id
        super().__init__(f"No schedule with id '{schedule_id}'")


class ScheduleDisabled(ValueError):
    """A disabled schedule is not run: every VM would be skipped as `schedule_disabled`."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"Schedule '{name}' is disabled; enable it before running it")


def trigger_now(schedule_id: str, triggered_by: str = "manual", requested_by: str | None = None) -> ScheduleExecution:
    """Request a run of the schedule now; returns its execution (status `scheduled`)."""
    if triggered_by not in TRIGGERS:
        raise ValueError(f"triggered_by must be one of {', '.join(TRIGGERS)}, not {triggered_by!r}")
    schedule = db.session.get(ReplicationSchedule, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    if not schedule.enabled:
        raise ScheduleDisabled(schedule.name)
    now = utcnow()
    execution = ScheduleExecution(id=manual_execution_id(), schedule_id=schedule.id, scheduled_at=now,
                                  status="scheduled", triggered_by=triggered_by, created_at=now,
                                  execution_details={"requested_by": requested_by} if requested_by else {})
    db.session.add(execution)
    db.session.commit()
    from scheduler import wake_local_scheduler
    wake_local_scheduler()
    return execution
