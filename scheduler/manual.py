"""Run a schedule now, from any process: the request is a `scheduled` execution row that the
leader starts within a tick (the compare-and-set start decides who runs it)."""
from __future__ import annotations

from domain_errors import Conflict, NotFound
from extensions import db
from models import ReplicationSchedule, ScheduleExecution, utcnow
from scheduler.ids import manual_execution_id
from scheduler.service import wake_local_scheduler


def trigger_now(schedule_id: str, requested_by: str | None = None) -> ScheduleExecution:
    """Request a run of the schedule now; returns its execution (status `scheduled`).

    Raises `NotFound` for an unknown schedule and a `schedule_disabled` `Conflict` for a disabled
    one: every VM would be skipped, so nothing would run."""
    schedule = db.session.get(ReplicationSchedule, schedule_id) if isinstance(schedule_id, str) else None
    if schedule is None:
        raise NotFound("schedule", schedule_id)
    if not schedule.enabled:
        raise Conflict("schedule_disabled", f"Schedule '{schedule.name}' is disabled; enable it before running it.",
                       {"field": "enabled"})
    now = utcnow()
    execution = ScheduleExecution(id=manual_execution_id(), schedule_id=schedule.id, scheduled_at=now,
                                  status="scheduled", triggered_by="manual", created_at=now,
                                  execution_details={"requested_by": requested_by} if requested_by else {})
    db.session.add(execution)
    db.session.commit()
    wake_local_scheduler()
    return execution
